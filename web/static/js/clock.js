/**
 * The shared countdown: the server's clock state, our offset to the server's time (NTP-style),
 * and a renderer that keeps every [data-testid="countdown"] element up to date.
 */

import { call } from './socket.js';

const SAMPLES = 5;
const RESYNC_MS = 60_000;
const TICK_MS = 250;
const WARNING_MS = 30_000;

/** Estimated server time minus local time, in milliseconds (read it as `clock.offset`). */
export let offset = 0;
/** Round trip of the sample the offset came from (null until the first sync). */
export let roundTrip = null;

let synced = false;
let syncing = false;
let current = null;
let lastSeq = -1;
let timer = null;
const listeners = new Set();

/** The server's time now, as we estimate it. */
export function serverNow() {
  return Date.now() + offset;
}

/** Measure the offset with `samples` `time` calls; keep the one with the lowest round trip. */
export async function sync(socket, samples = SAMPLES) {
  if (syncing) return null;
  syncing = true;
  try {
    let best = null;
    for (let i = 0; i < samples; i += 1) {
      const t0 = Date.now();
      const ack = await call(socket, 'time', {});
      const t1 = Date.now();
      if (typeof ack.server_ms !== 'number') continue;
      const sample = { rtt: t1 - t0, offset: ack.server_ms - (t0 + t1) / 2 };
      if (best === null || sample.rtt < best.rtt) best = sample;
    }
    if (best !== null) {
      offset = Math.round(best.offset);
      roundTrip = best.rtt;
      synced = true;
      render();
    }
    return best;
  } finally {
    syncing = false;
  }
}

/**
 * Sync on every (re)connect of `socket` and every minute; returns a function that stops it.
 * On a (re)connect the server sends its current clock first, which is taken whatever its `seq`
 * (nothing older can follow on a new connection, and a restored server may count lower).
 */
export function keepInSync(socket) {
  const run = () => sync(socket).catch((err) => console.warn('speedmeet: clock sync failed', err));
  socket.on('connect', () => {
    lastSeq = -1;
    run();
  });
  if (socket.connected) run();
  const every = setInterval(() => { if (socket.connected) run(); }, RESYNC_MS);
  return () => clearInterval(every);
}

/**
 * Take a `clock` event. One older than the last seen (`seq`) is ignored (returns false).
 * Until the first sync, the event's `server_ms` gives a rough offset.
 */
export function applyClock(clock) {
  if (!clock || typeof clock !== 'object') return false;
  if (typeof clock.seq === 'number') {
    if (clock.seq < lastSeq) return false;
    lastSeq = clock.seq;
  }
  current = clock;
  if (!synced && typeof clock.server_ms === 'number') offset = clock.server_ms - Date.now();
  render();
  for (const fn of listeners) fn(clock);
  return true;
}

/** The highest `seq` of a clock event seen so far (null before the first one). */
export function lastSeen() {
  return current && typeof current.seq === 'number' ? current.seq : null;
}

/** The latest clock state (or null before the first one). */
export function currentClock() {
  return current;
}

/** Call `fn(clock)` after every accepted clock event. */
export function onClock(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

/** Milliseconds left in the current phase, or null when nothing counts down. */
export function remaining(clock = current) {
  return remainingAt(clock, serverNow());
}

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

/** The state a countdown shows: idle, paused, warning (last 30 s of a round) or running. */
export function stateOf(ms, clock = current) {
  if (ms === null || !clock) return 'idle';
  if (clock.paused) return 'paused';
  if (clock.phase === 'round' && ms <= WARNING_MS) return 'warning';
  return 'running';
}

/** Update every countdown element on the page. */
export function render() {
  const ms = remaining();
  const text = format(ms);
  const state = stateOf(ms);
  for (const node of document.querySelectorAll('[data-testid="countdown"]')) {
    if (node.textContent !== text) node.textContent = text;
    node.dataset.remainingMs = String(ms === null ? 0 : Math.round(ms));
    node.dataset.state = state;
  }
}

/** Start redrawing the countdowns four times a second. */
export function startRenderer() {
  if (timer === null) timer = setInterval(render, TICK_MS);
  render();
}
