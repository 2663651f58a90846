/**
 * Time everybody hears: one minute left in a round, the round is over, the clock paused or
 * running again, the doors open. Pure functions decide, from two sights of the clock (time
 * passed in); `watchTime` renders what they decide on a page: the notice of a round's last
 * minute, a chime, one polite announcement each, and the tab's title.
 */

import { boot } from './boot.js';
import { t } from './i18n.js';
import * as clock from './clock.js';
import { chime } from './sound.js';
import { newsBetween } from './clock-news.js';

export const ONE_MINUTE_MS = 60_000;
const TICK_MS = 250;

/** What a page sees of clock `c` at server time `now`: {phase, round, rounds, paused, opened, ms, endsAt}. */
export function sight(c, now) {
  if (!c || typeof c !== 'object') return null;
  return {
    phase: c.phase,
    round: Number(c.round) || 0,
    rounds: Number(c.rounds) || 0,
    paused: Boolean(c.paused),
    opened: Boolean(c.opened),
    ms: clock.remainingAt(c, now),
    endsAt: typeof c.ends_at === 'number' ? c.ends_at : null,
  };
}

/**
 * The cue due between two sights of the clock, `before` then `after` (null: none):
 * `{kind: 'one_minute' | 'round_end' | 'event_end', round, key}`. The one-minute mark counts
 * only when a running round's countdown crosses it; a first sight (`before` null) says nothing,
 * so a page opened in the last minute does not chime for a mark already passed, and a cue whose
 * `key` is `lastKey` (already given, by this page or the one before a reload) is not given again.
 */
export function cueBetween(before, after, lastKey = null) {
  if (!before || !after) return null;
  let cue = null;
  const roundOver = before.phase === 'round'
    && (after.phase !== 'round' || after.round !== before.round) && after.phase !== 'lobby';
  if (roundOver) {
    const kind = after.phase === 'ended' ? 'event_end' : 'round_end';
    cue = { kind, round: before.round, key: `${kind}:${before.round}` };
  } else if (
    after.phase === 'round' && before.phase === 'round' && after.round === before.round
    && !after.paused && !before.paused && before.ms !== null && after.ms !== null
    && before.ms > ONE_MINUTE_MS && after.ms <= ONE_MINUTE_MS && after.ms > 0
  ) {
    // the deadline is in the key: a round extended past the mark gets its minute again
    cue = { kind: 'one_minute', round: after.round, key: `one_minute:${after.round}:${after.endsAt}` };
  }
  return cue && cue.key !== lastKey ? cue : null;
}

/** Whether the "one minute left" notice shows: a running round in its last minute. */
export function lastMinute(s) {
  return Boolean(s && s.phase === 'round' && !s.paused && s.ms !== null && s.ms > 0
    && s.ms <= ONE_MINUTE_MS);
}

/** The tab's title: "4:32 · Round 2 · <base>" while a round or a break counts down, else `base`. */
export function tabTitle(s, base) {
  if (!s || s.ms === null || (s.phase !== 'round' && s.phase !== 'break')) return base;
  const time = clock.format(s.ms).replace(/^0(?=\d:)/, '');
  const shown = s.paused ? t('title_paused', { time }) : time;
  const phase = s.phase === 'round' ? t('title_round', { round: s.round }) : t('title_break');
  return `${shown} · ${phase} · ${base}`;
}

/** The words a cue is announced with. */
export function cueText(cue) {
  return t(`cue_${cue.kind}`, { round: cue.round });
}

function storeKey() {
  const who = boot.me && boot.me.id ? boot.me.id : boot.role;
  return `speedmeet:${boot.event && boot.event.id}:${who}:cue`;
}

function recall() {
  try {
    return sessionStorage.getItem(storeKey());
  } catch {
    return null;
  }
}

function remember(key) {
  try {
    sessionStorage.setItem(storeKey(), key);
  } catch {
    // private mode: a reload may chime once more
  }
}

/** Say `text` once in the page's polite live region ([data-testid="time-status"]). */
function announce(text) {
  const node = document.querySelector('[data-testid="time-status"]');
  if (!node) return;
  node.textContent = '';
  setTimeout(() => { node.textContent = text; }, 50);
}

/**
 * Follow the clock on this page: show every [data-testid="time-notice"] during a round's last
 * minute, chime and announce each cue once (and, with `news`, a pause, a resume and the doors'
 * opening), and keep the tab's title counting down. `prefix()`: what goes before the title (the
 * staff's open help requests). `news` is off where the page's own command answer says it.
 */
export function watchTime({ prefix = () => '', news = true } = {}) {
  const base = document.title;
  let last = null;
  let lastKey = recall();
  const check = () => {
    const s = sight(clock.currentClock(), clock.serverNow());
    const cue = cueBetween(last, s, lastKey);
    const change = news ? newsBetween(last, s) : null;
    last = s;
    const said = [];
    if (cue) {
      lastKey = cue.key;
      remember(cue.key);
      said.push(cueText(cue));
      chime(cue.kind === 'one_minute' ? 'one_minute' : 'round_end');
    }
    if (change) said.push(t(`cue_${change}`));
    if (said.length) announce(said.join(' '));
    const show = lastMinute(s);
    for (const node of document.querySelectorAll('[data-testid="time-notice"]')) {
      if (node.hidden === show) node.hidden = !show;
    }
    const title = prefix() + tabTitle(s, base);
    if (document.title !== title) document.title = title;
  };
  clock.onClock(check);
  setInterval(check, TICK_MS);
  check();
  return check;
}
