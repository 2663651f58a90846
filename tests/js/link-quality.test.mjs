// The link quality word the staff see (web/static/js/link-quality.js), at and around each limit.

import { test } from 'node:test';
import assert from 'node:assert/strict';

import { LIMITS, linkQuality } from '../../web/static/js/link-quality.js';

// [rtt_ms, loss, word]
const TABLE = [
  [null, null, null],
  [undefined, undefined, null],
  [14, 0, 'good'],
  [149, 0.009, 'good'],
  [150, 0, 'fair'],
  [20, 0.01, 'fair'],
  [400, 0.05, 'fair'],
  [401, 0, 'poor'],
  [20, 0.051, 'poor'],
  [null, 0.2, 'poor'],
  [30, null, 'good'],
  [Number.NaN, null, null],
];

for (const [rtt, loss, want] of TABLE) {
  test(`rtt ${rtt} ms, loss ${loss}: ${want}`, () => assert.equal(linkQuality({ rtt_ms: rtt, loss }), want));
}

test('poor starts where the server flags poor_link', () => {
  assert.equal(LIMITS.poorRttMs, 400);
  assert.equal(LIMITS.poorLoss, 0.05);
});
