// What the self-test says while it measures and once it is done (web/static/js/measure.js).

import { test } from 'node:test';
import assert from 'node:assert/strict';

import { progress, verdictOf } from '../../web/static/js/measure.js';

const RUN = 30_000;
const GOOD = { width: 640, height: 480, rtt: 12, ping: 9 };
const FAIR = { width: 640, height: 480, rtt: 300, ping: null };
const SMALL = { width: 320, height: 180, rtt: 20, ping: 20 };
const NONE = { width: 0, height: 0, rtt: null, ping: null };

// [what, measured, elapsed ms, {step, seconds, verdict}]
const STEPS = [
  ['the start: the whole duration', GOOD, 0, { step: 'check_step_measure', seconds: 30, verdict: 'pending' }],
  ['a good link is not "ready" before the end', GOOD, 1_000, { step: 'check_step_measure', seconds: 29, verdict: 'pending' }],
  ['a part of a second counts as a second', GOOD, 28_500, { step: 'check_step_measure', seconds: 2, verdict: 'pending' }],
  ['the last instant', GOOD, RUN - 1, { step: 'check_step_measure', seconds: 1, verdict: 'pending' }],
  ['done: good', GOOD, RUN, { step: 'check_step_done', seconds: 0, verdict: 'good' }],
  ['done: fair', FAIR, RUN, { step: 'check_step_done', seconds: 0, verdict: 'fair' }],
  ['done: a small picture', SMALL, RUN + 5, { step: 'check_step_done', seconds: 0, verdict: 'poor' }],
  ['done: nothing came back', NONE, RUN, { step: 'check_step_done', seconds: 0, verdict: 'poor' }],
  ['done: video but no round trip', { ...GOOD, rtt: null, ping: null }, RUN, { step: 'check_step_done', seconds: 0, verdict: 'poor' }],
];

for (const [what, m, elapsed, want] of STEPS) {
  test(`the self-test's progress: ${what}`, () => {
    assert.deepEqual(progress(m, elapsed, RUN), want);
  });
}

test('the messages round trip counts before the network one', () => {
  assert.equal(verdictOf({ width: 640, height: 480, rtt: 500, ping: 40 }), 'good');
  assert.equal(verdictOf({ width: 640, height: 480, rtt: 40, ping: 500 }), 'poor');
});
