/** Small DOM helpers: build elements without innerHTML, show messages, the connection dot. */

import { errorText, number, t } from './i18n.js';
import { listen } from './keyed.js';
import './focus.js';  // the focus rule on every page (a control that is off ignores clicks)
import { logMessage } from './messages.js';

/**
 * A new element. `props`: class, text, dataset, on<event> handlers, other attributes
 * (true → empty attribute; null/undefined/false → left out). Children: nodes or strings.
 */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === 'class') node.className = value;
    else if (key === 'text') node.textContent = value;
    else if (key === 'dataset') Object.assign(node.dataset, value);
    else if (key.startsWith('on') && typeof value === 'function') {
      listen(node, key.slice(2), value);  // kept, so that a live update can swap it
    } else node.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

/** The first element matching `selector` (throws if missing: a template and its script disagree). */
export function $(selector, root = document) {
  const node = root.querySelector(selector);
  if (!node) throw new Error(`speedmeet: no element ${selector}`);
  return node;
}

/** Every element matching `selector`. */
export function $$(selector, root = document) {
  return [...root.querySelectorAll(selector)];
}

/**
 * Show `text` in a message area (`kind`: info, success, warn, error). It stays until replaced
 * (nothing fades before a slow reader is done), and the page's messages list keeps it.
 */
export function say(area, text, kind = 'info') {
  area.textContent = text;
  area.className = `alert alert-${kind}`;
  area.hidden = !text;
  logMessage(text, kind);
}

const fieldErrors = new WeakMap();  // a control → the node that says its error
let fieldCount = 0;

function describedBy(control, id, on) {
  const ids = (control.getAttribute('aria-describedby') || '').split(/\s+/).filter((x) => x && x !== id);
  if (on) ids.unshift(id);  // the error first: it is what matters now
  if (ids.length) control.setAttribute('aria-describedby', ids.join(' '));
  else control.removeAttribute('aria-describedby');
}

/**
 * Show `message` as the error of `control` (a field, or a group: fieldset, radio group), beside
 * it: after a field (a check box: after its label), at the end of a group; the control is marked
 * invalid and described by it.
 * An empty `message` clears it. Returns the control, to focus it.
 */
export function fieldError(control, message) {
  let node = fieldErrors.get(control);
  if (!message) {
    if (node) {
      describedBy(control, node.id, false);
      node.remove();
      fieldErrors.delete(control);
    }
    control.removeAttribute('aria-invalid');
    return control;
  }
  if (!node) {
    if (!control.id) control.id = `field-${++fieldCount}`;
    node = el('p', { class: 'field-error', id: `${control.id}-error`, 'data-testid': 'field-error' });
    fieldErrors.set(control, node);
    if (control.matches('fieldset, [role="radiogroup"], [role="group"]')) control.append(node);
    // a check box's label holds the box and its words: the error comes after them, not between
    else if (control.matches('[type="checkbox"], [type="radio"]') && control.closest('label')) control.closest('label').after(node);
    else control.after(node);
  }
  node.textContent = message;
  control.setAttribute('aria-invalid', 'true');
  describedBy(control, node.id, true);
  return control;
}

/** The visible mark of a required field ("*"; its control says "required" to a screen reader). */
export function requiredMark() {
  return el('span', { class: 'required-mark', 'aria-hidden': 'true', text: ' *' });
}

/** Clear every field error shown inside `root` (a form about to be sent again). */
export function clearFieldErrors(root) {
  for (const control of root.querySelectorAll('[aria-invalid="true"]')) fieldError(control, '');
}

/** Keep the header's connection indicator in step with `socket`. `onRefused(message)`: bad link. */
export function watchConnection(socket, onRefused) {
  const node = document.getElementById('conn');
  const set = (state, key) => {
    if (!node) return;
    node.dataset.state = state;
    node.querySelector('.conn-text').textContent = t(key);
  };
  let revoked = false;
  socket.on('connect', () => set('online', 'conn_online'));
  // The server lost its database for a moment: screens may lag until it says it is back.
  // `restarting`: the server is stopping (an update); we reconnect by ourselves once it is back.
  socket.on('status', (s) => {
    if (!s || typeof s !== 'object' || !socket.connected) return;
    if (s.restarting) set('reconnecting', 'conn_restarting');
    else set(s.degraded ? 'degraded' : 'online', s.degraded ? 'conn_degraded' : 'conn_online');
  });
  // The organiser replaced this link: coming back with it is pointless.
  socket.on('revoked', () => {
    revoked = true;
    set('refused', 'conn_refused');
    if (onRefused) onRefused(t('link_revoked'));
  });
  socket.on('disconnect', (reason) => {
    if (revoked) return;
    set('reconnecting', 'conn_reconnecting');
    // The server closed us on purpose: socket.io will not retry by itself.
    if (reason === 'io server disconnect') setTimeout(() => socket.connect(), 2000);
  });
  socket.on('connect_error', (err) => {
    if (socket.active) {
      set('reconnecting', 'conn_reconnecting');
      return;
    }
    set('refused', 'conn_refused');
    // the refusal's code in this page's words (e.g. too many pages), else the server's text
    const message = errorText(err && err.data, '', (err && err.message) || '');
    if (onRefused) onRefused(message);
  });
}

/**
 * Whether someone is online: a dot whose shape says it too (filled, or a hollow ring), named
 * for screen readers; `decorative` when the words stand next to it.
 */
export function presenceDot(online, { decorative = false } = {}) {
  const word = online ? t('online') : t('offline');
  return el('span', { class: 'dot presence', dataset: { online: String(Boolean(online)) },
    role: decorative ? null : 'img', 'aria-label': decorative ? null : word,
    'aria-hidden': decorative ? 'true' : null, title: word });
}

/** A "–" for missing numbers, else the number rounded to `digits`, in the page's language. */
export function num(value, digits = 0) {
  return number(value, digits);
}

/**
 * Show (or hide) a start line and its countdown: ``said`` is lobby.js's answer (``null``: nothing
 * to say), ``text`` its words, ``format`` the clock's way of writing milliseconds.
 */
export function showStart(line, countdown, said, text, format) {
  if (line.textContent !== text) line.textContent = text;
  line.hidden = !said;
  countdown.hidden = !said || said.ms === null;
  if (said && said.ms !== null) {
    const shown = format(said.ms);
    if (countdown.textContent !== shown) countdown.textContent = shown;
    countdown.dataset.remainingMs = String(Math.round(said.ms));
    countdown.dataset.state = 'running';
  }
}
