/**
 * Live views changed in place: an element that is still there after an update is kept (its text,
 * attributes and handlers brought up to date), so that the focus, a screen reader's place and a
 * half-typed value stay on it; only what is new is made, only what is gone is removed.
 */

// The handlers `el()` put on each element (ui.js): an update swaps them for the new ones.
const handlers = new WeakMap();

/** Add `fn` for `type` events to `node` and remember it (an update can then replace it). */
export function listen(node, type, fn) {
  node.addEventListener(type, fn);
  const all = handlers.get(node) || [];
  all.push([type, fn]);
  handlers.set(node, all);
}

/**
 * What makes two children "the same one" across updates: their tag and the first of their
 * `data-key`, `id`, `data-room`, `data-participant`, `data-peer`, `data-id`, `data-testid`
 * (`#text` for text). Works on anything shaped like a DOM node.
 */
export function keyOf(node) {
  if (node.nodeType === 3) return '#text';
  if (node.nodeType !== 1) return `#${node.nodeType}`;
  const d = node.dataset || {};
  const id = d.key ?? (node.id || null) ?? d.room ?? d.participant ?? d.peer ?? d.id ?? d.testid ?? '';
  return `${node.tagName}|${id}`;
}

/**
 * For each new key, the index of the old child it keeps (-1: a new one): the first old child of
 * the same key not taken yet, so that several unnamed children of a kind match in order.
 */
export function matchKeys(oldKeys, newKeys) {
  const free = new Map();
  oldKeys.forEach((key, i) => {
    if (!free.has(key)) free.set(key, []);
    free.get(key).push(i);
  });
  return newKeys.map((key) => {
    const left = free.get(key);
    return left && left.length ? left.shift() : -1;
  });
}

const VALUES = new Set(['INPUT', 'SELECT', 'TEXTAREA']);

/** Make `old` look like `fresh` (same tag): attributes, handlers, value, then children. */
export function patch(old, fresh) {
  if (old.nodeType !== 1) {
    if (old.nodeValue !== fresh.nodeValue) old.nodeValue = fresh.nodeValue;
    return old;
  }
  for (const { name } of [...old.attributes]) if (!fresh.hasAttribute(name)) old.removeAttribute(name);
  for (const { name, value } of fresh.attributes) if (old.getAttribute(name) !== value) old.setAttribute(name, value);
  for (const [type, fn] of handlers.get(old) || []) old.removeEventListener(type, fn);
  handlers.delete(old);
  for (const [type, fn] of handlers.get(fresh) || []) listen(old, type, fn);
  // what a person is choosing or typing in is theirs: its value and choices are left alone while
  // it has the focus
  if (VALUES.has(old.tagName) && old === old.ownerDocument.activeElement) return old;
  update(old, [...fresh.childNodes]);
  if (VALUES.has(old.tagName)) {
    if (old.value !== fresh.value) old.value = fresh.value;
    if (old.checked !== fresh.checked) old.checked = fresh.checked;
  }
  return old;
}

/**
 * Make `parent`'s children exactly `nodes`, in order, moving as little as it can: nodes already
 * in place stay untouched, the others are inserted, the children not in `nodes` removed.
 */
export function place(parent, nodes) {
  const wanted = new Set(nodes);
  for (const child of [...parent.childNodes]) if (!wanted.has(child)) child.remove();
  let at = parent.firstChild;
  for (const node of nodes) {
    if (node === at) at = at.nextSibling;
    else parent.insertBefore(node, at);
  }
}

/** Make `parent`'s children like `fresh` (new nodes), keeping and patching the ones of the same key. */
export function update(parent, fresh) {
  const old = [...parent.childNodes];
  const match = matchKeys(old.map(keyOf), fresh.map(keyOf));
  place(parent, fresh.map((node, i) => (match[i] < 0 ? node : patch(old[match[i]], node))));
}
