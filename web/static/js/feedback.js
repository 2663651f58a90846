/** Rating a meeting (1–5, follow up, note) and the end-of-event summary of every meeting. */

import { t } from './i18n.js';
import { el } from './ui.js';

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
 * A form to rate `meeting` ({room, peers, rating?, follow_up?}). `submit({room, rating,
 * follow_up, note})` sends it and rejects with {message} when refused; `saved(values)` after.
 */
export function feedbackForm(meeting, submit, saved = () => {}) {
  const group = `rating-${meeting.room}`;
  const stars = [1, 2, 3, 4, 5].map((n) => el('label', { class: 'rating-option', title: t(`rating_${n}`) },
    el('input', { type: 'radio', name: group, value: String(n), required: true,
      checked: meeting.rating === n, 'data-testid': `rating-${n}` }),
    el('span', { text: String(n) })));
  const followUp = el('input', { type: 'checkbox', name: 'follow_up', checked: Boolean(meeting.follow_up),
    'data-testid': 'follow-up' });
  const note = el('textarea', { name: 'note', rows: 2, maxlength: 2000, placeholder: t('feedback_note_hint'),
    'data-testid': 'feedback-note' });
  const button = el('button', { type: 'submit', class: 'primary', text: t('feedback_send'),
    'data-testid': 'feedback-send' });
  const status = el('p', { class: 'form-status', role: 'status', 'aria-live': 'polite' });
  const form = el('form', { class: 'feedback', 'data-testid': 'feedback-form', dataset: { room: meeting.room } },
    el('h3', { text: t('feedback_title', { names: names(meeting.peers) }) }),
    el('fieldset', { class: 'rating' },
      el('legend', { text: t('feedback_rating') }),
      el('div', { class: 'rating-options' }, stars),
      el('p', { class: 'muted small', text: t('feedback_rating_scale') })),
    el('label', { class: 'check' }, followUp, ' ', t('feedback_follow_up', { names: names(meeting.peers) })),
    el('label', { class: 'field' }, el('span', { text: t('feedback_note') }), note),
    el('div', { class: 'inline' }, button, status));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const chosen = form.querySelector(`input[name="${group}"]:checked`);
    if (!chosen) {
      status.textContent = t('feedback_need_rating');
      return;
    }
    const values = {
      room: meeting.room,
      rating: Number(chosen.value),
      follow_up: followUp.checked,
      note: note.value.trim(),
    };
    button.disabled = true;
    status.textContent = t('sending');
    try {
      await submit(values);
      status.textContent = t('feedback_saved');
      saved(values);
    } catch (err) {
      status.textContent = err.message || String(err);
    } finally {
      button.disabled = false;
    }
  });
  return form;
}

function ratingText(meeting) {
  return meeting.rating ? t('summary_rating', { rating: meeting.rating }) : t('summary_not_rated');
}

/** The `summary` list; meetings not rated yet get a form. */
export function summaryList(summary, submit) {
  const meetings = (summary && Array.isArray(summary.meetings)) ? summary.meetings : [];
  if (!meetings.length) return el('p', { class: 'muted', text: t('summary_empty') });
  return el('ol', { class: 'summary-list' }, meetings.map((m) => {
    const rating = el('p', { class: 'muted small', text: ratingText(m) });
    const item = el('li', { class: 'summary-item', 'data-testid': 'summary-meeting', dataset: { room: m.room } },
      el('p', { class: 'eyebrow', text: t('round_n', { round: m.round }) }),
      el('ul', { class: 'plain-list' }, m.peers.map((p) => el('li', {},
        peerLine(p),
        p.mutual_follow_up
          ? el('p', { class: 'follow-up' }, t('summary_mutual'), ' ',
            p.email ? el('a', { href: `mailto:${p.email}`, text: p.email, 'data-testid': 'peer-email' }) : null)
          : null))),
      m.follow_up ? el('p', { class: 'small', text: t('summary_you_follow_up') }) : null,
      rating);
    if (!m.rating) {
      const form = feedbackForm(m, submit, (values) => {
        Object.assign(m, { rating: values.rating, follow_up: values.follow_up });
        rating.textContent = ratingText(m);
      });
      item.append(form);
    }
    return item;
  }));
}
