/**
 * The page's messages, kept: every confirmation, error and notice shown on it, with its time, in
 * a "Messages" disclosure at the end of the page. Nothing said goes for good after a few seconds
 * (WCAG 2.2.1): a person who read too slowly, or looked away, opens the list again.
 */

import { t, timeOfDay } from './i18n.js';

const KEEP = 50;  // the most recent messages listed (a long event says a lot)
let box = null;

function make() {
  const main = document.getElementById('content') || document.body;
  const summary = document.createElement('summary');
  const list = document.createElement('ol');
  list.className = 'messages-list';
  list.reversed = true;
  box = document.createElement('details');
  box.className = 'messages';
  box.dataset.testid = 'messages';
  box.append(summary, list);
  main.append(box);
  return box;
}

/** Keep `text` (`kind`: info, success, warn, error, notice) in the page's list of messages. */
export function logMessage(text, kind = 'info') {
  if (!text) return;
  const node = box || make();
  const list = node.querySelector('ol');
  const time = document.createElement('time');
  const now = new Date();
  time.dateTime = now.toISOString();
  time.textContent = timeOfDay(now.getTime());
  const item = document.createElement('li');
  item.dataset.kind = kind;
  item.append(time, ' ', String(text));
  list.prepend(item);
  while (list.children.length > KEEP) list.lastElementChild.remove();
  node.querySelector('summary').textContent = t('messages_title', { count: list.children.length });
}
