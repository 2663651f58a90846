// Live views changed in place (web/static/js/keyed.js): which old child each new one keeps, and
// the children put in order while moving as few as possible (a moved node loses the focus).

import { test } from 'node:test';
import assert from 'node:assert/strict';

import { keyOf, matchKeys, place } from '../../web/static/js/keyed.js';

// [what, old keys, new keys, the old index each new one keeps (-1: new)]
const MATCHES = [
  ['nothing changed', ['a', 'b', 'c'], ['a', 'b', 'c'], [0, 1, 2]],
  ['one added before the rest', ['b', 'c'], ['a', 'b', 'c'], [-1, 0, 1]],
  ['one gone', ['a', 'b', 'c'], ['a', 'c'], [0, 2]],
  ['the order changed', ['a', 'b', 'c'], ['c', 'a', 'b'], [2, 0, 1]],
  ['unnamed ones of a kind, in order', ['LI|', 'LI|', 'P|'], ['P|', 'LI|'], [2, 0]],
  ['more unnamed ones than before', ['LI|'], ['LI|', 'LI|'], [0, -1]],
  ['all new', ['a'], ['b', 'c'], [-1, -1]],
  ['all gone', ['a', 'b'], [], []],
];

for (const [what, old, fresh, want] of MATCHES) {
  test(`matchKeys: ${what}`, () => {
    assert.deepEqual(matchKeys(old, fresh), want);
  });
}

const element = (tagName, dataset = {}, id = '') => ({ nodeType: 1, tagName, dataset, id });

test('keyOf: a card by its room, a help button by its key, a member by its id, text as text', () => {
  assert.equal(keyOf(element('ARTICLE', { room: 'r1-1', testid: 'room-card' })), 'ARTICLE|r1-1');
  assert.equal(keyOf(element('BUTTON', { key: 'p1:claim', testid: 'claim-help' })), 'BUTTON|p1:claim');
  assert.equal(keyOf(element('LI', { id: 'p3' })), 'LI|p3');
  assert.equal(keyOf(element('SPAN', {}, 'link-figures-p3')), 'SPAN|link-figures-p3');
  assert.equal(keyOf(element('TR', { participant: 'p2' })), 'TR|p2');
  assert.equal(keyOf(element('P')), 'P|');
  assert.equal(keyOf({ nodeType: 3 }), '#text');
});

/** Just enough of a DOM parent for `place`, counting the nodes it moves or adds. */
class Parent {
  constructor(names) {
    this.childNodes = names.map((name) => this.adopt({ name }));
    this.moved = [];
  }

  adopt(node) {
    const parent = this;
    Object.assign(node, {
      parent,
      remove() {
        const list = node.parent.childNodes;
        list.splice(list.indexOf(node), 1);
        node.parent = null;
      },
    });
    Object.defineProperty(node, 'nextSibling', {
      configurable: true,
      get() {
        const list = node.parent ? node.parent.childNodes : [];
        return list[list.indexOf(node) + 1] || null;
      },
    });
    return node;
  }

  get firstChild() {
    return this.childNodes[0] || null;
  }

  insertBefore(node, ref) {
    if (node.parent) node.remove();
    this.adopt(node);
    this.moved.push(node.name);
    const at = ref ? this.childNodes.indexOf(ref) : this.childNodes.length;
    this.childNodes.splice(at, 0, node);
  }

  names() {
    return this.childNodes.map((n) => n.name);
  }
}

test('place: kept nodes stay where they are; only new ones are inserted, gone ones removed', () => {
  const parent = new Parent(['a', 'b', 'c', 'd']);
  const [a, , c, d] = parent.childNodes;
  const x = { name: 'x' };
  place(parent, [a, x, c, d]);  // b gone, x new in its place
  assert.deepEqual(parent.names(), ['a', 'x', 'c', 'd']);
  assert.deepEqual(parent.moved, ['x']);
  assert.equal(parent.childNodes[2], c);  // the same node, not a copy
});

test('place: a new order moves the nodes before the one that stays', () => {
  const parent = new Parent(['a', 'b', 'c']);
  const [a, b, c] = parent.childNodes;
  place(parent, [c, a, b]);
  assert.deepEqual(parent.names(), ['c', 'a', 'b']);
  assert.deepEqual(parent.moved, ['c']);
});

test('place: from nothing, and to nothing', () => {
  const parent = new Parent([]);
  const nodes = [{ name: 'a' }, { name: 'b' }];
  place(parent, nodes);
  assert.deepEqual(parent.names(), ['a', 'b']);
  place(parent, []);
  assert.deepEqual(parent.names(), []);
});
