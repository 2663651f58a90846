/** Page strings (English or French) from the boot data: t('key', {name: 'x'}) fills {name}. */

import { boot } from './boot.js';

const strings = boot.strings || {};

/** The lang code the server chose for this page. */
export const lang = boot.lang || 'en';

/** The string `key` with its {placeholders} filled from `vars`; the key itself if missing. */
export function t(key, vars = {}) {
  const text = strings[key];
  if (typeof text !== 'string') {
    console.warn(`speedmeet: missing string ${key}`);
    return key;
  }
  return text.replace(/\{(\w+)\}/g, (whole, name) =>
    Object.prototype.hasOwnProperty.call(vars, name) ? String(vars[name]) : whole);
}

/** A local clock time (hh:mm) for an epoch-millisecond timestamp. */
export function timeOfDay(ms) {
  return new Date(ms).toLocaleTimeString(lang, { hour: '2-digit', minute: '2-digit' });
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
  return typeof strings[key] === 'string';
}
