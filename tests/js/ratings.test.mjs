// Ratings never lost (web/static/js/ratings.js): which meetings are offered again, and one
// wording of the scale in each language (the form's line and the words of each mark).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

import {
  DRAFT_MAX_AGE_MS, draftKey, dropDraft, keepDraft, markName, olderToRate, pruneDrafts, readDraft, savedLine, scaleLine, unrated,
} from '../../web/static/js/ratings.js';
import { wordsFor } from '../../web/static/js/locale.js';

function words(lang) {
  const strings = JSON.parse(readFileSync(new URL(`../../web/i18n/${lang}.json`, import.meta.url), 'utf8'));
  return wordsFor(lang, strings);
}

const peer = (id, rating = null) => ({ id, name: id.toUpperCase(), rating });

test('the break offers the older meetings, not the one its own form is about', () => {
  const toRate = [
    { round: 2, room: 'r2-1', peers: [peer('b')] },
    { round: 1, room: 'r1-1', peers: [peer('a')] },
  ];
  assert.deepEqual(olderToRate(toRate, 'r2-1').map((m) => m.room), ['r1-1']);
  assert.deepEqual(olderToRate(toRate, '').map((m) => m.room), ['r2-1', 'r1-1']);
  assert.deepEqual(olderToRate(undefined, 'r2-1'), []);
  assert.deepEqual(olderToRate([{ round: 1, room: 'r1-1', peers: [] }], ''), []);
});

test('the rating step: every meeting with someone not rated, most recent first', () => {
  const summary = {
    meetings: [
      { round: 1, room: 'r1-1', peers: [peer('a', 4)] },
      { round: 2, room: 'r2-1', peers: [peer('b'), peer('c', 5)] },
      { round: 3, room: 'r3-1', peers: [peer('d')] },
    ],
  };
  assert.deepEqual(unrated(summary).map((m) => [m.round, m.peers.map((p) => p.id)]), [[3, ['d']], [2, ['b']]]);
  // a summary of an older server rates the meeting, not each person
  assert.deepEqual(unrated({ meetings: [{ round: 1, room: 'r1-1', rating: 3, peers: [{ id: 'a' }] }] }), []);
  assert.deepEqual(unrated(null), []);
});

for (const [lang, line, marks] of [
  ['en', '1 = not useful, 5 = very useful', ['Not useful', 'Slightly useful', 'Fairly useful', 'Useful', 'Very useful']],
  ['fr', '1 = pas utile, 5 = très utile', ['Pas utile', 'Peu utile', 'Assez utile', 'Utile', 'Très utile']],
]) {
  test(`one scale in ${lang}: the form's line says what the marks' own words say`, () => {
    const w = words(lang);
    const t = (key, vars) => w.t(key, vars);
    assert.equal(scaleLine(t), line);
    assert.deepEqual([1, 2, 3, 4, 5].map((n) => t(`rating_${n}`)), marks);
    // each radio is named by its number and the same words
    assert.deepEqual([1, 2, 3, 4, 5].map((n) => markName(t, n)), marks.map((m, i) => `${i + 1} – ${m}`));
  });
}

test('a saved rating says until when it can be changed, without promising "the end of the event"', () => {
  const fr = words('fr');
  const t = (key, vars) => fr.t(key, vars);
  assert.equal(savedLine(t, 90), 'Enregistré. Vous pourrez encore le modifier sur votre récapitulatif jusqu’à 90 jours après l’événement.');
  assert.equal(savedLine(t, 0), 'Enregistré. Vous pourrez encore le modifier sur votre récapitulatif.');
  for (const days of [0, 90]) assert.ok(!/fin de l’événement/.test(savedLine(t, days)));
});

/** localStorage's few methods over a Map (and one that refuses every write). */
function memoryStorage() {
  const map = new Map();
  return {
    get length() { return map.size; },
    key: (i) => [...map.keys()][i] ?? null,
    getItem: (k) => (map.has(k) ? map.get(k) : null),
    setItem: (k, v) => { map.set(k, String(v)); },
    removeItem: (k) => { map.delete(k); },
    map,
  };
}

test('a draft is kept per event, person, meeting and partner, until saved', () => {
  const store = memoryStorage();
  const key = draftKey('ev1', 'p1', 'r1-1', 'p2');
  assert.equal(key, 'speedmeet:draft:ev1:p1:r1-1:p2');
  assert.notEqual(key, draftKey('ev1', 'p1', 'r1-1', 'p3'));  // a room of three: one draft each
  assert.notEqual(key, draftKey('ev2', 'p1', 'r1-1', 'p2'));
  assert.equal(draftKey('ev1', 'p1', 'r:1'), 'speedmeet:draft:ev1:p1:r%3A1:');
  assert.equal(readDraft(store, key, 1000), null);
  keepDraft(store, key, { rating: 4, follow_up: true, reasons: ['purchase'], note: 'Rappeler en mars' }, 1000);
  assert.deepEqual(readDraft(store, key, 2000), { rating: 4, follow_up: true, reasons: ['purchase'], note: 'Rappeler en mars' });
  // a note without a rating yet is a draft too
  keepDraft(store, key, { rating: null, follow_up: false, reasons: [], note: 'À' }, 3000);
  assert.deepEqual(readDraft(store, key, 3000), { rating: null, follow_up: false, reasons: [], note: 'À' });
  dropDraft(store, key);
  assert.equal(readDraft(store, key, 3000), null);
});

test('an old, broken or foreign draft is not offered, and old ones are pruned', () => {
  const store = memoryStorage();
  const old = draftKey('ev1', 'p1', 'r1-1', 'p2');
  const fresh = draftKey('ev1', 'p1', 'r2-1', 'p3');
  keepDraft(store, old, { rating: 3, note: 'x' }, 0);
  keepDraft(store, fresh, { rating: 9, note: 42, reasons: 'no' }, DRAFT_MAX_AGE_MS);
  store.setItem('speedmeet:draft:broken', '{');
  store.setItem('speedmeet:ev1:p1', '{"kept": true}');  // the page's other memory: not a draft
  assert.equal(readDraft(store, old, DRAFT_MAX_AGE_MS), null);
  assert.deepEqual(readDraft(store, fresh, DRAFT_MAX_AGE_MS), { rating: null, follow_up: false, reasons: [], note: '' });
  pruneDrafts(store, DRAFT_MAX_AGE_MS);
  assert.deepEqual([...store.map.keys()].sort(), [fresh, 'speedmeet:ev1:p1'].sort());
  // a browser that refuses storage: nothing kept, nothing thrown
  const refusing = { ...memoryStorage(), setItem: () => { throw new Error('QuotaExceededError'); } };
  keepDraft(refusing, old, { rating: 1 }, 0);
  assert.equal(readDraft(refusing, old, 0), null);
});
