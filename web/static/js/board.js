/** The staff view shared by the host console and the moderator board: phase, rooms, help, waiting. */

import { t, timeOfDay } from './i18n.js';
import { el, num } from './ui.js';

const FLAGS = new Set(['alone', 'no_video', 'poor_link', 'help']);
const REASONS = new Set(['mutual_wish', 'wish', 'fill', 'moved', 'repaired']);
const ICE = new Set(['new', 'checking', 'connected', 'completed', 'disconnected', 'failed', 'closed', 'gone']);

/** "Round 2 of 6", "Break before round 3", ... for a clock state. */
export function phaseLabel(clock) {
  if (!clock) return t('loading');
  switch (clock.phase) {
    case 'lobby': return clock.opened ? t('phase_lobby_open') : t('phase_lobby');
    case 'round': return t('phase_round', { round: clock.round, rounds: clock.rounds });
    case 'break': return t('phase_break', { round: clock.round + 1, rounds: clock.rounds });
    case 'ended': return t('phase_ended');
    default: return String(clock.phase);
  }
}

/** Accepts a state event unless its `seq` is older than the last one seen for `key`. */
export class SeqGate {
  constructor() {
    this.last = new Map();
  }

  /** Forget what was seen (a new connection starts from the server's current state). */
  reset() {
    this.last.clear();
  }

  accept(key, payload) {
    if (!payload || typeof payload !== 'object') return false;
    if (typeof payload.seq !== 'number') return true;
    if (payload.seq < (this.last.get(key) ?? -1)) return false;
    this.last.set(key, payload.seq);
    return true;
  }
}

function flagBadge(flag) {
  const known = FLAGS.has(flag);
  return el('span', { class: `badge flag flag-${known ? flag : 'other'}`, 'data-flag': flag,
    text: known ? t(`flag_${flag}`) : flag });
}

function memberRow(m) {
  const ice = ICE.has(m.ice) ? t(`ice_${m.ice}`) : String(m.ice || '–');
  return el('li', { class: 'member', dataset: { online: String(Boolean(m.online)), ice: m.ice || '' } },
    el('span', { class: 'dot', title: m.online ? t('online') : t('offline'),
      'aria-label': m.online ? t('online') : t('offline') }),
    el('span', { class: 'member-who' },
      el('strong', { text: m.name }),
      m.organization ? el('span', { class: 'muted', text: ` · ${m.organization}` }) : null,
      m.side ? el('span', { class: 'badge', text: m.side }) : null),
    el('span', { class: 'member-link small' },
      el('span', { class: 'ice', text: ice }),
      el('span', { text: t('metric_rtt', { rtt: num(m.rtt_ms) }) }),
      el('span', { text: t('metric_loss', { loss: typeof m.loss === 'number' ? num(m.loss * 100, 1) : '–' }) }),
      el('span', { text: t('metric_kbps', { kbps: num(m.kbps) }) })));
}

/** One room card (`onJoin(roomId, button)` adds a "join" button). */
export function roomCard(room, onJoin = null) {
  const flags = room.flags || [];
  return el('article', { class: 'room-card', 'data-testid': 'room-card',
    dataset: { room: room.id, flags: flags.join(' ') }, 'data-attention': flags.length > 0 },
  el('header', { class: 'room-card-head' },
    el('h4', { text: t('room_label', { room: room.id }) }),
    REASONS.has(room.reason) && room.reason !== 'fill' ? el('span', { class: 'muted small', text: t(`reason_short_${room.reason}`) }) : null),
  flags.length ? el('div', { class: 'flags' }, flags.map(flagBadge)) : null,
  el('ul', { class: 'members' }, (room.members || []).map(memberRow)),
  onJoin ? el('button', { type: 'button', class: 'secondary small-button', 'data-testid': 'join-room',
    text: t('join_room'), onclick: (e) => onJoin(room.id, e.currentTarget) }) : null);
}

/**
 * Show `rooms` in `container`, rebuilding only the cards that changed (so a button is not
 * swapped under the pointer every second). `filter(room)` hides cards.
 */
export function renderRooms(container, rooms, { onJoin = null, filter = () => true } = {}) {
  const list = Array.isArray(rooms) ? rooms : [];
  const old = new Map([...container.querySelectorAll('.room-card')].map((n) => [n.dataset.room, n]));
  const cards = list.map((room) => {
    const signature = JSON.stringify(room);
    let card = old.get(room.id);
    if (!card || card.dataset.signature !== signature) {
      card = roomCard(room, onJoin);
      card.dataset.signature = signature;
    }
    card.hidden = !filter(room);
    return card;
  });
  if (list.length === 0) {
    if (!container.querySelector('.empty')) {
      container.replaceChildren(el('p', { class: 'muted empty', text: t('board_no_rooms') }));
    }
    return;
  }
  const same = cards.length === container.children.length
    && cards.every((c, i) => container.children[i] === c);
  if (!same) container.replaceChildren(...cards);
}

/** The open help requests; `onResolve(participantId, button)` marks one as dealt with. */
export function renderHelp(container, help, onResolve) {
  const list = Array.isArray(help) ? help : [];
  if (!list.length) {
    container.replaceChildren(el('li', { class: 'muted', text: t('help_none') }));
    return;
  }
  container.replaceChildren(...list.map((h) => el('li', { class: 'help-item', 'data-testid': 'help-item',
    dataset: { participant: h.participant } },
  el('div', {},
    el('strong', { text: h.name }),
    el('span', { class: 'muted small', text: ` · ${h.room ? t('room_label', { room: h.room }) : t('room_waiting')} · ${timeOfDay(h.at)}` })),
  h.text ? el('p', { class: 'help-text', text: h.text }) : null,
  el('button', { type: 'button', class: 'secondary small-button', 'data-testid': 'resolve-help',
    text: t('help_resolve'), onclick: (e) => onResolve(h.participant, e.currentTarget) }))));
}

/** Who sits out this round. */
export function renderWaiting(container, waiting) {
  const list = Array.isArray(waiting) ? waiting : [];
  container.replaceChildren(...(list.length
    ? list.map((w) => el('li', { class: 'member', dataset: { online: String(Boolean(w.online)) } },
      el('span', { class: 'dot', 'aria-label': w.online ? t('online') : t('offline') }),
      el('span', { text: w.name })))
    : [el('li', { class: 'muted', text: t('waiting_none') })]));
}
