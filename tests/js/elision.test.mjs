// French elision (web/static/js/elision.js), on the table the server's rule (server/core/words.py)
// is tested on too (tests/js/elision_cases.json).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

import { elide, elides, fillElided } from '../../web/static/js/elision.js';
import { wordsFor } from '../../web/static/js/locale.js';

const CASES = JSON.parse(readFileSync(new URL('./elision_cases.json', import.meta.url), 'utf8'));

for (const [lang, text, vars, want] of CASES) {
  test(`${lang}: ${text} with ${JSON.stringify(vars)}`, () => assert.equal(fillElided(text, vars, lang), want));
}

test('vowels, accented capitals and H elide; consonants and digits do not', () => {
  for (const word of ['Amélie', 'Élodie', 'Île', 'Ôna', 'Hélène', 'hugo', 'Yann', 'Œdipe']) assert.ok(elides(word), word);
  for (const word of ['Karim', 'Zoé', '8 mars', '', ' ']) assert.ok(!elides(word), word);
  assert.equal(elide('LA', 'ÉCOLE'), 'L’ÉCOLE');
});

test('the pages\' strings elide through t() in French only', () => {
  const strings = { cam: 'La caméra de {name}' };
  assert.equal(wordsFor('fr', strings).t('cam', { name: 'Amélie' }), 'La caméra d’Amélie');
  assert.equal(wordsFor('en', strings).t('cam', { name: 'Amélie' }), 'La caméra de Amélie');
});
