/**
 * Meetings still to rate, offered again: folded under the break's own form (older rounds,
 * most recent first), and as a short step after the last round, before the summary.
 */

import { t } from './i18n.js';
import { el } from './ui.js';
import { feedbackForm } from './feedback.js';

function names(peers) {
  return peers.map((p) => p.name).join(', ');
}

function forms(m, submit, saved) {
  return m.peers.map((p) => feedbackForm({ room: m.room, peer: p.id, peers: [p] }, submit, saved));
}

/** The break's card of earlier meetings not rated yet, each folded under one line (null: none). */
export function olderCard(meetings, submit, saved) {
  if (!meetings.length) return null;
  return el('section', { class: 'card rate-older', 'data-testid': 'rate-older', 'aria-labelledby': 'rate-older-title' },
    el('h3', { id: 'rate-older-title', text: t('rate_older_title') }),
    el('p', { class: 'muted small', text: t('rate_older_text') }),
    meetings.map((m) => {
      const made = forms(m, submit, saved);
      // a meeting with a draft typed earlier is shown open, its draft in it
      return el('details', { class: 'rate-later', 'data-testid': 'rate-later', dataset: { room: m.room },
        open: made.some((form) => form.dataset.draft === 'true') },
      el('summary', { text: t('rate_older_item', { round: m.round, names: names(m.peers) }) }),
      made);
    }));
}

/** The rating step's forms: each meeting with someone not rated yet, most recent first. */
export function stepForms(meetings, submit, saved) {
  return meetings.map((m) => el('div', { class: 'rate-step-item', 'data-testid': 'rate-step-item', dataset: { room: m.room } },
    el('p', { class: 'eyebrow', text: t('round_n', { round: m.round }) }),
    forms(m, submit, saved)));
}
