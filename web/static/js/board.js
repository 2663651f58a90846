/** The staff view shared by the host console and the moderator board: phase, rooms, help, waiting. */

import { listOf, percent, staffName, t, timeOfDay } from './i18n.js';
import { el, num, presenceDot } from './ui.js';
import { keepFocus } from './focus.js';
import { patch, place, update } from './keyed.js';
import { linkQuality } from './link-quality.js';

// The board's changes are applied without the page (deltas.js, tested under node).
export { applyDelta } from './deltas.js';

const FLAGS = new Set(['alone', 'no_video', 'no_audio', 'camera_blocked', 'camera_off',
  'mic_blocked', 'mic_off', 'poor_link', 'two_pages', 'switched_page', 'help']);
// Flags of sound and picture: a room with one of these counts as a problem room for the host.
export const MEDIA_PROBLEMS = new Set(['no_video', 'no_audio', 'camera_blocked', 'mic_blocked', 'poor_link']);
const DEVICE_STATES = new Set(['off', 'blocked', 'none']);
const REASONS = new Set(['mutual_wish', 'wish', 'fill', 'moved', 'repaired']);
const HELP_REASONS = new Set(['no_sound', 'no_video', 'partner_absent', 'other']);
const SETTLED_ICE = new Set(['connected', 'completed']);
const ICE = new Set(['new', 'checking', 'connected', 'completed', 'disconnected', 'failed', 'closed', 'gone',
  'relay_refused']);

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

/** Whom a flag is about, when the members say it: "camera blocked: Thomas Petit". */
function flagWho(flag, members) {
  const online = members.filter((m) => m.online);
  switch (flag) {
    case 'no_video': return online.filter((m) => m.seen === false);
    case 'no_audio': return online.filter((m) => m.heard === false);
    case 'camera_blocked': return online.filter((m) => m.camera === 'blocked' || m.camera === 'none');
    case 'mic_blocked': return online.filter((m) => m.mic === 'blocked' || m.mic === 'none');
    case 'camera_off': return online.filter((m) => m.camera === 'off');
    case 'mic_off': return online.filter((m) => m.mic === 'off');
    case 'two_pages': return online.filter((m) => m.pages > 1);
    case 'switched_page': return online.filter((m) => m.switched);
    default: return [];
  }
}

// Nothing seen or heard of someone whose page says why (camera blocked, microphone off...):
// the badge that says why is enough.
const EXPLAINED = {
  no_video: (m) => DEVICE_STATES.has(m.camera),
  no_audio: (m) => DEVICE_STATES.has(m.mic),
};

function flagBadge(flag, members) {
  const known = FLAGS.has(flag);
  const label = known ? t(`flag_${flag}`) : flag;
  const all = known ? flagWho(flag, members) : [];
  const explained = EXPLAINED[flag];
  const left = explained ? all.filter((m) => !explained(m)) : all;
  if (all.length && !left.length) return null;
  const who = left.map((m) => m.name);
  return el('span', { class: `badge flag flag-${known ? flag : 'other'}`, 'data-flag': flag,
    text: who.length ? t('flag_who', { flag: label, names: who.join(', ') }) : label });
}

/** What a member's page says of its camera and microphone, and what the others receive. */
function memberMedia(m) {
  const words = [];
  if (DEVICE_STATES.has(m.camera)) words.push(t(`device_camera_${m.camera}`));
  if (DEVICE_STATES.has(m.mic)) words.push(t(`device_mic_${m.mic}`));
  if (m.seen === false && !DEVICE_STATES.has(m.camera)) words.push(t('member_unseen'));
  if (m.heard === false && !DEVICE_STATES.has(m.mic)) words.push(t('member_unheard'));
  return words.length ? el('span', { class: 'member-media small', 'data-testid': 'member-media',
    text: words.join(' · ') }) : null;
}

