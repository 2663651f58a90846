// A page's tab id (web/static/js/tab.js): a reload keeps it, a duplicated tab gets its own.

import { test } from 'node:test';
import assert from 'node:assert/strict';

import { TAB_KEY, newTabId, takeTabId } from '../../web/static/js/tab.js';

/** A tab's sessionStorage (copied when the browser duplicates the tab). */
class Session {
  constructor(items = {}) { this.items = { ...items }; }
  getItem(k) { return k in this.items ? this.items[k] : null; }
  setItem(k, v) { this.items[k] = String(v); }
  removeItem(k) { delete this.items[k]; }
  copy() { return new Session(this.items); }
}

let n = 0;
const make = () => `id${++n}`;

test('a new tab makes an id; a reload of it finds the same', () => {
  const tab = new Session();
  const first = takeTabId(tab, make);
  assert.match(first.id, /^id\d+$/);
  first.keep();  // pagehide
  const reloaded = takeTabId(tab, make);
  assert.equal(reloaded.id, first.id);
});

test('a duplicated tab (its storage copied while the page is open) is another page', () => {
  const tab = new Session();
  const page = takeTabId(tab, make);
  const duplicate = takeTabId(tab.copy(), make);
  assert.notEqual(duplicate.id, page.id);
});

test('a page opened from a tab that left an id takes it once', () => {
  const tab = new Session({ [TAB_KEY]: 'abc-1' });
  assert.equal(takeTabId(tab, make).id, 'abc-1');
  assert.equal(tab.getItem(TAB_KEY), null);
  assert.notEqual(takeTabId(tab, make).id, 'abc-1');  // not kept back: a new page
});

test('a stored id the server would refuse is replaced', () => {
  assert.notEqual(takeTabId(new Session({ [TAB_KEY]: 'a|b' }), make).id, 'a|b');
  assert.notEqual(takeTabId(new Session({ [TAB_KEY]: 'x'.repeat(65) }), make).id.length, 65);
});

test('without storage, or when it throws, each load is a new page', () => {
  assert.match(takeTabId(null, make).id, /^id\d+$/);
  const refusing = { getItem() { throw new Error('SecurityError'); }, removeItem() {}, setItem() { throw new Error('full'); } };
  const page = takeTabId(refusing, make);
  assert.match(page.id, /^id\d+$/);
  assert.doesNotThrow(() => page.keep());
});

test('new ids are 16 hex digits', () => {
  assert.match(newTabId(), /^[0-9a-f]{16}$/);
});
