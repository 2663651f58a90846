/** The countdown's arithmetic, without the page: time left, the expected end, "mm:ss", the state.
 * Server time comes in as an argument (clock.js gives its estimate of the server's clock). */

/** The last 30 seconds of a round, when a countdown turns to its warning state. */
export const WARNING_MS = 30_000;

/** Milliseconds left in `clock`'s phase at server time `now` (null: nothing counts down). */
export function remainingAt(clock, now) {
  if (!clock) return null;
  if (clock.paused) return typeof clock.remaining_ms === 'number' ? clock.remaining_ms : null;
  if (typeof clock.ends_at !== 'number') return null;
  return Math.max(0, clock.ends_at - now);
}

/**
 * When the event should end (server epoch ms), at server time `now`: what is left of this phase,
 * then the rounds to come with a break before each (`event`: {round_seconds, break_seconds}).
 * A paused clock counts as if resumed now. Null before the start and after the end.
 */
export function expectedEnd(clock, now, event) {
  if (!clock || !event || (clock.phase !== 'round' && clock.phase !== 'break')) return null;
  const left = remainingAt(clock, now);
  if (left === null) return null;
  const roundMs = (Number(event.round_seconds) || 0) * 1000;
  const breakMs = (Number(event.break_seconds) || 0) * 1000;
  const after = Math.max(0, (Number(clock.rounds) || 0) - (Number(clock.round) || 0));
  // in a round: each round to come has its break first; in a break: the next round has had it
  const breaks = clock.phase === 'round' ? after : Math.max(0, after - 1);
  return now + left + after * roundMs + breaks * breakMs;
}

/** "mm:ss" (or "h:mm:ss"), rounding up so that "00:00" means the time is up. */
export function format(ms) {
  if (ms === null || ms === undefined) return '--:--';
  const total = Math.ceil(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const mm = String(m).padStart(2, '0');
  const ss = String(s).padStart(2, '0');
  return h > 0 ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

/** The state a countdown shows for `ms` left of `clock`: idle, paused, warning or running. */
export function stateOf(ms, clock) {
  if (ms === null || !clock) return 'idle';
  if (clock.paused) return 'paused';
  if (clock.phase === 'round' && ms <= WARNING_MS) return 'warning';
  return 'running';
}