/** The link as a word (good, fair, poor); the figures in its tooltip and its description. */
function linkWords(m, ice) {
  const quality = linkQuality(m);
  const figures = [ice, t('metric_rtt', { rtt: num(m.rtt_ms) }), t('metric_loss', { loss: percent(m.loss) }),
    t('metric_kbps', { kbps: num(m.kbps) })].join(' · ');
  const id = `link-figures-${m.id}`;
  return el('span', { class: 'member-link small', title: figures, 'aria-describedby': id,
    dataset: { quality: quality || 'unknown' }, 'data-testid': 'link-quality' },
  el('span', { class: `link-word link-${quality || 'unknown'}`, text: t(`link_${quality || 'unknown'}`) }),
  SETTLED_ICE.has(m.ice) ? null : el('span', { class: 'ice', text: ice }),  // not connected: say so
  el('span', { id, hidden: true, text: figures }));
}

function memberRow(m) {
  const ice = ICE.has(m.ice) ? t(`ice_${m.ice}`) : String(m.ice || '–');
  const known = (v) => (typeof v === 'boolean' ? String(v) : '');
  return el('li', { class: 'member', dataset: { id: m.id, online: String(Boolean(m.online)), ice: m.ice || '',
    seen: known(m.seen), heard: known(m.heard) } },
    presenceDot(m.online),
    el('span', { class: 'member-who' },
      el('strong', { text: m.name }),
      m.online ? null : el('span', { class: 'badge badge-offline', 'aria-hidden': 'true', text: t('offline') }),
      m.organization ? el('span', { class: 'muted', text: ` · ${m.organization}` }) : null,
      m.side ? el('span', { class: 'badge', text: m.side }) : null),
    linkWords(m, ice),
    memberMedia(m));
}

/** A room named by its people ("Amélie Durand et Karim Benali"); its id when it has nobody. */
export function roomName(room) {
  const names = (room.members || []).map((m) => m.name).filter(Boolean);
  return names.length ? listOf(names) : t('room_label', { room: room.id });
}

/** One room card (`onJoin(roomId, button)` adds a "join" button). */
export function roomCard(room, onJoin = null) {
  const flags = room.flags || [];
  return el('article', { class: 'room-card', 'data-testid': 'room-card',
    dataset: { room: room.id, flags: flags.join(' ') }, 'data-attention': flags.length > 0 },
  el('header', { class: 'room-card-head' },
    el('h4', {}, roomName(room), el('span', { class: 'muted small room-id', text: ` · ${room.id}` })),
    REASONS.has(room.reason) && room.reason !== 'fill' ? el('span', { class: 'muted small', text: t(`reason_short_${room.reason}`) }) : null),
  flags.length ? el('div', { class: 'flags' }, flags.map((f) => flagBadge(f, room.members || [])).filter(Boolean)) : null,
  el('ul', { class: 'members' }, (room.members || []).map(memberRow)),
  Array.isArray(room.moderators) && room.moderators.length
    ? el('p', { class: 'small in-call', 'data-testid': 'room-moderators',
      text: t('room_moderators', { names: room.moderators.map(staffName).join(', ') }) }) : null,
  onJoin ? el('button', { type: 'button', class: 'secondary small-button', 'data-testid': 'join-room',
    text: t('join_room'), 'aria-label': t('join_room_label', { room: room.id }),
    onclick: (e) => onJoin(room.id, e.currentTarget) }) : null);
}

/**
 * Show `rooms` in `container`: a card that changed is updated in place (its button keeps the
 * focus through every link report), a new one added, a gone one removed (the focus then goes to
 * the next card). `filter(room)` hides cards.
 */
export function renderRooms(container, rooms, { onJoin = null, filter = () => true } = {}) {
  const list = Array.isArray(rooms) ? rooms : [];
  const old = new Map([...container.querySelectorAll('.room-card')].map((n) => [n.dataset.room, n]));
  keepFocus(() => {
    if (list.length === 0) {
      if (!container.querySelector('.empty')) place(container, [el('p', { class: 'muted empty', text: t('board_no_rooms') })]);
      return;
    }
    place(container, list.map((room) => {
      const signature = JSON.stringify(room);
      let card = old.get(room.id);
      if (!card) card = roomCard(room, onJoin);
      else if (card.dataset.signature !== signature) patch(card, roomCard(room, onJoin));
      card.dataset.signature = signature;
      card.hidden = !filter(room);
      return card;
    }));
  });
}

