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
 * `number`, `percent`, `errorText` and `fieldErrorText`, as i18n.js exports them for the page.
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
  // the first of `keys` the strings have ('' when none)
  const first = (keys) => keys.find((k) => k && has(k)) || '';
  const refusal = (error) => (error && typeof error === 'object' ? error : {});
  const ownKey = (e, prefix) => {
    const code = typeof e.code === 'string' ? e.code : '';
    const why = typeof e.why === 'string' ? e.why : '';
    return code ? first([prefix && `${prefix}_${code}`, why && `error_${code}_${why}`, `error_${code}`]) : '';
  };
  const serverText = (e, fallback) => (typeof e.message === 'string' && e.message ? e.message : fallback);
  // a refusal in these words (see i18n.js's errorText)
  const errorText = (error, prefix = '', fallback = '') => {
    const e = refusal(error);
    const key = ownKey(e, prefix);
    return key ? t(key, e) : serverText(e, fallback);
  };
  // a refusal of one field, said beside it: the field's own words for why, else the code's,
  // else the words for why of any field (its `limit` written as this language writes numbers)
  const fieldErrorText = (error, prefix = '', fallback = '') => {
    const e = refusal(error);
    const field = typeof e.field === 'string' ? e.field.replaceAll('.', '_') : '';
    const why = typeof e.why === 'string' ? e.why : '';
    const key = first([field && prefix && `${prefix}_${field}_${why || e.code}`]) || ownKey(e, prefix)
      || first([why && `field_error_${why}`]);
    const vars = typeof e.limit === 'number' ? { ...e, limit: number(e.limit) } : e;
    return key ? t(key, vars) : serverText(e, fallback);
  };
  return { t, tn, has, number, percent, errorText, fieldErrorText };
}
