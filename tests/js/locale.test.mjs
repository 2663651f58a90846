// A language's rules (web/static/js/locale.js): plurals, tn(), numbers, with the language and the
// strings as arguments; the page's catalogues (web/i18n/*.json) for the plurals they really use.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

import { fill, formatNumber, formatPercent, isOne, wordsFor } from '../../web/static/js/locale.js';

const NNBSP = '\u202f';  // the French thousands separator
const NBSP = '\u00a0';  // before the French %

function catalogue(lang) {
  return JSON.parse(readFileSync(new URL(`../../web/i18n/${lang}.json`, import.meta.url), 'utf8'));
}

// [lang, count, singular?]: French says one for 0 and 1 (and 1.5), English for 1 alone
const ONES = [
  ['fr', 0, true], ['fr', 1, true], ['fr', 1.5, true], ['fr', 2, false], ['fr', 10, false],
  ['fr', 1000, false], ['fr', 1_000_000, false], ['fr', 2_000_001, false],
  ['en', 0, false], ['en', 1, true], ['en', 1.5, false], ['en', 2, false], ['en', 10, false],
  ['en', 1000, false], ['en', 1_000_000, false], ['en', 2_000_001, false],
];

for (const [lang, count, want] of ONES) {
  test(`isOne(${lang}, ${count}) is ${want}`, () => assert.equal(isOne(lang, count), want));
}

const THINGS = { things: '{count} things in {room}', things_one: '{count} thing in {room}', bare: '{count} left' };

// [lang, key, count, text]
const COUNTED = [
  ['fr', 'things', 0, '0 thing in 4'],
  ['fr', 'things', 1, '1 thing in 4'],
  ['fr', 'things', 2, '2 things in 4'],
  ['fr', 'things', 999, '999 things in 4'],
  ['fr', 'things', 1234, `1${NNBSP}234 things in 4`],
  ['fr', 'things', 1_000_000, `1${NNBSP}000${NNBSP}000 things in 4`],
  ['en', 'things', 0, '0 things in 4'],
  ['en', 'things', 1, '1 thing in 4'],
  ['en', 'things', 2, '2 things in 4'],
  ['en', 'things', 1234, '1,234 things in 4'],
  ['en', 'things', 1_000_000, '1,000,000 things in 4'],
  // no `_one` string: the plain one, whatever the count
  ['fr', 'bare', 0, '0 left'],
  ['fr', 'bare', 1, '1 left'],
  ['en', 'bare', 1, '1 left'],
  ['en', 'bare', 1234, '1,234 left'],
];

for (const [lang, key, count, want] of COUNTED) {
  test(`tn(${lang}, ${key}, ${count})`, () => {
    assert.equal(wordsFor(lang, THINGS).tn(key, count, { room: 4 }), want);
  });
}

test('{count} is the number written, not the one given', () => {
  assert.equal(wordsFor('en', THINGS).tn('things', 3, { count: 'x', room: 1 }), '3 things in 1');
});

// [lang, count, text] of the real strings
const REPAIRED = [
  ['fr', 0, '0 personne a une nouvelle rencontre.'],
  ['fr', 1, '1 personne a une nouvelle rencontre.'],
  ['fr', 2, '2 personnes ont une nouvelle rencontre.'],
  ['fr', 12_345, `12${NNBSP}345 personnes ont une nouvelle rencontre.`],
  ['en', 0, '0 people got a new partner.'],
  ['en', 1, '1 person got a new partner.'],
  ['en', 2, '2 people got a new partner.'],
  ['en', 12_345, '12,345 people got a new partner.'],
];

for (const [lang, count, want] of REPAIRED) {
  test(`the ${lang} catalogue: repair_done for ${count}`, () => {
    assert.equal(wordsFor(lang, catalogue(lang)).tn('repair_done', count), want);
  });
}

test('the catalogues have the same `_one` strings, each beside its plain one', () => {
  const fr = catalogue('fr');
  const en = catalogue('en');
  const ones = (c) => Object.keys(c).filter((k) => k.endsWith('_one')).sort();
  assert.deepEqual(ones(fr), ones(en));
  for (const key of ones(fr)) assert.ok(key.slice(0, -4) in fr, `${key} without its plain string`);
});

// [lang, value, digits, text]
const NUMBERS = [
  ['fr', 0, 0, '0'],
  ['fr', 1234.5, 1, `1${NNBSP}234,5`],
  ['fr', 1234.5, 0, `1${NNBSP}235`],
  ['fr', 0.25, 2, '0,25'],
  ['fr', -1500, 0, `-1${NNBSP}500`],
  ['en', 0, 0, '0'],
  ['en', 1234.5, 1, '1,234.5'],
  ['en', 1234.5, 0, '1,235'],
  ['en', 1_000_000, 0, '1,000,000'],
  ['en', null, 0, '–'],
  ['en', undefined, 0, '–'],
  ['en', NaN, 0, '–'],
  ['fr', Infinity, 0, '–'],
  ['fr', '12', 0, '–'],
];