/**
 * The open help requests; `onResolve(participantId, button)` marks one as dealt with. `more`:
 * `me` (this page's label), `onClaim(participantId, button, takeOver)`, `onJoin(roomId, button)`
 * and `onWrite(participantId)` add those buttons.
 */
export function renderHelp(container, help, onResolve, more = {}) {
  const { me = null, onClaim = null, onJoin = null, onWrite = null } = more;
  const list = Array.isArray(help) ? help : [];
  // drawn again only when it changed (a board update comes every second); in place, so that a
  // button keeps the focus, or it goes to the request's next button, the next request, the heading
  const signature = JSON.stringify([list, me && me.id]);
  if (container.dataset.signature === signature) return;
  container.dataset.signature = signature;
  keepFocus(() => update(container, list.length
    ? list.map((h) => helpItem(h, onResolve, { me, onClaim, onJoin, onWrite }))
    : [el('li', { class: 'muted', text: t('help_none') })]));
}

function helpItem(h, onResolve, { me, onClaim, onJoin, onWrite }) {
  const mine = Boolean(me && h.claimed_by && h.claimed_by.id === me.id);
  const taken = Boolean(h.claimed_by) && !mine;
  const where = h.room ? t('room_label', { room: h.room }) : t('room_waiting');
  const button = (key, text, testid, onclick, kind = 'secondary', label = null) => el('button', {
    type: 'button', class: `${kind} small-button`, 'data-testid': testid, text, 'aria-label': label,
    dataset: { key: `${h.participant}:${key}` }, onclick,
  });
  const named = { name: h.name };
  return el('li', { class: 'help-item', 'data-testid': 'help-item',
    dataset: { participant: h.participant, claimed: h.claimed_by ? (mine ? 'mine' : 'other') : '' } },
  el('div', {},
    el('strong', { text: h.name }),
    el('span', { class: 'muted small', text: ` · ${where} · ${t('help_asked_at', { time: timeOfDay(h.at) })}` })),
  HELP_REASONS.has(h.reason) ? el('p', { class: 'help-reason', text: t(`help_reason_${h.reason}`) }) : null,
  h.text ? el('p', { class: 'help-text', text: h.text }) : null,
  h.claimed_by ? el('p', { class: 'help-claim small', 'data-testid': 'help-claimed-by',
    text: mine ? t('help_claimed_by_you') : t('help_claimed_by', { name: staffName(h.claimed_by) }) }) : null,
  el('div', { class: 'inline help-actions' },
    onClaim && !mine ? button(taken ? 'take' : 'claim', taken ? t('help_take_over') : t('help_claim'),
      'claim-help', (e) => onClaim(h.participant, e.currentTarget, taken), taken ? 'secondary' : 'primary',
      t(taken ? 'help_take_over_label' : 'help_claim_label', named)) : null,
    onJoin && h.room ? button('join', t('help_join_call'), 'help-join', (e) => onJoin(h.room, e.currentTarget),
      'secondary', t('help_join_label', named)) : null,
    onWrite ? button('write', t('help_write', named), 'help-write', () => onWrite(h.participant)) : null,
    button('resolve', t('help_resolve'), 'resolve-help', (e) => onResolve(h.participant, e.currentTarget),
      'secondary', t('help_resolve_label', named))));
}

/** Who sits out this round. */
export function renderWaiting(container, waiting) {
  const list = Array.isArray(waiting) ? waiting : [];
  update(container, (list.length
    ? list.map((w) => el('li', { class: 'member', dataset: { online: String(Boolean(w.online)) } },
      presenceDot(w.online),
      el('span', { text: w.name }),
      w.online ? null : el('span', { class: 'badge badge-offline', 'aria-hidden': 'true', text: t('offline') })))
    : [el('li', { class: 'muted', text: t('waiting_none') })]));
}

/** How many rooms have a sound or picture problem (the host's figure). */
export function problemRooms(rooms) {
  return (Array.isArray(rooms) ? rooms : [])
    .filter((r) => (r.flags || []).some((f) => MEDIA_PROBLEMS.has(f))).length;
}
