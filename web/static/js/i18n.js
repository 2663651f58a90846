/** Page strings (English or French) from the boot data: t('key', {name: 'x'}) fills {name}. */

import { boot } from './boot.js';
import { wordsFor } from './locale.js';

/** The lang code the server chose for this page. */
export const lang = boot.lang || 'en';

const words = wordsFor(lang, boot.strings || {});

/** The string `key` with its {placeholders} filled from `vars`; the key itself if missing. */
export function t(key, vars = {}) {
  return words.t(key, vars);
}

/**
 * The string for `count` things: `key_one` when the language says one (French: 0 and 1, English:
 * 1) and the page has it, else `key`; `{count}` is filled with the number in the page's form.
 */
export function tn(key, count, vars = {}) {
  return words.tn(key, count, vars);
}

/** A number in the page's language ("1 234,5" in French), `digits` after the point; "–" if none. */
export function number(value, digits = 0) {
  return words.number(value, digits);
}

/** A fraction (0.25) as a percentage in the page's language ("25,0 %" in French); "–" if none. */
export function percent(fraction, digits = 1) {
  return words.percent(fraction, digits);
}

/** Names as the page's language lists them ("Amélie Durand et Karim Benali", "A, B and C"). */
export function listOf(names) {
  return new Intl.ListFormat(lang, { style: 'long', type: 'conjunction' }).format(names.map(String));
}

/** A local clock time (hh:mm) for an epoch-millisecond timestamp. */
export function timeOfDay(ms) {
  return new Date(ms).toLocaleTimeString(lang, { hour: '2-digit', minute: '2-digit' });
}

/** A local date ("3 décembre 2026", "3 December 2026") for an epoch-millisecond timestamp. */
export function dayOf(ms) {
  return new Date(ms).toLocaleDateString(lang, { day: 'numeric', month: 'long', year: 'numeric' });
}

/**
 * How a host or moderator page is named to others (`staff` as the server sends it: {id, role,
 * number, name}): the name they typed, else "Moderator 2" or "The host".
 */
export function staffName(staff) {
  if (!staff || typeof staff !== 'object') return t('staff_someone');
  if (typeof staff.name === 'string' && staff.name.trim()) return staff.name.trim();
  if (staff.role === 'host') return t('staff_host');
  return Number.isInteger(staff.number) && staff.number > 0
    ? t('staff_moderator_n', { n: staff.number }) : t('staff_someone');
}

/** Whether this page has a string `key` (to fall back on the server's own text otherwise). */
export function has(key) {
  return words.has(key);
}

/**
 * A refusal from the server (`{code, message, why?, ...params}`) in this page's words: the page's
 * own `{prefix}_{code}` if it has one, else `error_{code}_{why}`, else `error_{code}`, filled with
 * the error's parameters; the server's English `message` only for a code this page does not
 * know, and `fallback` when there is not even that.
 */
export function errorText(error, prefix = '', fallback = t('error_unknown')) {
  return words.errorText(error, prefix, fallback);
}

/**
 * A refusal of one field (`{code, message, field, why?, limit?...}`), said beside that field:
 * the page's own `{prefix}_{field}_{why}` (the field's dots as `_`: `admin_error_matching_sides_two_sides`),
 * else the words errorText finds for its code, else `field_error_{why}` (any field's: "At most
 * 200."), else the server's English `message`.
 */
export function fieldErrorText(error, prefix = '', fallback = t('error_unknown')) {
  return words.fieldErrorText(error, prefix, fallback);
}
