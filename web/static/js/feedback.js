/** Rating a meeting (1–5, follow up and why, note) and the end-of-event summary of every meeting. */

import { boot } from './boot.js';
import { t } from './i18n.js';
import { draftKey, draftStorage, dropDraft, keepDraft, markName, readDraft, savedLine, scaleLine } from './ratings.js';
import { clearFieldErrors, el, fieldError, requiredMark } from './ui.js';
import { busy } from './focus.js';

/** Why someone wants to follow up (the server's `reasons`), in the order the form shows them. */
export const REASONS = ['conversation', 'documentation', 'demonstration', 'experiment', 'purchase'];

function names(peers) {
  return peers.map((p) => p.name).join(', ');
}

/** One line per person met: name, organization, side. */
export function peerLine(peer) {
  return el('span', { class: 'peer-line' },
    el('strong', { text: peer.name }),
    peer.organization ? el('span', { class: 'muted', text: ` · ${peer.organization}` }) : null,
    peer.side ? el('span', { class: 'badge', text: peer.side }) : null);
}

/**
 * A form to rate `meeting` ({room, peer?, peers, rating?, follow_up?}): with `peer`, the one
 * person of `peers` it is about (in a room of three each is rated on their own).
 * `submit({room, peer?, rating, follow_up, note})` sends it and rejects with {message} when
 * refused; `saved(values)` after. What is typed and not saved yet is kept as a draft in this
 * browser (ratings.js) and offered again by the next form about the same person.
 */
export function feedbackForm(meeting, submit, saved = () => {}) {
  const group = meeting.peer ? `rating-${meeting.room}-${meeting.peer}` : `rating-${meeting.room}`;
  const key = draftKey(boot.event && boot.event.id, boot.me && boot.me.id, meeting.room, meeting.peer);
  const draft = readDraft(draftStorage(), key, Date.now());
  if (draft) meeting = { ...meeting, ...draft, rating: draft.rating || meeting.rating };
  // each mark named by its number and its words; required and checked by the page itself
  // (`novalidate`), so that no radio reads as invalid before anyone chose, and the message
  // is the page's, in its language
  const stars = [1, 2, 3, 4, 5].map((n) => el('label', { class: 'rating-option' },
    el('input', { type: 'radio', name: group, value: String(n),
      checked: meeting.rating === n, 'data-testid': `rating-${n}` }),
    el('span', { text: String(n), 'aria-hidden': 'true' }),
    el('span', { class: 'visually-hidden', text: markName(t, n) })));
  const followUp = el('input', { type: 'checkbox', name: 'follow_up', checked: Boolean(meeting.follow_up),
    'data-testid': 'follow-up' });
  const given = new Set(Array.isArray(meeting.reasons) ? meeting.reasons : []);
  const reasonBoxes = REASONS.map((r) => el('input', { type: 'checkbox', name: 'reasons', value: r,
    checked: given.has(r), 'data-testid': `reason-${r}` }));
  const hintId = `reasons-hint-${group}`;
  const reasons = el('fieldset', { class: 'reasons', 'data-testid': 'follow-up-reasons', 'aria-describedby': hintId },
    el('legend', { text: t('feedback_reasons') }),
    reasonBoxes.map((box) => el('label', { class: 'check' }, box, ' ', t(`follow_reason_${box.value}`))),
    el('p', { class: 'muted small', id: hintId, text: t('feedback_reasons_hint') }));
  // the reasons belong to a wish to follow up: shown with it, cleared without it
  const showReasons = () => {
    reasons.hidden = !followUp.checked;
    if (!followUp.checked) for (const box of reasonBoxes) box.checked = false;
  };
  followUp.addEventListener('change', showReasons);
  showReasons();
  const note = el('textarea', { name: 'note', rows: 2, maxlength: 2000, placeholder: t('feedback_note_hint'),
    'data-testid': 'feedback-note', text: meeting.note || '' });
  const button = el('button', { type: 'submit', class: 'primary', text: t('feedback_send'),
    'data-testid': 'feedback-send' });
  const status = el('p', { class: 'form-status', role: 'status', 'aria-live': 'polite' });
  const legendId = `${group}-legend`;
  const rating = el('fieldset', { class: 'rating', role: 'radiogroup', 'aria-labelledby': legendId, 'aria-required': 'true',
    'aria-describedby': `${group}-scale` },
    el('legend', { id: legendId }, t('feedback_rating'), requiredMark()),
    el('div', { class: 'rating-options' }, stars),
    el('p', { class: 'muted small', id: `${group}-scale`, text: scaleLine(t) }));
  const form = el('form', { class: 'feedback', 'data-testid': 'feedback-form', novalidate: true,
    dataset: { room: meeting.room, peer: meeting.peer || '' } },
    el('h3', { text: t('feedback_title', { names: names(meeting.peers) }) }),
    el('p', { class: 'muted small', text: t('form_required_legend') }),
    rating,
    el('label', { class: 'check' }, followUp, ' ', t('feedback_follow_up', { names: names(meeting.peers) })),
    reasons,
    el('label', { class: 'field' }, el('span', { text: t('feedback_note') }), note),
    el('div', { class: 'inline' }, button, status));
  if (draft) {
    form.dataset.draft = 'true';  // rate-later.js unfolds it
    status.textContent = t('feedback_draft_back');
  }
  const chosen = () => form.querySelector(`input[name="${group}"]:checked`);
  // a form being filled in is not drawn again under the person's fingers (see `summaryList`);
  // what is typed is kept as it is typed, until it is saved
  form.addEventListener('input', () => {
    form.dataset.dirty = 'true';
    if (chosen()) fieldError(rating, '');
    keepDraft(draftStorage(), key, {
      rating: chosen() ? Number(chosen().value) : null,
      follow_up: followUp.checked,
      reasons: reasonBoxes.filter((box) => box.checked).map((box) => box.value),
      note: note.value,
    }, Date.now());
  });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearFieldErrors(form);
    if (!chosen()) {
      status.textContent = '';
      fieldError(rating, t('feedback_need_rating'));
      form.querySelector(`input[name="${group}"]`).focus();
      return;
    }
    const values = {
      room: meeting.room,
      rating: Number(chosen().value),
      follow_up: followUp.checked,
      reasons: followUp.checked ? reasonBoxes.filter((box) => box.checked).map((box) => box.value) : [],
      note: note.value.trim(),
    };
    if (meeting.peer) values.peer = meeting.peer;
    busy(button, true);  // keeps the focus while it sends
    status.textContent = t('sending');
    try {
      await submit(values);
      delete form.dataset.dirty;
      delete form.dataset.draft;
      dropDraft(draftStorage(), key);
      status.textContent = savedLine(t, boot.ratings_days);
      saved(values);
    } catch (err) {
      status.textContent = err.message || String(err);
    } finally {
      busy(button, false);
    }
  });
  return form;
}

