/** A language's rules without the page: strings filled, the plural chosen, numbers written.
 * The language and its strings come as arguments (i18n.js gives the page's own). */

import { fillElided } from './elision.js';

/**
 * `text` with its {placeholders} filled from `vars` (one that `vars` lacks stays as written);
 * in French a name after "de", "le", "la" elides ("d’Amélie": elision.js).
 */
export function fill(text, vars = {}, lang = 'en') {
  return fillElided(text, vars, lang);
}

/** Whether `count` takes the singular in `lang` (French: 0 and 1, English: 1). */
export function isOne(lang, count) {
  return new Intl.PluralRules(lang).select(count) === 'one';
}

/** A number in `lang` ("1 234,5" in French), `digits` after the point; "–" if none. */
export function formatNumber(lang, value, digits = 0) {
  if (typeof value !== 'number' || !Number.isFinite(value)) return '–';
  return new Intl.NumberFormat(lang, { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(value);
}

/** A fraction (0.25) as a percentage in `lang` ("25,0 %" in French); "–" if none. */
export function formatPercent(lang, fraction, digits = 1) {
  if (typeof fraction !== 'number' || !Number.isFinite(fraction)) return '–';
  return new Intl.NumberFormat(lang, { style: 'percent', minimumFractionDigits: digits, maximumFractionDigits: digits }).format(fraction);
}

/**
 * The string functions of one language over its `strings` ({key: text}): `t`, `tn`, `has`,
 * `number` and `percent`, as i18n.js exports them for the page.
 */
export function wordsFor(lang, strings) {
  const has = (key) => typeof strings[key] === 'string';
  const number = (value, digits = 0) => formatNumber(lang, value, digits);
  const t = (key, vars = {}) => {
    if (!has(key)) {
      console.warn(`speedmeet: missing string ${key}`);
      return key;
    }
    return fill(strings[key], vars, lang);
  };
  // `key_one` when the language says one and the strings have it, else `key`; {count} written
  // in the language's form
  const tn = (key, count, vars = {}) => {
    const one = isOne(lang, count) && has(`${key}_one`);
    return t(one ? `${key}_one` : key, { ...vars, count: number(count) });
  };
  const percent = (fraction, digits = 1) => formatPercent(lang, fraction, digits);
  return { t, tn, has, number, percent };
}
