// applyDelta (web/static/js/deltas.js): what a rooms_delta does to the board a staff page holds.

import { test } from 'node:test';
import assert from 'node:assert/strict';

import { applyDelta } from '../../web/static/js/deltas.js';

const r1 = { id: 'r1', flags: [] };
const r2 = { id: 'r2', flags: ['alone'] };
const r3 = { id: 'r3', flags: [] };
const p1 = { id: 'p1', name: 'Ana', online: true };
const p2 = { id: 'p2', name: 'Bo', online: true };
const p3 = { id: 'p3', name: 'Cy', online: false };
const ask = { participant: 'p1', reason: 'no_sound', text: '' };

function board(more = {}) {
  return { rooms: [r1, r2], participants: [p1, p2], waiting: [], help: [], seq: 4, board_seq: 4, ...more };
}

function delta(more = {}) {
  return { seq: 5, board_seq: 5, base_seq: 4, ...more };
}

// [what, board, delta, the board after it]
const CASES = [
  ['an empty delta changes only the seqs', board(), delta(), board({ seq: 5, board_seq: 5 })],
  ['a new room comes last', board(), delta({ rooms: [r3] }),
    board({ rooms: [r1, r2, r3], seq: 5, board_seq: 5 })],
  ['a changed room replaces its old self in place', board(),
    delta({ rooms: [{ id: 'r1', flags: ['help'] }] }),
    board({ rooms: [{ id: 'r1', flags: ['help'] }, r2], seq: 5, board_seq: 5 })],
  ['a removed room goes', board(), delta({ removed: ['r1'] }),
    board({ rooms: [r2], seq: 5, board_seq: 5 })],
  ['every room removed', board(), delta({ removed: ['r1', 'r2'] }),
    board({ rooms: [], seq: 5, board_seq: 5 })],
  ['removing an unknown room changes nothing', board(), delta({ removed: ['r9'] }),
    board({ seq: 5, board_seq: 5 })],
  ['an order puts the rooms in it', board(), delta({ order: ['r2', 'r1'] }),
    board({ rooms: [r2, r1], seq: 5, board_seq: 5 })],
  ['an order with a new room places it', board(), delta({ rooms: [r3], order: ['r3', 'r1', 'r2'] }),
    board({ rooms: [r3, r1, r2], seq: 5, board_seq: 5 })],
  ['an id of the order that the board lacks is left out', board(), delta({ order: ['r9', 'r2', 'r1'] }),
    board({ rooms: [r2, r1], seq: 5, board_seq: 5 })],
  ['added, changed and removed at once', board(),
    delta({ rooms: [r3, { id: 'r2', flags: [] }], removed: ['r1'] }),
    board({ rooms: [{ id: 'r2', flags: [] }, r3], seq: 5, board_seq: 5 })],
  ['a new participant comes last', board(), delta({ participants: [p3] }),
    board({ participants: [p1, p2, p3], seq: 5, board_seq: 5 })],
  ['a participant going offline is changed in place', board(),
    delta({ participants: [{ ...p1, online: false }] }),
    board({ participants: [{ ...p1, online: false }, p2], seq: 5, board_seq: 5 })],
  ['a removed participant goes', board(), delta({ participants_removed: ['p2'] }),
    board({ participants: [p1], seq: 5, board_seq: 5 })],
  ['participants in a new order', board(), delta({ participants_order: ['p2', 'p1'] }),
    board({ participants: [p2, p1], seq: 5, board_seq: 5 })],
  ['rooms and participants are separate lists', board(),
    delta({ removed: ['r2'], participants_removed: ['p1'] }),
    board({ rooms: [r1], participants: [p2], seq: 5, board_seq: 5 })],
  ['a help request comes whole', board(), delta({ help: [ask] }),
    board({ help: [ask], seq: 5, board_seq: 5 })],
  ['the last help request dealt with', board({ help: [ask] }), delta({ help: [] }),
    board({ help: [], seq: 5, board_seq: 5 })],
  ['help left out of the delta stays', board({ help: [ask] }), delta({ rooms: [r3] }),
    board({ rooms: [r1, r2, r3], help: [ask], seq: 5, board_seq: 5 })],
  ['who waits comes whole', board({ waiting: [{ id: 'p1', online: true }] }),
    delta({ waiting: [{ id: 'p3', online: false }] }),
    board({ waiting: [{ id: 'p3', online: false }], seq: 5, board_seq: 5 })],
  ['nobody waits any more', board({ waiting: [{ id: 'p1', online: true }] }), delta({ waiting: [] }),
    board({ waiting: [], seq: 5, board_seq: 5 })],
  ['a board without lists gets them', { seq: 0, board_seq: 0 }, delta({ rooms: [r1] }),
    { seq: 5, board_seq: 5, rooms: [r1], participants: [] }],
];

for (const [what, before, change, after] of CASES) {
  test(what, () => {
    assert.deepEqual(applyDelta(before, change), after);
  });
}

test('the board held is left as it was', () => {
  const before = board();
  const copy = structuredClone(before);
  applyDelta(before, delta({ rooms: [r3], removed: ['r1'], help: [ask], participants_order: ['p2', 'p1'] }));
  assert.deepEqual(before, copy);
});

test('the seqs are the delta\'s, whatever the board had', () => {
  const after = applyDelta(board({ seq: 40, board_seq: 40 }), delta({ seq: 7, board_seq: 6 }));
  assert.equal(after.seq, 7);
  assert.equal(after.board_seq, 6);
});
