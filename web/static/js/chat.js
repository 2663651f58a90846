/**
 * The room's chat: a panel of the people in one call (the room's members, and a moderator who
 * joined it). Messages go through the server (`chat {room, text}`), which keeps none: the
 * conversation lives in this page until the next meeting starts or the page closes, unless the
 * person saves it (a text file, downloaded). Links are clickable, built as DOM nodes from
 * http(s) URLs only, opening in a new tab with `rel="noopener noreferrer"`; everything else is
 * text.
 *
 * Keyboard and screen readers: the chat button says how many messages are unread (its label and
 * a badge), a polite status line announces a message that comes while the panel is closed; the
 * open panel is a log (read politely as messages come), opens with focus in the message field,
 * closes with Escape (focus back on the button).
 */

import { dayOf, t, timeOfDay } from './i18n.js';
import { el } from './ui.js';
import { busy } from './focus.js';

const URL_RE = /\bhttps?:\/\/[^\s<>"]+/gi;
// Punctuation that ends a sentence, not a link ("see https://example.org.").
const TRAILING = /[.,;:!?'’»)\]}]+$/;
const ERRORS = new Set(['rate_limited', 'chat_too_long', 'chat_empty', 'no_round', 'not_in_room', 'not_your_room']);
let made = 0;

/** An http(s) URL as a link, or null. */
function link(candidate) {
  let url;
  try {
    url = new URL(candidate);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  return el('a', { href: url.href, target: '_blank', rel: 'noopener noreferrer', text: candidate });
}

/** `text` as nodes: strings, and links for the http(s) URLs in it. */
export function linkify(text) {
  const nodes = [];
  let at = 0;
  for (const match of text.matchAll(URL_RE)) {
    let candidate = match[0];
    const trail = candidate.match(TRAILING);
    // a closing bracket that belongs to the URL (…/Paris_(France)) stays
    if (trail && !(trail[0] === ')' && candidate.includes('('))) {
      candidate = candidate.slice(0, -trail[0].length);
    }
    const a = link(candidate);
    if (!a) continue;
    if (match.index > at) nodes.push(text.slice(at, match.index));
    nodes.push(a);
    at = match.index + candidate.length;
  }
  if (at < text.length) nodes.push(text.slice(at));
  return nodes;
}

/** What a refused message says, in the page's language. */
function refusal(err) {
  if (err && ERRORS.has(err.code)) return t(`chat_error_${err.code}`);
  return (err && err.message) || t('error_unknown');
}

/**
 * A chat panel in `root` (an empty element), toggled by `button`. `send(room, text)` resolves
 * with the server's ack `{id, at}`; `nameOf(message)` names a message's author; `context()`
 * says what the saved file is headed with: `{title, round, people: [names]}`; `maxChars` the
 * server's `chat_max_chars`.
 */
export class ChatPanel {
  constructor({ root, button, send, nameOf, context = () => ({}), maxChars = 1000 }) {
    this.maxChars = maxChars;
    this.root = root;
    this.button = button;
    this.send = send;
    this.nameOf = nameOf;
    this.context = context;
    this.room = null;
    this.open = false;
    this.closed = true;  // no conversation going on (no room, or the round is over)
    this.messages = [];
    this.ids = new Set();
    this.unread = 0;
    this.build();
  }

  build() {
    const n = ++made;
    const title = `chat-title-${n}`;
    const input = `chat-input-${n}`;
    // a log, not a list: its role would take the list's away from the messages
    this.log = el('div', { class: 'chat-log', role: 'log', 'aria-labelledby': title, 'data-testid': 'chat-log' });
    this.empty = el('p', { class: 'muted small chat-empty', text: t('chat_empty') });
    this.input = el('input', { id: input, type: 'text', maxlength: this.maxChars, autocomplete: 'off',
      'data-testid': 'chat-input', placeholder: t('chat_placeholder') });
    this.sendButton = el('button', { type: 'submit', class: 'primary', 'data-testid': 'chat-send', text: t('chat_send') });
    this.error = el('p', { class: 'chat-error', role: 'alert', 'data-testid': 'chat-error', hidden: true });
    this.form = el('form', { class: 'chat-form', 'data-testid': 'chat-form', onsubmit: (e) => this.submit(e) },
      el('label', { class: 'visually-hidden', for: input, text: t('chat_message_label') }),
      this.input, this.sendButton);
    this.saveButton = el('button', { type: 'button', class: 'secondary small-button', 'data-testid': 'chat-save',
      text: t('chat_save'), onclick: () => this.save() });
    const close = el('button', { type: 'button', class: 'icon-button', 'aria-label': t('chat_close'),
      title: t('chat_close'), text: '×', onclick: () => this.hide(true) });
    this.root.classList.add('chat');
    this.root.dataset.testid = 'chat';
    this.root.setAttribute('aria-labelledby', title);
    this.root.hidden = true;
    this.root.replaceChildren(
      el('div', { class: 'chat-head' },
        el('h3', { id: title, text: t('chat_title') }), this.saveButton, close),
      el('p', { class: 'muted small chat-hint', text: t('chat_hint') }),
      this.empty, this.log, this.form, this.error);
    // what comes while the panel is closed: said once, politely
    this.status = el('p', { class: 'visually-hidden', role: 'status', 'data-testid': 'chat-announce' });
    this.root.after(this.status);
    this.root.addEventListener('keydown', (event) => {
      if (event.key === 'Escape') {
        event.preventDefault();
        this.hide(true);
      }
    });
    this.button.setAttribute('aria-expanded', 'false');
    if (this.root.id) this.button.setAttribute('aria-controls', this.root.id);
    this.button.addEventListener('click', () => this.toggle());
    this.render();
  }

  /** A new conversation, in `room` (the last one is gone). */
  reset(room) {
    this.room = room;
    this.closed = false;
    this.messages = [];
    this.ids.clear();
    this.unread = 0;
    this.log.replaceChildren();
    this.error.hidden = true;
    this.status.textContent = '';
    this.render();
  }

  /** The round is over: nothing more is sent; what was said can still be saved. */
  end() {
    this.closed = true;
    this.hide(false);
    this.render();
  }

  toggle() {
    if (this.open) this.hide(true);
    else this.show();
  }

  show() {
    this.open = true;
    this.root.hidden = false;
    this.unread = 0;
    this.status.textContent = '';
    this.render();
    this.scroll();
    this.input.focus();
  }

  hide(focusButton) {
    const had = this.open;
    this.open = false;
    this.root.hidden = true;
    this.render();
    if (had && focusButton && this.button.isConnected) this.button.focus();
  }

  /** A `chat` event from the server. */
  receive(m) {
    if (!m || typeof m !== 'object' || typeof m.text !== 'string' || m.room !== this.room || this.closed) return;
    if (typeof m.id === 'string' && this.ids.has(m.id)) return;
    const name = this.nameOf(m);
    this.add({ id: m.id, name, text: m.text, at: Number(m.at) || Date.now(), mine: false });
    if (!this.open) {
      this.unread += 1;
      this.status.textContent = t('chat_new_from', { name });
      this.render();
    }
  }

  add(message) {
    if (message.id) this.ids.add(message.id);
    this.messages.push(message);
    const item = el('div', { class: 'chat-message', 'data-testid': 'chat-message', dataset: { mine: String(message.mine) } },
      el('p', { class: 'chat-meta' },
        el('strong', { text: message.name }), ' ',
        el('time', { datetime: new Date(message.at).toISOString(), text: timeOfDay(message.at) })),
      el('p', { class: 'chat-text', 'data-testid': 'chat-text' }, linkify(message.text)));
    this.log.append(item);
    this.empty.hidden = true;
    this.scroll();
    this.renderSave();
  }

  scroll() {
    this.log.scrollTop = this.log.scrollHeight;
  }

  async submit(event) {
    event.preventDefault();
    const text = this.input.value.trim();
    if (!text || this.closed) return;
    const room = this.room;
    busy(this.sendButton, true);
    try {
      const ack = await this.send(room, text);
      this.error.hidden = true;
      if (room !== this.room) return;
      this.input.value = '';
      this.add({ id: ack.id, name: t('you'), text, at: Number(ack.at) || Date.now(), mine: true });
    } catch (err) {
      this.error.textContent = refusal(err);
      this.error.hidden = false;
    } finally {
      busy(this.sendButton, false);
      this.input.focus();
    }
  }

  render() {
    let label = t('chat_button');
    if (this.unread === 1) label = t('chat_button_unread_one');
    else if (this.unread > 1) label = t('chat_button_unread', { count: this.unread });
    this.button.setAttribute('aria-label', label);
    this.button.setAttribute('aria-expanded', String(this.open));
    this.button.dataset.unread = String(this.unread);
    const badge = this.button.querySelector('.count');
    if (badge) {
      badge.textContent = String(this.unread);
      badge.hidden = this.unread === 0;
    }
    this.input.disabled = this.closed;
    this.sendButton.disabled = this.closed;
    this.empty.hidden = this.messages.length > 0;
    this.renderSave();
  }

  renderSave() {
    this.saveButton.hidden = this.messages.length === 0;
  }

  /** The conversation as text, with who was there and when. */
  transcript() {
    const c = this.context() || {};
    const lines = [`${t('chat_file_title')} · ${c.title || ''}`.trim()];
    const first = this.messages[0];
    const when = first ? dayOf(first.at) : '';
    lines.push([c.round ? t('chat_file_round', { round: c.round }) : '', this.room || '', when]
      .filter(Boolean).join(' · '));
    if (Array.isArray(c.people) && c.people.length) lines.push(t('chat_file_people', { names: c.people.join(', ') }));
    lines.push('');
    for (const m of this.messages) lines.push(`[${timeOfDay(m.at)}] ${m.name}: ${m.text}`);
    return `${lines.join('\n')}\n`;
  }

  /** Download the conversation as a text file (nothing is kept anywhere else). */
  save() {
    if (!this.messages.length) return;
    const blob = new Blob([this.transcript()], { type: 'text/plain;charset=utf-8' });
    const url = URL.createObjectURL(blob);
    const c = this.context() || {};
    const name = `speedmeet-chat-${c.round ? `round-${c.round}-` : ''}${this.room || 'room'}.txt`;
    const a = el('a', { href: url, download: name, hidden: true });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }
}
