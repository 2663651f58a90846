/** What the lobby says of the event's announced start. Pure: the time comes in as an argument. */

/** Up to this long before the start, the lobby counts down to it; earlier it gives the date. */
export const COUNTDOWN_MS = 12 * 3_600_000;

/**
 * The lobby's line about the start (null: none): `{key, ms}` with `ms` the time left to count
 * down (null: no countdown). `startsAt`: the announced start (epoch ms, or null when none was
 * given), `now`: the server's time, `opened`: whether the doors are open (then a start already
 * passed needs no word: the first round comes).
 */
export function startLine(startsAt, now, opened) {
  if (typeof startsAt !== 'number' || !Number.isFinite(startsAt)) return null;
  const left = startsAt - now;
  if (left <= 0) return opened ? null : { key: 'lobby_start_passed', ms: null };
  if (left <= COUNTDOWN_MS) return { key: 'lobby_starts_at', ms: left };
  return { key: 'lobby_starts_on', ms: null };
}

/**
 * The host console's line about the start: the lobby's (`startLine`), told as to the host once
 * the start has passed: open the doors (`host_start_passed`), or, doors open, start the first
 * round (`host_start_passed_open`).
 */
export function consoleLine(startsAt, now, opened) {
  const line = startLine(startsAt, now, opened);
  if (line !== null) return line.key === 'lobby_start_passed' ? { key: 'host_start_passed', ms: null } : line;
  if (typeof startsAt !== 'number' || !Number.isFinite(startsAt) || startsAt > now) return null;
  return { key: 'host_start_passed_open', ms: null };
}
