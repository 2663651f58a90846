// Ratings never lost (web/static/js/ratings.js): which meetings are offered again, and one
// wording of the scale in each language (the form's line and the words of each mark).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

import { olderToRate, savedLine, scaleLine, unrated } from '../../web/static/js/ratings.js';
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
  });
}

test('a saved rating says until when it can be changed, without promising "the end of the event"', () => {
  const fr = words('fr');
  const t = (key, vars) => fr.t(key, vars);
  assert.equal(savedLine(t, 90), 'Enregistré. Vous pourrez encore le modifier sur votre récapitulatif jusqu’à 90 jours après l’événement.');
  assert.equal(savedLine(t, 0), 'Enregistré. Vous pourrez encore le modifier sur votre récapitulatif.');
  for (const days of [0, 90]) assert.ok(!/fin de l’événement/.test(savedLine(t, days)));
});
