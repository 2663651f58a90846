/**
 * The shared countdown: the server's clock state, our offset to the server's time (NTP-style),
 * and a renderer that keeps every [data-testid="countdown"] element up to date.
 */

import { call } from './socket.js';
import { expectedEnd, format, remainingAt, stateOf as stateAt } from './countdown.js';

// The arithmetic lives in countdown.js (no DOM, tested under node); the pages call it from here.
export { expectedEnd, format, remainingAt };

const SAMPLES = 5;
const RESYNC_MS = 60_000;
const TICK_MS = 250;

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

/** The state a countdown shows: idle, paused, warning (last 30 s of a round) or running. */
export function stateOf(ms, clock = current) {
  return stateAt(ms, clock);
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