/** "Continue the conversation, A purchase", or '' for none. */
function reasonList(reasons) {
  return Array.isArray(reasons) ? reasons.map((r) => t(`follow_reason_${r}`)).join(', ') : '';
}

function ratingText(rated) {
  return rated.rating ? t('summary_rating', { rating: rated.rating }) : t('summary_not_rated');
}

/** The `summary` list: each person met with my rating of them; one not rated yet gets a form. */
export function summaryList(summary, submit) {
  const meetings = (summary && Array.isArray(summary.meetings)) ? summary.meetings : [];
  if (!meetings.length) return el('p', { class: 'muted', text: t('summary_empty') });
  return el('ol', { class: 'summary-list' }, meetings.map((m) => {
    const item = el('li', { class: 'summary-item', 'data-testid': 'summary-meeting', dataset: { room: m.room } },
      el('p', { class: 'eyebrow', text: t('round_n', { round: m.round }) }),
      el('ul', { class: 'plain-list' }, m.peers.map((p) => peerSummary(m, p, submit))));
    return item;
  }));
}

function peerSummary(meeting, peer, submit) {
  // a summary of an older server rates the meeting, not each person
  const rated = 'rating' in peer ? peer : meeting;
  const rating = el('p', { class: 'muted small', text: ratingText(rated) });
  const item = el('li', { dataset: { peer: peer.id } },
    peerLine(peer),
    peer.mutual_follow_up
      ? el('p', { class: 'follow-up' }, t('summary_mutual'), ' ',
        peer.email ? el('a', { href: `mailto:${peer.email}`, text: peer.email, 'data-testid': 'peer-email' }) : null)
      : null,
    peer.mutual_follow_up && reasonList(peer.their_reasons)
      ? el('p', { class: 'small', text: t('summary_their_reasons', { name: peer.name, reasons: reasonList(peer.their_reasons) }) })
      : null,
    rated.follow_up && !peer.mutual_follow_up ? el('p', { class: 'small', text: t('summary_you_follow_up') }) : null,
    reasonList(rated.reasons)
      ? el('p', { class: 'small', text: t('summary_your_reasons', { reasons: reasonList(rated.reasons) }) })
      : null,
    peer.note ? el('p', { class: 'small note-text' }, el('strong', { text: t('summary_your_note') }), ' ', peer.note) : null,
    rating);
  const given = rated.rating
    ? { rating: rated.rating, follow_up: rated.follow_up, reasons: rated.reasons, note: peer.note } : {};
  const form = feedbackForm({ room: meeting.room, peer: peer.id, peers: [peer], ...given }, submit, (values) => {
    Object.assign(rated, { rating: values.rating, follow_up: values.follow_up, reasons: values.reasons });
    rating.textContent = ratingText(rated);
  });
  // one not rated yet: its form; one rated: its form folded, to change it
  item.append(rated.rating
    ? el('details', { class: 'edit-rating', open: form.dataset.draft === 'true' }, el('summary', { text: t('summary_edit') }), form)
    : form);
  return item;
}
