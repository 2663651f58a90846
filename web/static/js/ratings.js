/**
 * Which meetings to ask a rating for, and the rating scale's words. DOM-free (node tests): the
 * meetings come from the server (`to_rate`, `summary`), the words from `t` (i18n.js or locale.js).
 */

/** The `to_rate` meetings other than `current` (the room the break's own form is about). */
export function olderToRate(meetings, current) {
  return (Array.isArray(meetings) ? meetings : []).filter((m) => m && m.room !== current && Array.isArray(m.peers) && m.peers.length);
}

/** The meetings of a `summary` with someone not rated yet, most recent first, each with only those people. */
export function unrated(summary) {
  const meetings = summary && Array.isArray(summary.meetings) ? summary.meetings : [];
  const out = [];
  for (const m of meetings) {
    const peers = (Array.isArray(m.peers) ? m.peers : []).filter((p) => !('rating' in p ? p.rating : m.rating));
    if (peers.length) out.push({ round: m.round, room: m.room, peers });
  }
  return out.sort((a, b) => b.round - a.round);
}

function lower(text) {
  return text ? text.charAt(0).toLocaleLowerCase() + text.slice(1) : text;
}

/**
 * The scale under the form ("1 = not useful, 5 = very useful"), from the words of 1 and 5
 * (`rating_1`, `rating_5`): the scale's words live in one place per language.
 */
export function scaleLine(t) {
  return t('feedback_rating_scale', { low: lower(t('rating_1')), high: lower(t('rating_5')) });
}

/** What a saved rating says: that it can be changed on the summary, and for how long. */
export function savedLine(t, days) {
  return Number(days) > 0 ? t('feedback_saved', { days: Number(days) }) : t('feedback_saved_kept');
}
