// The self-test's relay check (web/static/js/relay-probe.js): servers split by transport, verdicts.

import { test } from 'node:test';
import assert from 'node:assert/strict';

import { relayServers, relayVerdict } from '../../web/static/js/relay-probe.js';

const CRED = { username: '1:p1', credential: 'x' };

test('relay servers are split by transport, STUN left out', () => {
  const split = relayServers([
    { urls: ['stun:stun.example.org:3478'] },
    { urls: ['turn:t.example.org:3478?transport=udp', 'turn:t.example.org:3478?transport=tcp'], ...CRED },
  ]);
  assert.deepEqual(split, {
    udp: [{ urls: ['turn:t.example.org:3478?transport=udp'], ...CRED }],
    tcp: [{ urls: ['turn:t.example.org:3478?transport=tcp'], ...CRED }],
  });
});

test('a turn: URL without a transport is tried over both; turns: is TCP', () => {
  const split = relayServers([{ urls: 'turn:t.example.org:3478', ...CRED }, { urls: ['turns:t.example.org:443'] }]);
  assert.deepEqual(split.udp, [{ urls: ['turn:t.example.org:3478'], ...CRED }]);
  assert.deepEqual(split.tcp, [
    { urls: ['turn:t.example.org:3478?transport=tcp'], ...CRED },
    { urls: ['turns:t.example.org:443'] },
  ]);
});

test('no relay at all: nothing to try', () => {
  assert.deepEqual(relayServers([{ urls: ['stun:s.example.org'] }]), { udp: [], tcp: [] });
  assert.deepEqual(relayServers(undefined), { udp: [], tcp: [] });
  assert.equal(relayVerdict({}), null);
});

// [what, results, key]
const VERDICTS = [
  ['both reached', { udp: 'reached', tcp: 'reached' }, 'check_relay_both'],
  ['UDP blocked, TCP through', { udp: 'unreachable', tcp: 'reached' }, 'check_relay_tcp'],
  ['only a UDP server, reached', { udp: 'reached' }, 'check_relay_udp'],
  ['nothing reached', { udp: 'unreachable', tcp: 'unreachable' }, 'check_relay_none'],
  ['refused on one, unreachable on the other', { udp: 'refused', tcp: 'unreachable' }, 'check_relay_refused'],
  ['reached wins over refused', { udp: 'refused', tcp: 'reached' }, 'check_relay_tcp'],
];
for (const [what, results, key] of VERDICTS) {
  test(`verdict: ${what}`, () => assert.equal(relayVerdict(results), key));
}
