// What of the clock is said aloud beside the time cues (web/static/js/clock-news.js): a pause,
// a resume, the doors' opening; once, on the change, and never for a page's first sight.

import { test } from 'node:test';
import assert from 'node:assert/strict';

import { newsBetween } from '../../web/static/js/clock-news.js';

const sight = (phase, round, paused = false, opened = true) => ({ phase, round, paused, opened });

// [what, before, after, news]
const CASES = [
  ['a first sight', null, sight('round', 1, true), null],
  ['the doors open', sight('lobby', 0, false, false), sight('lobby', 0, false, true), 'doors_open'],
  ['the doors were open already', sight('lobby', 0), sight('lobby', 0), null],
  ['the doors open and the first round starts at once', sight('lobby', 0, false, false), sight('round', 1), null],
  ['a round paused', sight('round', 1), sight('round', 1, true), 'paused'],
  ['a round running again', sight('round', 1, true), sight('round', 1), 'resumed'],
  ['a break paused', sight('break', 1), sight('break', 1, true), 'paused'],
  ['a break running again', sight('break', 1, true), sight('break', 1), 'resumed'],
  ['still paused', sight('round', 2, true), sight('round', 2, true), null],
  ['still running', sight('round', 2), sight('round', 2), null],
  ['a paused round ended by the host: its cue says so', sight('round', 1, true), sight('break', 1), null],
  ['the next round starts paused', sight('break', 1), sight('round', 2, true), null],
  ['the event ends', sight('round', 4), sight('ended', 4), null],
];

for (const [what, before, after, want] of CASES) {
  test(`clock news: ${what}`, () => {
    assert.equal(newsBetween(before, after), want);
  });
}
