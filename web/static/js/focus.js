/**
 * Where the keyboard's focus goes, one rule for every page. A control that runs a command stays
 * focusable while it runs (`aria-disabled`, never `disabled`, which drops the focus to <body>)
 * and ignores being used again; when the control that has the focus goes away, the focus moves to
 * a named place nearby: the next control of its group, the next card, else the panel's heading.
 */

const FOCUSABLE = 'a[href], button, input, select, textarea, summary, [tabindex]:not([tabindex="-1"])';
const REGION = 'section, dialog, [data-focus-home]';
const HEADING = 'h1, h2, h3, h4';

/** Whether `node` is turned off the focusable way (`aria-disabled="true"`). */
export function isOff(node) {
  return Boolean(node) && node.getAttribute('aria-disabled') === 'true';
}

/** Turn `node` off (or on) and keep it focusable: it says so to screen readers and ignores clicks. */
export function setOff(node, off) {
  if (off) node.setAttribute('aria-disabled', 'true');
  else node.removeAttribute('aria-disabled');
}

/** Mark `node` as running its command (`on`) or done; while it runs it is off, still focused. */
export function busy(node, on) {
  setOff(node, on);
  if (on) node.dataset.busy = 'true';
  else delete node.dataset.busy;
}

// A control that is off ignores clicks, Enter and Space (they come as clicks), and a form's
// implicit submission through it: stopped before any handler of the page sees them.
if (typeof document !== 'undefined') {
  document.addEventListener('click', (event) => {
    const off = event.target instanceof Element && event.target.closest('[aria-disabled="true"]');
    if (!off) return;
    event.preventDefault();
    event.stopImmediatePropagation();
  }, true);
}

/** Whether the focus can sit on `node` and a person sees it there. */
function usable(node) {
  return Boolean(node) && node.isConnected && !node.disabled && !node.closest('[inert]')
    && (typeof node.checkVisibility !== 'function' || node.checkVisibility());
}

/** The first control in `node` (itself included) that can take the focus. */
function firstIn(node) {
  if (!node || !node.isConnected || node.nodeType !== 1) return null;
  if (node.matches(FOCUSABLE) && usable(node)) return node;
  return [...node.querySelectorAll(FOCUSABLE)].find(usable) || null;
}

/** Put the focus on `node`; a heading or other non-control gets `tabindex="-1"` first. */
export function moveFocus(node) {
  if (!node) return false;
  if (!node.matches(FOCUSABLE) && !node.hasAttribute('tabindex')) node.setAttribute('tabindex', '-1');
  node.focus();
  return document.activeElement === node;
}

/**
 * Run `change()` (a synchronous update of the page) and keep the focus: on the same element if it
 * is still there, else on the next control of its group or the next card (the one before when it
 * was the last), else on `home` (an element, or a function that finds it), else on the heading of
 * its region (section, dialog or `[data-focus-home]`). Returns what `change()` returned.
 */
export function keepFocus(change, home = null) {
  const before = document.activeElement;
  if (!before || before === document.body || before === document.documentElement) return change();
  const region = before.closest(REGION);
  // each level from the control up to its region: the element and its siblings as they were
  const levels = [];
  for (let node = before; node && node !== region && node !== document.body; node = node.parentElement) {
    const siblings = [...node.parentElement.children];
    const at = siblings.indexOf(node);
    levels.push({ node, after: siblings.slice(at + 1), before: siblings.slice(0, at).reverse() });
  }
  const result = change();
  if (usable(before)) {
    if (document.activeElement !== before) before.focus();  // moved, not gone
    return result;
  }
  for (const [i, level] of levels.entries()) {
    const here = i > 0 && level.node.isConnected ? [level.node] : [];
    for (const node of [...here, ...level.after, ...level.before]) {
      const found = firstIn(node);
      if (found) {
        found.focus();
        return result;
      }
    }
  }
  const named = typeof home === 'function' ? home() : home;
  const heading = region && region.isConnected ? region.querySelector(HEADING) : null;
  for (const node of [named, heading]) if (usable(node) && moveFocus(node)) break;
  return result;
}
