// The countdown's arithmetic (web/static/js/countdown.js), with server time as an argument.

import { test } from 'node:test';
import assert from 'node:assert/strict';

import { WARNING_MS, expectedEnd, format, remainingAt, stateOf } from '../../web/static/js/countdown.js';

const NOW = 1_800_000_000_000;
const S = 1000;
const EVENT = { round_seconds: 300, break_seconds: 60 };

function running(phase, round, rounds, left) {
  return { phase, round, rounds, paused: false, ends_at: NOW + left };
}

function paused(phase, round, rounds, left) {
  return { phase, round, rounds, paused: true, remaining_ms: left, ends_at: null };
}

// [what, clock, ms left at NOW]
const REMAINING = [
  ['no clock yet', null, null],
  ['a running round', running('round', 1, 3, 42 * S), 42 * S],
  ['a round whose end has passed', { phase: 'round', paused: false, ends_at: NOW - 5 * S }, 0],
  ['a running break', running('break', 1, 3, 7 * S), 7 * S],
  ['a paused round', paused('round', 2, 3, 90 * S), 90 * S],
  ['paused without a time left', { phase: 'round', paused: true }, null],
  ['the lobby (no end)', { phase: 'lobby', paused: false, ends_at: null }, null],
];

for (const [what, c, want] of REMAINING) {
  test(`remainingAt: ${what}`, () => assert.equal(remainingAt(c, NOW), want));
}

// [what, clock, event, expected end at NOW]
const ENDS = [
  ['no clock', null, EVENT, null],
  ['no event', running('round', 1, 3, 10 * S), null, null],
  ['the lobby', { phase: 'lobby', paused: false, ends_at: null }, EVENT, null],
  ['the lobby with a start time', { phase: 'lobby', paused: false, ends_at: NOW + 60 * S }, EVENT, null],
  ['the end', { phase: 'ended', round: 3, rounds: 3, paused: false, ends_at: null }, EVENT, null],
  ['the last round: what is left of it', running('round', 3, 3, 100 * S), EVENT, NOW + 100 * S],
  ['round 1 of 3: two rounds and two breaks to come', running('round', 1, 3, 100 * S), EVENT,
    NOW + 100 * S + 2 * 300 * S + 2 * 60 * S],
  ['round 2 of 6: four of each to come', running('round', 2, 6, 250 * S), EVENT,
    NOW + 250 * S + 4 * 300 * S + 4 * 60 * S],
  ['the break before round 2 of 3: two rounds, one break', running('break', 1, 3, 30 * S), EVENT,
    NOW + 30 * S + 2 * 300 * S + 60 * S],
  ['the break before the last round: that round', running('break', 2, 3, 30 * S), EVENT,
    NOW + 30 * S + 300 * S],
  ['a round whose time is up', running('round', 2, 3, -3 * S), EVENT, NOW + 300 * S + 60 * S],
  ['a paused round counts as resumed now', paused('round', 1, 3, 90 * S), EVENT,
    NOW + 90 * S + 2 * 300 * S + 2 * 60 * S],
  ['a paused break counts as resumed now', paused('break', 1, 3, 20 * S), EVENT,
    NOW + 20 * S + 2 * 300 * S + 60 * S],
  ['paused without a time left', { phase: 'round', round: 1, rounds: 3, paused: true }, EVENT, null],
  ['no breaks in the event', running('round', 1, 3, 10 * S), { round_seconds: 300 }, NOW + 10 * S + 600 * S],
  ['durations as text', running('round', 1, 2, 10 * S), { round_seconds: '120', break_seconds: '30' },
    NOW + 10 * S + 120 * S + 30 * S],
  ['a round past the planned ones', running('round', 4, 3, 10 * S), EVENT, NOW + 10 * S],
];

for (const [what, c, event, want] of ENDS) {
  test(`expectedEnd: ${what}`, () => assert.equal(expectedEnd(c, NOW, event), want));
}

// [ms, shown]
const FORMATS = [
  [null, '--:--'],
  [undefined, '--:--'],
  [0, '00:00'],
  [1, '00:01'],
  [999, '00:01'],
  [1000, '00:01'],
  [1001, '00:02'],
  [59_000, '00:59'],
  [60_000, '01:00'],
  [299_500, '05:00'],
  [3_599_000, '59:59'],
  [3_600_000, '1:00:00'],
  [3_661_000, '1:01:01'],
  [36_000_000, '10:00:00'],
];

for (const [ms, want] of FORMATS) {
  test(`format(${ms}) is ${want}`, () => assert.equal(format(ms), want));
}

// [what, ms, clock, state]
const STATES = [
  ['nothing counts down', null, running('round', 1, 3, 0), 'idle'],
  ['no clock', 10 * S, null, 'idle'],
  ['paused', 10 * S, paused('round', 1, 3, 10 * S), 'paused'],
  ['paused, even near the end', 0, paused('round', 1, 3, 0), 'paused'],
  ['a round with time', WARNING_MS + 1, running('round', 1, 3, 0), 'running'],
  ['a round in its last 30 s', WARNING_MS, running('round', 1, 3, 0), 'warning'],
  ['a round whose time is up', 0, running('round', 1, 3, 0), 'warning'],
  ['a break never warns', 5 * S, running('break', 1, 3, 0), 'running'],
  ['the lobby counting down to the start', 5 * S, { phase: 'lobby', paused: false }, 'running'],
];

for (const [what, ms, c, want] of STATES) {
  test(`stateOf: ${what}`, () => assert.equal(stateOf(ms, c), want));
}