for (const [lang, value, digits, want] of NUMBERS) {
  test(`formatNumber(${lang}, ${value}, ${digits})`, () => {
    assert.equal(formatNumber(lang, value, digits), want);
    assert.equal(wordsFor(lang, {}).number(value, digits), want);
  });
}

// [lang, fraction, digits, text]
const PERCENTS = [
  ['fr', 0, 1, `0,0${NBSP}%`],
  ['fr', 0.25, 1, `25,0${NBSP}%`],
  ['fr', 0.0125, 2, `1,25${NBSP}%`],
  ['en', 0, 1, '0.0%'],
  ['en', 0.25, 1, '25.0%'],
  ['en', 1, 0, '100%'],
  ['en', null, 1, '–'],
  ['fr', NaN, 1, '–'],
];

for (const [lang, fraction, digits, want] of PERCENTS) {
  test(`formatPercent(${lang}, ${fraction}, ${digits})`, () => {
    assert.equal(formatPercent(lang, fraction, digits), want);
    assert.equal(wordsFor(lang, {}).percent(fraction, digits), want);
  });
}

// [template, vars, text]
const FILLS = [
  ['Room {room}', { room: 3 }, 'Room 3'],
  ['{a} and {a}', { a: 'x' }, 'x and x'],
  ['{missing} stays', {}, '{missing} stays'],
  ['{zero} and {empty}', { zero: 0, empty: '' }, '0 and '],
  ['no placeholder', { a: 1 }, 'no placeholder'],
  ['{toString}', {}, '{toString}'],
];

for (const [template, vars, want] of FILLS) {
  test(`fill(${JSON.stringify(template)})`, () => assert.equal(fill(template, vars), want));
}

test('t() of a missing string is its key, with a warning', (t) => {
  const warn = t.mock.method(console, 'warn', () => {});
  assert.equal(wordsFor('en', THINGS).t('nope'), 'nope');
  assert.equal(warn.mock.callCount(), 1);
  assert.match(warn.mock.calls[0].arguments[0], /missing string nope/);
});

test('has() knows strings only', () => {
  const words = wordsFor('en', { a: 'A', b: 3 });
  assert.deepEqual(['a', 'b', 'c'].map(words.has), [true, false, false]);
});

// A refusal of one field (docs/protocol.md: `field`, `why`, `limit`) said beside it: the field's
// own words, else the code's, else any field's words for why; the server's English last.
const WHYS = ['too_high', 'too_low', 'too_long', 'too_short', 'empty', 'too_many', 'too_few', 'bad_type',
  'bad_value', 'missing', 'unknown_field', 'control_only'];

test('every why a refusal of a field can give has words beside it, in both languages', () => {
  for (const lang of ['en', 'fr']) {
    const words = wordsFor(lang, catalogue(lang));
    for (const why of WHYS) {
      const said = words.fieldErrorText({ code: 'bad_request', message: 'English', field: 'x', why, limit: 3 }, 'admin_error');
      assert.ok(said !== 'English' && !said.includes('{'), `${lang} ${why}: ${said}`);
    }
  }
});

// [lang, error, words]
const REFUSED = [
  ['fr', { code: 'bad_request', field: 'matching.sides', why: 'two_sides' },
    'Donnez deux noms de collèges différents, par exemple commune et solution.'],
  ['fr', { code: 'bad_request', field: 'synonyms', why: 'one_term', line: 2, value: 'énergie solaire' },
    `Ligne 2 («${NNBSP}énergie solaire${NNBSP}»)${NNBSP}: écrivez au moins deux mots-clés différents séparés par ~, par exemple mobilité ~ transports.`],
  ['en', { code: 'bad_request', field: 'rounds', why: 'too_high', limit: 200 }, 'An event has 200 rounds at most.'],
  // any field's words, the limit written as French writes numbers
  ['fr', { code: 'bad_request', field: 'reminder_minutes', why: 'too_high', limit: 20160 }, `20${NNBSP}160 au plus.`],
  ['en', { code: 'bad_request', field: 'signup.policy', why: 'too_long', limit: 20000 }, 'Too long: 20,000 characters at most.'],
  // a code the page knows, of a field
  ['fr', { code: 'needs_turn', field: 'ice_transport_policy' }, catalogue('fr').admin_error_needs_turn],
  // a why the page does not know: the server's own words
  ['fr', { code: 'bad_request', field: 'title', why: 'new_rule', message: 'Server words.' }, 'Server words.'],
  ['fr', {}, 'fallback'],
];

for (const [lang, error, want] of REFUSED) {
  test(`fieldErrorText(${lang}, ${error.field} ${error.why || error.code})`, () => {
    assert.equal(wordsFor(lang, catalogue(lang)).fieldErrorText(error, 'admin_error', 'fallback'), want);
  });
}

test('errorText does not take the words of a field for a refusal said elsewhere', () => {
  const words = wordsFor('fr', catalogue('fr'));
  const error = { code: 'bad_request', field: 'rounds', why: 'too_high', limit: 200, message: 'English.' };
  assert.equal(words.errorText(error, 'admin_error', 'fallback'), 'English.');
  assert.equal(words.errorText({ code: 'needs_turn' }, 'admin_error'), catalogue('fr').admin_error_needs_turn);
});
