// What a device can do in a call (web/static/js/abilities.js): screen sharing is offered only
// where it can work.

import { test } from 'node:test';
import assert from 'node:assert/strict';

import { canShareScreen, deviceOf } from '../../web/static/js/abilities.js';

const LAPTOP = { displayMedia: true, finePointer: true, mobile: false };

// [what, device, offered?]
const SHARE = [
  ['a laptop', LAPTOP, true],
  ['a browser without getDisplayMedia', { ...LAPTOP, displayMedia: false }, false],
  ['a phone (a mobile browser)', { ...LAPTOP, mobile: true }, false],
  ['a tablet: touch only, no mouse or trackpad', { ...LAPTOP, finePointer: false }, false],
  ['nothing known', undefined, false],
];

for (const [what, device, want] of SHARE) {
  test(`screen sharing on ${what}: ${want ? 'offered' : 'not offered'}`, () => {
    assert.equal(canShareScreen(device), want);
  });
}

function win({ ua = 'Mozilla/5.0 (X11; Linux x86_64)', hints, fine = true, display = true } = {}) {
  return {
    navigator: {
      userAgent: ua,
      userAgentData: hints,
      mediaDevices: display ? { getDisplayMedia() {} } : {},
    },
    matchMedia: (query) => ({ matches: query === '(any-pointer: fine)' ? fine : false }),
  };
}

test('deviceOf reads the browser: a desktop', () => {
  assert.deepEqual(deviceOf(win()), LAPTOP);
});

test('deviceOf reads the browser: an iPhone by its user agent, a phone by its client hints', () => {
  const iphone = deviceOf(win({ ua: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148', fine: false, display: false }));
  assert.deepEqual(iphone, { displayMedia: false, finePointer: false, mobile: true });
  assert.equal(deviceOf(win({ hints: { mobile: true } })).mobile, true);
  assert.equal(deviceOf(win({ ua: 'Android', hints: { mobile: false } })).mobile, false);
});
