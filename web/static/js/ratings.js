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

/** A mark's name, its number and its words ("4 – Utile"): what a screen reader says of each. */
export function markName(t, n) {
  return `${n} – ${t(`rating_${n}`)}`;
}

// --- drafts: a rating typed and not saved, kept in this browser until it is saved -----------

const DRAFT_PREFIX = 'speedmeet:draft:';
/** A draft older than this is dropped: the summary, where ratings change, is kept 90 days. */
export const DRAFT_MAX_AGE_MS = 90 * 24 * 3600 * 1000;

/** Where the draft of my rating of `peer` in `room` lives (event and person: one browser may hold several). */
export function draftKey(event, me, room, peer = '') {
  return `${DRAFT_PREFIX}${[event, me, room, peer || ''].map(encodeURIComponent).join(':')}`;
}

/** This browser's storage for drafts: localStorage (it outlives the tab), or null where refused. */
export function draftStorage() {
  try {
    return globalThis.localStorage || null;
  } catch {
    return null;
  }
}

/** Keep `values` ({rating, follow_up, reasons, note}) under `key`, with the time it was typed. */
export function keepDraft(storage, key, values, now) {
  try {
    storage.setItem(key, JSON.stringify({ ...values, at: now }));
  } catch {
    // storage full or refused (private mode): the form still works, the draft is not kept
  }
}

/** The draft under `key` ({rating, follow_up, reasons, note}), or null (none, unreadable, too old). */
export function readDraft(storage, key, now) {
  let draft;
  try {
    draft = JSON.parse(storage.getItem(key));
  } catch {
    return null;
  }
  if (!draft || typeof draft !== 'object' || !(now - Number(draft.at) < DRAFT_MAX_AGE_MS)) return null;
  const rating = Number.isInteger(draft.rating) && draft.rating >= 1 && draft.rating <= 5 ? draft.rating : null;
  return {
    rating,
    follow_up: Boolean(draft.follow_up),
    reasons: Array.isArray(draft.reasons) ? draft.reasons.filter((r) => typeof r === 'string') : [],
    note: typeof draft.note === 'string' ? draft.note : '',
  };
}

/** Forget the draft under `key` (its rating was saved). */
export function dropDraft(storage, key) {
  try {
    storage.removeItem(key);
  } catch {
    // nothing kept, nothing to forget
  }
}

/** Forget every draft of this browser older than the limit (the page calls it once). */
export function pruneDrafts(storage, now) {
  try {
    const keys = [];
    for (let i = 0; i < storage.length; i += 1) keys.push(storage.key(i));
    for (const key of keys) {
      if (key && key.startsWith(DRAFT_PREFIX) && !readDraft(storage, key, now)) storage.removeItem(key);
    }
  } catch {
    // storage refused: nothing was kept either
  }
}
