// Which calls the page prepares before a round, and which it keeps (web/static/js/warm.js).

import { test } from 'node:test';
import assert from 'node:assert/strict';

import { LEAD_MS, adoptable, leadIn, plan, upcoming } from '../../web/static/js/warm.js';

const card = (round, ...peers) => ({ round, peers: peers.map(([id, polite]) => ({ id, polite })) });
const prepared = (round, ...peers) => ({ round, peers: peers.map(([id, polite]) => ({ id, polite })) });

test('a card is prepared in the lobby and breaks, for the round that follows only', () => {
  const next = card(2, ['p3', true]);
  assert.equal(upcoming(next, { phase: 'break', round: 1 }), next);
  assert.equal(upcoming(card(1, ['p3', false]), { phase: 'lobby', round: 0 }).round, 1);
  assert.equal(upcoming(next, { phase: 'round', round: 1 }), null);   // someone waiting in a round
  assert.equal(upcoming(next, { phase: 'round', round: 2 }), null);   // the round began
  assert.equal(upcoming(next, { phase: 'break', round: 2 }), null);   // an old card
  assert.equal(upcoming(next, { phase: 'ended', round: 3 }), null);
  assert.equal(upcoming(card(2), { phase: 'break', round: 1 }), null); // nobody to meet
  assert.equal(upcoming({ round: 2, peers: [{ id: 'p3' }] }, { phase: 'break', round: 1 }), null); // no role
  assert.equal(upcoming(null, { phase: 'break', round: 1 }), null);
  assert.equal(upcoming(next, null), null);
});

test('nothing prepared: the card\'s people are added', () => {
  assert.deepEqual(plan(prepared(null), card(2, ['a', true], ['b', false])),
    { reset: false, drop: [], add: card(2, ['a', true], ['b', false]).peers });
  assert.deepEqual(plan(null, null), { reset: false, drop: [], add: [] });
});

test('the same card keeps what is prepared; a changed card keeps only who is still on it', () => {
  assert.deepEqual(plan(prepared(2, ['a', true]), card(2, ['a', true])), { reset: false, drop: [], add: [] });
  // the partner changed (moved, left): theirs is closed, the new one prepared
  assert.deepEqual(plan(prepared(2, ['a', true]), card(2, ['c', false])),
    { reset: false, drop: ['a'], add: [{ id: 'c', polite: false }] });
  // a room of three became a pair: the one still on it stays up
  assert.deepEqual(plan(prepared(2, ['a', true], ['b', true]), card(2, ['b', true])),
    { reset: false, drop: ['a'], add: [] });
  // another role toward the same person (never from our server: roles go by id) starts again
  assert.deepEqual(plan(prepared(2, ['a', true]), card(2, ['a', false])),
    { reset: false, drop: ['a'], add: [{ id: 'a', polite: false }] });
});

test('another round or no card closes every prepared call: one set at most', () => {
  assert.deepEqual(plan(prepared(2, ['a', true]), card(3, ['a', true])),
    { reset: true, drop: [], add: [{ id: 'a', polite: true }] });
  assert.deepEqual(plan(prepared(2, ['a', true]), null), { reset: true, drop: [], add: [] });
});

test('a prepared call is taken over for its round, its role, while it is alive', () => {
  const prep = { round: 2 };
  const peer = { polite: true, closed: false, state: 'connected' };
  assert.equal(adoptable(prep, 2, peer, true), true);
  assert.equal(adoptable(prep, 2, { ...peer, state: 'checking' }, true), true);  // still coming up
  assert.equal(adoptable(prep, 3, peer, true), false);   // prepared for another round
  assert.equal(adoptable(prep, 2, peer, false), false);  // the assignment says otherwise
  assert.equal(adoptable(prep, 2, { ...peer, state: 'failed' }, true), false);
  assert.equal(adoptable(prep, 2, { ...peer, closed: true }, true), false);
  assert.equal(adoptable(prep, 2, undefined, true), false);  // not prepared (a late person, a reload)
});

test('the prepared calls start sending the last second of a break that counts down, only then', () => {
  assert.equal(leadIn({ phase: 'break', round: 1 }, 45_000), 45_000 - LEAD_MS);
  assert.equal(leadIn({ phase: 'break', round: 1 }, 300), 0);         // less than that left: now
  assert.equal(leadIn({ phase: 'break', round: 1, paused: true }, 45_000), Infinity); // paused: stop
  assert.equal(leadIn({ phase: 'lobby', round: 0 }, null), null);     // the host starts round 1
  assert.equal(leadIn({ phase: 'round', round: 2 }, 300_000), null);  // the assignment says
  assert.equal(leadIn({ phase: 'break', round: 1 }, null), null);
  assert.equal(leadIn(null, 1000), null);
});
