/** Small pieces of the organiser's page: labelled fields, dates, cards, a link to copy once. */

import { fieldErrorText, lang, t } from './i18n.js';
import { clearFieldErrors, el, fieldError, requiredMark } from './ui.js';

let counter = 0;

/** A label and its control (and a hint under it); a required control's label is marked "*". */
export function field(label, control, hint = '') {
  if (!control.id) control.id = `f${++counter}`;
  const hintNode = hint ? el('span', { class: 'muted small', id: `${control.id}-hint`, text: hint }) : null;
  if (hintNode) control.setAttribute('aria-describedby', hintNode.id);
  return el('div', { class: 'field' }, el('label', { for: control.id }, label, control.required ? requiredMark() : null),
    control, hintNode);
}

/** What the "*" of required fields means, for a form that has some. */
export function requiredLegend() {
  return el('p', { class: 'muted small required-legend', text: t('form_required_legend') });
}

/**
 * The server's `problems` ({field, index?, ...}) of `form` said beside their fields (`text(problem)`
 * their words; the first per field), the first such field focused and in view. A problem's field
 * is `controls[field]` (a control, or a list of controls picked by `index`, else the last), else
 * the form's control of that name. Returns the problems of no field of the form, to say elsewhere.
 */
export function showProblems(form, problems, text, controls = {}) {
  clearFieldErrors(form);
  const rest = [];
  let first = null;
  for (const problem of problems) {
    const control = problem.field ? controlOf(form, problem, controls) : null;
    if (!(control instanceof HTMLElement)) rest.push(problem);
    else if (control.getAttribute('aria-invalid') !== 'true') {
      fieldError(control, text(problem));
      first = first || control;
    }
  }
  if (first) {
    first.scrollIntoView({ block: 'center' });
    first.focus({ preventScroll: true });
  }
  return rest;
}

function controlOf(form, problem, controls) {
  const named = Object.hasOwn(controls, problem.field) ? controls[problem.field] : form.elements.namedItem(problem.field);
  if (!Array.isArray(named)) return named;
  return named[Number.isInteger(problem.index) && problem.index < named.length ? problem.index : named.length - 1];
}

/**
 * A refused send of `form` (an ApiError): beside the field it names (`controls` as for
 * showProblems), in the page's words, that field focused; else `sayElsewhere(words)` (the top of
 * the page).
 */
export function showRefusal(form, err, controls, sayElsewhere) {
  const rest = showProblems(form, [err.error], (e) => fieldErrorText(e, 'admin_error', err.message), controls);
  if (rest.length) sayElsewhere(err.message);
}

/** A checkbox with its label. */
export function check(label, props = {}) {
  const box = el('input', { type: 'checkbox', ...props });
  return { box, node: el('label', { class: 'check' }, box, el('span', { text: label })) };
}

/** A card with a heading (`id` for aria-labelledby) and content. */
export function card(title, testid, ...children) {
  const id = `h${++counter}`;
  return el('section', { class: 'card', 'aria-labelledby': id, 'data-testid': testid },
    el('h3', { id, text: title }), ...children);
}

/** `<input type="datetime-local">`'s value for epoch milliseconds (this browser's time zone). */
export function toLocalInput(ms) {
  if (typeof ms !== 'number') return '';
  const d = new Date(ms);
  const pad = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** Epoch milliseconds of a datetime-local value (null when empty). */
export function fromLocalInput(value) {
  if (!value) return null;
  const ms = new Date(value).getTime();
  return Number.isFinite(ms) ? ms : null;
}

/** A date and time for people: "Tue 3 March 2026, 09:00". */
export function when(ms) {
  if (typeof ms !== 'number') return t('admin_no_date');
  return new Date(ms).toLocaleString(lang, { weekday: 'short', day: 'numeric', month: 'long', year: 'numeric', hour: '2-digit', minute: '2-digit' });
}

/** A short date and time: "2 Dec, 17:43". */
export function whenShort(ms) {
  return new Date(ms).toLocaleString(lang, { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' });
}

/** `{day, time}` as a sentence of the page says them: "5 déc." and "9 h 12", "5 Dec" and "09:12". */
export function dayAndTime(ms) {
  const d = new Date(ms);
  const day = d.toLocaleDateString(lang, { day: 'numeric', month: 'short' });
  const time = lang === 'fr' ? `${d.getHours()} h ${String(d.getMinutes()).padStart(2, '0')}`
    : d.toLocaleTimeString(lang, { hour: '2-digit', minute: '2-digit' });
  return { day, time };
}

/** A box showing a secret link once, with a button that copies it. */
export function linkBox(label, url, testid = 'new-link') {
  const input = el('input', { type: 'text', readonly: true, value: url, 'data-testid': `${testid}-url`, class: 'link-input' });
  const button = el('button', { type: 'button', class: 'secondary', text: t('copy') });
  button.addEventListener('click', async () => {
    input.select();
    try { await navigator.clipboard.writeText(url); } catch { document.execCommand('copy'); }
    button.textContent = t('copied');
  });
  input.id = `f${++counter}`;
  const box = el('div', { class: 'new-link', 'data-testid': testid },
    el('label', { for: input.id, text: label }),
    el('div', { class: 'inline' }, input, button,
      el('a', { class: 'button secondary', href: url, target: '_blank', rel: 'noopener noreferrer', text: t('admin_open_link') })));
  setTimeout(() => { input.focus(); input.select(); }, 0);
  return box;
}

/** A person's side as the event names it. */
export function sideOptions(sides, value = '') {
  return [el('option', { value: '', text: t('join_side_choose') }),
    ...sides.map((s) => el('option', { value: s, text: s, selected: s === value }))];
}

/** The languages a person may have (empty: the event's). */
export function languageOptions(value = '', withDefault = true) {
  const options = withDefault ? [el('option', { value: '', text: t('admin_language_event') })] : [];
  for (const code of ['en', 'fr']) options.push(el('option', { value: code, text: t(`lang_name_${code}`), selected: code === value }));
  return options;
}
