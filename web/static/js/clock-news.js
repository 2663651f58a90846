/**
 * News of the clock said aloud beside the time cues (cues.js): paused, running again, the doors
 * open. Pure and DOM-free (node-tested): it compares two sights of the clock (cues.js `sight`).
 */

/**
 * What changed between two sights that has no cue of its own (null: nothing): `paused`,
 * `resumed` (the same round or break, stopped or running again) or `doors_open`. A first sight
 * (`before` null) says nothing: a page opened during a pause is not told of it as news.
 */
export function newsBetween(before, after) {
  if (!before || !after) return null;
  const opened = before.phase === 'lobby' && after.phase === 'lobby' && !before.opened && after.opened;
  if (opened) return 'doors_open';
  const same = before.phase === after.phase && before.round === after.round
    && (after.phase === 'round' || after.phase === 'break');
  if (!same || before.paused === after.paused) return null;
  return after.paused ? 'paused' : 'resumed';
}
