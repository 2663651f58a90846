// What the lobby says of the announced start (web/static/js/lobby.js), server time passed in.

import { test } from 'node:test';
import assert from 'node:assert/strict';

import { COUNTDOWN_MS, consoleLine, startLine } from '../../web/static/js/lobby.js';

const NOW = 1_800_000_000_000;
const MIN = 60_000;

// [what, starts_at, doors open, {key, ms} or null]
const LINES = [
  ['no start announced', null, false, null],
  ['no start announced, doors open', null, true, null],
  ['ten minutes before', NOW + 10 * MIN, false, { key: 'lobby_starts_at', ms: 10 * MIN }],
  ['ten minutes before, doors open early', NOW + 10 * MIN, true, { key: 'lobby_starts_at', ms: 10 * MIN }],
  ['on the day, twelve hours before', NOW + COUNTDOWN_MS, false, { key: 'lobby_starts_at', ms: COUNTDOWN_MS }],
  ['the day before', NOW + COUNTDOWN_MS + 1, false, { key: 'lobby_starts_on', ms: null }],
  ['the start has passed, doors still shut', NOW - MIN, false, { key: 'lobby_start_passed', ms: null }],
  ['exactly the start, doors shut', NOW, false, { key: 'lobby_start_passed', ms: null }],
  ['the start has passed, doors open', NOW - MIN, true, null],
  ['not a time', 'tomorrow', false, null],
];

for (const [what, startsAt, opened, want] of LINES) {
  test(`the lobby's start line: ${what}`, () => {
    assert.deepEqual(startLine(startsAt, NOW, opened), want);
  });
}

// What the host console says of the announced start (the same line, told as to the host).
// [what, starts_at, doors open, {key, ms} or null]
const CONSOLE = [
  ['no start announced', null, false, null],
  ['ten minutes before', NOW + 10 * MIN, false, { key: 'lobby_starts_at', ms: 10 * MIN }],
  ['ten minutes before, doors open early', NOW + 10 * MIN, true, { key: 'lobby_starts_at', ms: 10 * MIN }],
  ['the day before: the date', NOW + COUNTDOWN_MS + 1, false, { key: 'lobby_starts_on', ms: null }],
  ['the start has passed, doors still shut', NOW - MIN, false, { key: 'host_start_passed', ms: null }],
  ['exactly the start, doors shut', NOW, false, { key: 'host_start_passed', ms: null }],
  ['the start has passed, doors open', NOW - MIN, true, { key: 'host_start_passed_open', ms: null }],
  ['not a time', Number.NaN, false, null],
];

for (const [what, startsAt, opened, want] of CONSOLE) {
  test(`the console's start line: ${what}`, () => {
    assert.deepEqual(consoleLine(startsAt, NOW, opened), want);
  });
}
