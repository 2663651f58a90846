/** The participant's page: lobby, room, waiting, break and end screens, all driven by the server. */

import { boot } from './boot.js';
import { dayOf, staffName, t, timeOfDay } from './i18n.js';
import { $, $$, el, say, showStart, watchConnection } from './ui.js';
import { moveFocus } from './focus.js';
import { call, connect } from './socket.js';
import * as clock from './clock.js';
import * as media from './media.js';
import { followMedia } from './media-buttons.js';
import * as health from './health.js';
import { Mesh } from './rtc.js';
import { Preparation, leadIn, upcoming } from './warm.js';
import { feedbackForm, summaryList } from './feedback.js';
import { directory } from './directory.js';
import { myProfile, profileCard } from './profile.js';
import { whyBlock } from './why.js';
import { helpStatus, openHelp, setHelpStatus } from './help.js';
import { ChatPanel } from './chat.js';
import { devicePicker, refresh as refreshDevices } from './devices.js';
import { watchTime } from './cues.js';
import { soundToggle } from './sound.js';
import { askLeave } from './leave.js';
import { startLine } from './lobby.js';
import { draftStorage, olderToRate, pruneDrafts, unrated } from './ratings.js';
import { olderCard, stepForms } from './rate-later.js';
import { takeTabId } from './tab.js';
import { videoName } from './video-names.js';
import { logMessage } from './messages.js';

// A new round's clock comes a moment before our assignment; do not flash "you sit out".
const PAIRING_GRACE_MS = 2000;
const REASONS = new Set(['mutual_wish', 'wish', 'moved', 'repaired']);
const NOTICE_KINDS = new Set([
  'moderator_joining', 'help_resolved', 'no_partner', 'extended', 'help_claimed',
]);
// What someone of the staff wrote: to the room, or to this person alone.
const WRITTEN = new Set(['room_message', 'personal_message']);
// Notices about the screen they came on: they go with it.
const SCREEN_NOTICES = new Set(['extended', 'peer_left', 'peer_back', 'moderator_joining', 'no_partner']);
const WISHED = new Set(['mutual_wish', 'wish']);
const WAIT_CODES = new Set(['late', 'sit_out', 'stopped']);
const BREAK_MS = (Number(boot.event.break_seconds) || 0) * 1000;
const STORE_KEY = `speedmeet:${boot.event.id}:${boot.me.id}`;
// How long media may not arrive before a partner's tile says so (the server's thresholds).
const MEDIA_LIMITS = boot.media || { no_video_ms: 10_000, no_audio_ms: 20_000 };

// This page's id: a reload is the same page, another tab or device with this link is not.
const tab = takeTabId(tabStorage());
const socket = connect('/participant', boot.token, clock.lastSeen, { tab: tab.id });
const ask = (event, payload = {}) => call(socket, event, payload);
const alertArea = $('#alert');
const screenNode = $('#screen');
const remotes = $('[data-testid="remotes"]');

const state = {
  assignment: null,
  assignmentSeq: -1,
  next: null,
  summary: null,
  summaryShown: null,
  screen: 'loading',
  clockAt: 0,
  tilesRoom: null,
  ice: new Map(),       // peer id → state of the call (an ICE state, or 'stalled', 'error')
  online: new Map(),    // peer id → whether their signaling socket is connected
  moderators: [],       // moderators in this room's call: [{id, role, number, name, polite}]
  told: new Map(),      // peer id → what their page says of its camera and mic (peer_media)
  arriving: new Map(),  // peer id → what our page measures arriving from them (health.js)
  mediaSettled: false,
  page: null,           // {here, reason}: whether this page is the one in the meeting (server)
  bye: new Set(),       // peers whose page said it was going away
  leftSaid: new Set(),  // peers we said left the meeting (until they are back)
  chatMeeting: null,    // what a saved chat is headed with: {title, round, people}
  olderRound: null,     // the break whose earlier unrated meetings were asked for (to_rate)
  memory: recall(),     // survives a reload: {meeting, rated, stopped}
};

function tabStorage() {
  try {
    return window.sessionStorage;
  } catch {
    return null;
  }
}

function recall() {
  try {
    return JSON.parse(sessionStorage.getItem(STORE_KEY)) || {};
  } catch {
    return {};
  }
}

function remember() {
  try {
    sessionStorage.setItem(STORE_KEY, JSON.stringify(state.memory));
  } catch {
    // private mode: the page still works, it just forgets on reload
  }
}

// --- calls -------------------------------------------------------------------------------------

const mesh = new Mesh({
  send: (to, data) => ask('signal', { to, data }),
  report: (stats) => {
    const report = { ...stats, ...health.devices(media.state()) };
    if (socket.connected) ask('stats', report).catch((err) => console.warn('speedmeet: stats', err.message));
  },
  hooks: {
    track: showRemote,
    screen: showScreen,
    state: (id, link) => {
      state.ice.set(id, link);
      tileStatus(id);
    },
    error: (id, err) => {
      console.warn('speedmeet: call with', id, err);
      // A stale candidate can fail on a working call; only a call that is not up shows it.
      if (!['connected', 'completed', 'stalled'].includes(state.ice.get(id))) {
        state.ice.set(id, 'error');
        tileStatus(id);
      }
    },
    media: (id, arriving) => {
      state.arriving.set(id, arriving);
      tileStatus(id);
    },
    bye: (id) => {
      state.bye.add(id);
      tileStatus(id);
    },
  },
});

// The next round's calls, prepared in the lobby and the breaks (warm.js): taken over by
// `mesh.enter` at the round's start when the assignment names the same partner.
const warm = new Preparation({ send: (to, data, round) => ask('signal', { to, data, next: round }), mesh });
mesh.prepared = warm;

// --- the room's chat, screen sharing, devices --------------------------------------------------

const chat = new ChatPanel({
  root: $('#chat'),
  button: $('#chat-button'),
  send: (room, text) => ask('chat', { room, text }),
  nameOf: (m) => (m.staff ? staffName(m.staff) : peerName(m.from)),
  context: () => state.chatMeeting || {},
  maxChars: Number(boot.chat_max_chars) || 1000,
});

/** A new room: a new conversation (the last one is gone, saved or not). */
function chatFor(a) {
  if (chat.room === a.room) return;
  chat.reset(a.room);
  state.chatMeeting = { title: boot.event.title, round: a.round, people: a.peers.map((p) => p.name) };
}

/** Tell screen readers (politely) what changed in the call. */
function announce(text) {
  const node = $('[data-testid="share-status"]');
  node.textContent = '';
  setTimeout(() => { node.textContent = text; }, 50);
}

/** A peer shares a screen (or stopped): their tile is shown large. */
function showScreen(id, on) {
  const tile = $$('.tile.remote', remotes).find((n) => n.dataset.peer === id);
  if (!tile) return;
  const was = tile.dataset.screen === 'on';
  tile.dataset.screen = on ? 'on' : 'off';
  const caption = tile.querySelector('figcaption');
  const badge = caption.querySelector('.badge-screen');
  if (on && !badge) caption.append(el('span', { class: 'badge badge-screen', text: t('share_badge') }));
  if (!on && badge) badge.remove();
  remotes.dataset.screen = String($$('.tile.remote[data-screen="on"]', remotes).length > 0);
  if (was !== on && state.screen === 'room') {
    announce(t(on ? 'share_peer' : 'share_peer_stopped', { name: peerName(id) }));
  }
}

function renderShare() {
  const sharing = Boolean(media.screenTrack());
  for (const b of $$('[data-action="share"]')) {
    b.hidden = !media.canShareScreen();
    b.setAttribute('aria-pressed', String(sharing));
    (b.querySelector('.label') || b).textContent = sharing ? t('share_stop') : t('share_start');
  }
}

async function toggleShare() {
  if (media.screenTrack()) {
    media.stopScreen();
    return;
  }
  try {
    await media.startScreen();
  } catch (err) {
    // the person chose not to share: nothing to say
    if (err.name !== 'NotAllowedError' && err.name !== 'AbortError') say(alertArea, t('share_failed'), 'error');
  }
}

media.onScreen((track) => {
  mesh.shareScreen(track);
  const self = $('[data-view="room"] [data-testid="local-video"]');
  self.srcObject = track ? new MediaStream([track]) : media.getStream();
  self.classList.toggle('mirror', !track);
  $('[data-testid="self-tile"]').dataset.screen = track ? 'on' : 'off';
  renderShare();
  announce(t(track ? 'share_started' : 'share_stopped'));
});

// A camera or microphone chosen mid-call: the calls swap the track (no renegotiation).
media.onTrack((kind, track) => {
  const stream = media.getStream();
  mesh.setStream(stream);
  const sent = mesh.replaceTrack(kind, track);
  for (const video of $$('[data-testid="local-video"]')) {
    if (media.screenTrack() && video.closest('[data-view="room"]')) continue;
    video.srcObject = null;
    video.srcObject = stream;
  }
  return sent;
});

function toggleDevices(open) {
  const panel = $('#room-devices');
  const button = $('[data-action="devices"]');
  const show = typeof open === 'boolean' ? open : panel.hidden;
  panel.hidden = !show;
  button.setAttribute('aria-expanded', String(show));
  if (show) $('select', panel).focus();
  else button.focus();
}
$('#room-devices').addEventListener('keydown', (event) => {
  if (event.key === 'Escape') {
    event.preventDefault();
    toggleDevices(false);
  }
});

function videoOf(id) {
  return $$('[data-testid="remote-video"]', remotes).find((v) => v.dataset.peer === id) || null;
}

function showRemote(id, stream) {
  const video = videoOf(id);
  if (!video) return;
  if (video.srcObject !== stream) video.srcObject = stream;
  play(video);
}

function play(video) {
  video.play().then(
    () => { $('[data-action="play"]').hidden = true; },
    (err) => { if (err.name === 'NotAllowedError') $('[data-action="play"]').hidden = false; },
  );
}

function peerName(id) {
  const peer = state.assignment && (state.assignment.peers || []).find((p) => p.id === id);
  if (peer) return peer.name;
  const staff = state.moderators.find((m) => m.id === id);
  return staff ? staffName(staff) : id;
}

function tileStatus(id) {
  const tile = $$('.tile.remote', remotes).find((n) => n.dataset.peer === id);
  if (!tile) return;
  const name = peerName(id);
  const ice = state.ice.get(id) || 'new';
  // Media flows peer to peer: while it does, their signaling socket coming and going is no news.
  const away = state.online.get(id) === false;
  const left = partnerLeft(id);
  let text = '';
  if (left) text = t('peer_left', { name });
  else if (ice === 'connected' || ice === 'completed') text = '';
  else if (ice === 'relay_refused') text = t('link_relay_refused');
  else if (ice === 'disconnected' || ice === 'stalled') {
    text = away ? t('link_peer_unstable', { name }) : t('link_unstable');
  } else if (away) text = t('link_peer_left', { name });
  else if (ice === 'new' || ice === 'checking') text = t('link_connecting', { name });
  else if (ice === 'failed' || ice === 'error') text = t('link_failed');
  // The call is up: say what does not come through, and why when their page told us.
  const told = state.told.get(id);
  const problems = health.problems(told && told.room === state.tilesRoom ? told : null,
    state.arriving.get(id) || null, MEDIA_LIMITS);
  if (!text) text = problems.map((key) => t(key, { name })).join('\n');
  const status = tile.querySelector('.tile-status');
  status.textContent = text;
  status.hidden = !text;
  tile.dataset.ice = ice;
  tile.dataset.media = problems.join(' ');
  tile.dataset.left = String(left);
  if (left && !state.leftSaid.has(id)) {
    state.leftSaid.add(id);
    peerNotice('peer_left', name);
  }
}

/**
 * Whether a partner (not a moderator) left the meeting: their page said goodbye, or their
 * signaling socket is gone and the call is not up (a socket that drops while media flows is
 * no news: it comes back by itself).
 */
function partnerLeft(id) {
  const a = state.assignment;
  if (!a || !(a.peers || []).some((p) => p.id === id)) return false;
  if (state.bye.has(id)) return true;
  const ice = state.ice.get(id) || 'new';
  return state.online.get(id) === false && ice !== 'connected' && ice !== 'completed';
}

/** A partner left (the notice stays until they are back or the meeting ends) or is back. */
function peerNotice(kind, name) {
  const box = $('#notice');
  const text = kind === 'peer_left' ? `${t('peer_left', { name })} ${t('peer_left_hint')}` : t(kind, { name });
  box.querySelector('.notice-from').textContent = '';
  box.querySelector('.notice-text').textContent = text;
  box.dataset.kind = kind;
  box.hidden = false;
  logMessage(text, 'notice');
}

/** A partner's signaling came back: if we said they left, say they are back. */
function partnerBack(id) {
  state.bye.delete(id);
  const kind = $('#notice').dataset.kind;
  if (state.leftSaid.delete(id)) peerNotice('peer_back', peerName(id));
  else if (kind === 'no_partner') hideNotice();  // they came after all
}

function remoteTile(peer) {
  return el('figure', { class: 'tile remote', dataset: { peer: peer.id } },
    el('video', { 'data-testid': 'remote-video', 'data-peer': peer.id, autoplay: true, playsinline: true,
      'aria-label': videoName(peer.name, peer.organization) }),
    el('p', { class: 'video-overlay tile-status', text: t('link_connecting', { name: peer.name }) }),
    el('figcaption', {},
      el('strong', { class: 'tile-name', 'data-testid': 'partner-name', text: peer.name }),
      peer.organization ? el('span', { class: 'tile-org', text: peer.organization }) : null,
      peer.side ? el('span', { class: 'badge', text: peer.side }) : null));
}

/** The tile of a moderator in our call: labelled as such. */
function moderatorTile(staff) {
  const name = staffName(staff);
  return el('figure', { class: 'tile remote moderator', dataset: { peer: staff.id, role: 'moderator' },
    'data-testid': 'moderator-tile' },
  el('video', { 'data-testid': 'remote-video', 'data-peer': staff.id, 'data-role': 'moderator',
    autoplay: true, playsinline: true, 'aria-label': videoName(name) }),
  el('p', { class: 'video-overlay tile-status', text: t('link_connecting', { name }) }),
  el('figcaption', {},
    el('strong', { class: 'tile-name', text: name }),
    el('span', { class: 'badge badge-staff', text: t('moderator_badge') })));
}

/** Tiles for this room's peers (and moderators in the call); tiles still wanted keep their video. */
function renderRoom(a) {
  if (state.tilesRoom !== a.room) {
    remotes.replaceChildren();
    state.ice.clear();
    state.online.clear();
    state.arriving.clear();
    state.bye.clear();
    state.leftSaid.clear();
    state.tilesRoom = a.room;
  }
  const wanted = new Set([...a.peers, ...state.moderators].map((p) => p.id));
  for (const tile of $$('.tile.remote', remotes)) if (!wanted.has(tile.dataset.peer)) tile.remove();
  const present = new Set($$('.tile.remote', remotes).map((n) => n.dataset.peer));
  for (const peer of a.peers) if (!present.has(peer.id)) remotes.append(remoteTile(peer));
  for (const staff of state.moderators) {
    if (!present.has(staff.id)) remotes.append(moderatorTile(staff));
    else {
      const label = $$('.tile.moderator', remotes).find((n) => n.dataset.peer === staff.id);
      if (label) {
        label.querySelector('.tile-name').textContent = staffName(staff);
        label.querySelector('video').setAttribute('aria-label', videoName(staffName(staff)));
      }
    }
  }
  remotes.dataset.count = String(a.peers.length + state.moderators.length);
  for (const peer of [...a.peers, ...state.moderators]) tileStatus(peer.id);
  renderPartnerCards(a.peers);
  const reason = $('[data-view="room"] .reason');
  const text = reasonText(a.peers, a.reason, 'reason');
  reason.hidden = !text;
  reason.textContent = text;
}

/** The partners' cards beside their videos (drawn again only when the people change). */
function renderPartnerCards(peers) {
  const box = $('[data-testid="partner-cards"]');
  const key = JSON.stringify(peers.map((p) => [p.id, p.photo, p.pitch, p.label, p.website, p.tags, p.why]));
  if (box.dataset.key === key) return;
  box.dataset.key = key;
  box.replaceChildren(...peers.map((p) => el('div', { class: 'card' }, profileCard(p, { heading: 'h3' }), whyBlock(p.why))));
}

/**
 * Why these people meet. In a room of two, the room's reason; in a room of three, each pair's
 * own (one pair's wish is not the third person's). `prefix`: `reason` (now) or `reason_next`.
 */
function reasonText(peers, reason, prefix) {
  if (peers.length < 2) return REASONS.has(reason) ? t(`${prefix}_${reason}`) : '';
  const parts = [t(`${prefix}_trio`)];
  if (reason === 'moved' || reason === 'repaired') parts.push(t(`${prefix}_${reason}`));
  for (const p of peers) {
    if (WISHED.has(p.reason)) parts.push(t(`reason_pair_${p.reason}`, { name: p.name }));
  }
  return parts.join(' ');
}

function inRoom(c, a) {
  return Boolean(here() && c && c.phase === 'round' && a && a.round === c.round && a.room);
}

/** Whether this page is the one in the meeting (not before the server said so). */
function here() {
  return Boolean(state.page && state.page.here);
}

function syncCall(c, a) {
  if (!inRoom(c, a)) {
    if (mesh.room) mesh.leave();
    media.stopScreen();  // the meeting is over: so is the sharing
    if (!chat.closed) chat.end();
    if (c && c.phase === 'round' && state.chatMeeting && state.chatMeeting.round !== c.round) {
      chat.reset(null);  // a new round: the last meeting's conversation is gone
      chat.end();
      state.chatMeeting = null;
    }
    for (const tile of $$('.tile.moderator', remotes)) tile.remove();  // their call ended with it
    return;
  }
  chatFor(a);
  // Moderators in the call are extra peers: called like the others, left out of the link report.
  const extra = state.moderators.map((m) => ({ ...m, extra: true }));
  if (state.mediaSettled) mesh.enter({ ...a, peers: [...a.peers, ...extra] });  // else: once the camera answered
}

/**
 * Prepare the calls of the next-round card (lobby, breaks), with the camera known; at a round's
 * start, once its assignment was entered (`syncCall` took over what it could), close the rest.
 */
function syncWarm(c, a) {
  if (!here() || !state.mediaSettled) {
    warm.prepare(null);
    return;
  }
  const assigned = a && c && a.round === c.round;
  if (c && c.phase === 'round' && warm.round === c.round && !assigned
      && Date.now() - state.clockAt < PAIRING_GRACE_MS) return;  // its assignment is on the way
  warm.prepare(upcoming(state.next, c));
  warm.lead(warm.round === null ? null : leadIn(c, clock.remaining(c)));
}

// --- screens -----------------------------------------------------------------------------------

function screenFor(c, a) {
  if (state.page && !state.page.here) return 'elsewhere';
  if (!c) return 'loading';
  if (c.phase === 'round') {
    if (a && a.round === c.round) return a.room ? 'room' : 'waiting';
    if (Date.now() - state.clockAt < PAIRING_GRACE_MS) {
      setTimeout(update, PAIRING_GRACE_MS);
      return state.screen;
    }
    return 'waiting';
  }
  return ['lobby', 'break', 'ended'].includes(c.phase) ? c.phase : 'loading';
}

function update() {
  const c = clock.currentClock();
  const a = state.assignment;
  const screen = screenFor(c, a);
  const previous = state.screen;
  let kept = false;
  if (screen !== state.screen) {
    const typing = typingRating();
    // "+1 min to this round", "Karim left", "a moderator is joining" say nothing of the next screen
    if (SCREEN_NOTICES.has($('#notice').dataset.kind)) hideNotice();
    state.screen = screen;
    screenNode.dataset.screen = screen;
    for (const view of $$('[data-view]', screenNode)) view.hidden = view.dataset.view !== screen;
    for (const node of $$('.rating-carry', screenNode)) node.remove();
    kept = carryRating(typing, screen);
  }
  if (c) renderClockTexts(c);
  if (screen === 'room') renderRoom(a);
  if (screen === 'elsewhere') renderElsewhere();
  if (screen === 'waiting') renderWaiting();
  if (screen === 'lobby') renderLobbyStart();
  if (screen === 'break') renderBreakFeedback(c);
  if (screen === 'ended') {
    hideNotice();
    renderEnded();
    if (helpStatus()) setHelpStatus(null);  // open requests close with the event
  }
  if (screen !== previous) screenChanged(previous, screen, c, a, kept);
  syncCall(c, a);
  syncWarm(c, a);
  // what was said in the last meeting, until the next one: saved by the person, or gone
  $('[data-testid="chat-saved"]').hidden = !(screen === 'break' && chat.closed && chat.messages.length);
}

/** The page is not the one in the meeting: why, and the button that makes it the one. */
function renderElsewhere() {
  const taken = state.page && state.page.reason === 'taken';
  const view = $('[data-view="elsewhere"]');
  view.dataset.reason = taken ? 'taken' : 'elsewhere';
  $('h2', view).textContent = t(taken ? 'page_taken_title' : 'page_elsewhere_title');
  $('.elsewhere-text', view).textContent = t(taken ? 'page_taken_text' : 'page_elsewhere_text');
  $('[data-action="take"]', view).textContent = t(taken ? 'page_take_back' : 'page_continue');
}

/** This page is no longer the one in the meeting: its call ends and the camera is let go. */
function release() {
  warm.prepare(null);
  if (mesh.room) mesh.leave();
  media.stop();
  state.mediaSettled = false;
  mesh.setStream(null);
  for (const video of $$('[data-testid="local-video"]')) video.srcObject = null;
  state.assignment = null;
  state.tilesRoom = null;
  remotes.replaceChildren();
}

async function takePage() {
  try {
    await ask('take', {});  // the server's `page` says when it is ours
  } catch (err) {
    say(alertArea, err.message, 'error');
  }
}

/** What a screen reader says of a new screen. */
function screenText(screen, c, a, heading) {
  if (screen === 'room' && a && Array.isArray(a.peers) && a.peers.length) {
    return t('screen_room', { round: a.round, rounds: c.rounds, names: a.peers.map((p) => p.name).join(', ') });
  }
  if (screen === 'break') return t('screen_break', { round: c.round, next: c.round + 1, rounds: c.rounds });
  if (screen === 'waiting') return `${heading.textContent} ${$('.waiting-text', heading.closest('[data-view]')).textContent}`;
  if (screen === 'ended') return `${t('ended_text')} ${t('ended_title')}`;
  return heading.textContent;
}

/**
 * The screen changed: said politely, and the focus goes to the new heading, so that a keyboard
 * or a screen reader starts from there (unless a dialog is open). A page's first screen is said
 * only when it lands in a round (a late arrival, a reload): the lobby or a break reads as a page.
 * A round's end is said once, by the clock's cue (cues.js): not here too, and the focus moves
 * then only if it went with the room. `kept`: the focus stayed in a rating being typed.
 */
function screenChanged(previous, screen, c, a, kept = false) {
  if (screen === 'loading') return;
  if (previous === 'loading' && screen !== 'room' && screen !== 'waiting') return;
  const heading = $(`[data-view="${screen}"] h2`);
  const roundOver = (previous === 'room' || previous === 'waiting') && (screen === 'break' || screen === 'ended');
  if (!roundOver) {
    const node = $('#screen-status');
    const text = screenText(screen, c, a, heading);
    node.textContent = '';
    setTimeout(() => { node.textContent = text; }, 50);
  }
  if (kept || document.querySelector('dialog[open]')) return;
  if (roundOver && !focusLost()) return;
  heading.focus();
}

/** Whether the focus is nowhere (on the body) or on something no longer shown. */
function focusLost() {
  const active = document.activeElement;
  return !active || active === document.body || !active.isConnected || active.closest('[hidden]') !== null;
}

/** The break's rating form someone is typing in, with the field and caret: {form, field, from, to}. */
function typingRating() {
  const field = document.activeElement;
  const form = field && field.closest ? field.closest('[data-view="break"] form.feedback') : null;
  if (!form || form.dataset.dirty !== 'true') return null;  // typed in, not saved yet
  const text = typeof field.selectionStart === 'number';
  return { form, field, from: text ? field.selectionStart : null, to: text ? field.selectionEnd : null };
}

/**
 * The round starts while someone types their rating (a slower person, a long note): the form
 * goes with them to the room (or the waiting screen), the focus and the caret where they were,
 * until the next screen. Whether it went (else the new screen's heading takes the focus).
 */
function carryRating(typing, screen) {
  const view = typing && ['room', 'waiting'].includes(screen) ? $(`[data-view="${screen}"]`) : null;
  const column = view && view.querySelector('.side, .stack');
  if (!column) return false;
  column.append(el('div', { class: 'card rating-carry', 'data-testid': 'rating-carry' }, typing.form));
  typing.field.focus();
  if (typing.from !== null) typing.field.setSelectionRange(typing.from, typing.to);
  return true;
}

/** Whether I asked not to be paired: the server says so in every assignment. */
function stopped() {
  const a = state.assignment;
  return a && typeof a.stopped === 'boolean' ? a.stopped : Boolean(state.memory.stopped);
}

function renderClockTexts(c) {
  const round = t('round_of', { round: c.round, rounds: c.rounds });
  for (const node of $$('.room-round')) node.textContent = round;
  for (const node of $$('.paused-label')) node.hidden = !c.paused;
  $('[data-testid="doors"]').textContent = c.opened ? t('lobby_open') : t('lobby_closed');
  $('.break-next').textContent = t('break_next', { round: c.round + 1, rounds: c.rounds });
  for (const node of $$('[data-action="stop"]')) node.hidden = stopped();
  for (const node of $$('[data-action="rejoin"]')) node.hidden = !stopped() || c.phase === 'ended';
}

/** The lobby's word on the announced start: its time, and a countdown to it on the day. */
function renderLobbyStart() {
  const c = clock.currentClock();
  const said = c && c.phase === 'lobby' ? startLine(boot.event.starts_at, clock.serverNow(), Boolean(c.opened)) : null;
  const text = said ? t(said.key, { time: timeOfDay(boot.event.starts_at), date: dayOf(boot.event.starts_at) }) : '';
  showStart($('[data-testid="starts-at"]'), $('[data-testid="start-countdown"]'), said, text, clock.format);
}

/** Why I wait, as the server said: {code, next_round} (a page of an older server: sit_out). */
function waitInfo(c) {
  const a = state.assignment;
  const wait = a && a.round === c.round && a.wait && typeof a.wait === 'object' ? a.wait : {};
  let code = WAIT_CODES.has(wait.code) ? wait.code : 'sit_out';
  if (stopped()) code = 'stopped';
  const next = 'next_round' in wait ? wait.next_round : (c.round < c.rounds ? c.round + 1 : null);
  return { code, next };
}

/** The waiting screen: why, and when the next round starts (or that none follows). */
function renderWaiting() {
  const c = clock.currentClock();
  if (!c || c.phase !== 'round') return;
  const { code, next } = waitInfo(c);
  const view = $('[data-view="waiting"]');
  view.dataset.wait = code;
  view.dataset.last = String(next === null);
  $('.waiting-title', view).textContent = t(`waiting_title_${code}`);
  $('.waiting-text', view).textContent = t(`waiting_${code}`);
  const left = clock.remaining(c);
  const until = left === null ? null : left + (next === null ? 0 : BREAK_MS);
  const at = until === null || c.paused ? '' : timeOfDay(Date.now() + until);
  let key;
  if (next === null) key = c.paused ? 'waiting_last_paused' : 'waiting_last_round';
  else key = c.paused ? 'waiting_next_paused' : 'waiting_next_round';
  const line = $('.waiting-next', view);
  const text = t(key, { round: next ?? c.round, time: at });
  if (line.textContent !== text) line.textContent = text;
  const countdown = $('[data-testid="next-countdown"]', view);
  const shown = clock.format(until);
  if (countdown.textContent !== shown) countdown.textContent = shown;
  countdown.dataset.remainingMs = String(until === null ? 0 : Math.round(until));
  countdown.dataset.state = c.paused ? 'paused' : 'running';
  // the card of the next round, and wishes for it, only if there is one and I take part
  for (const node of $$('.next-card, .wishes-slot', view)) node.hidden = next === null || code === 'stopped';
}

function reasonLine(peers, reason) {
  const text = reasonText(peers, reason, 'reason_next');
  return text ? el('p', { class: 'reason', text }) : null;
}

function renderNext() {
  const c = clock.currentClock();
  // a card of a round already begun or played says nothing of the next one
  const n = state.next && !(c && state.next.round <= c.round) ? state.next : null;
  for (const card of $$('.next-card')) {
    card.querySelector('.next-title').textContent =
      n && n.round ? t('next_title_round', { round: n.round }) : t('next_title');
    const body = card.querySelector('.next-body');
    if (!n || !Array.isArray(n.peers) || n.peers.length === 0) {
      body.replaceChildren(el('p', { class: 'muted', text: t('next_unknown') }));
    } else {
      const parts = [
        el('ul', { class: 'plain-list' }, n.peers.map((p) => el('li', {}, profileCard(p, { heading: 'h4' }), whyBlock(p.why, 'h5')))),
        reasonLine(n.peers, n.reason),
        el('p', { class: 'muted small', text: t('next_may_change') }),
      ];
      body.replaceChildren(...parts.filter(Boolean));
    }
  }
}

const sendFeedback = (values) => ask('feedback', values);

const ratedKey = (values) => (values.peer ? `${values.room}:${values.peer}` : values.room);

function markRated(values) {
  state.memory.rated = { ...(state.memory.rated || {}), [ratedKey(values)]: values };
  remember();
}

/** One form per person met: in a room of three, each is rated on their own. */
function renderBreakFeedback(c) {
  const slot = $('[data-view="break"] .feedback-slot');
  const m = state.memory.meeting;
  const room = m && m.round === c.round ? m.room : '';
  renderOlder(c, room);
  if (slot.dataset.room === room) return;
  slot.dataset.room = room;
  if (!room) {
    slot.replaceChildren();
    return;
  }
  const rated = state.memory.rated || {};
  slot.replaceChildren(...m.peers.map((p) => {
    const given = rated[`${room}:${p.id}`] || (m.peers.length === 1 ? rated[room] : null) || {};
    const meeting = { room, peer: p.id, peers: [p], ...given };
    return el('div', { class: 'card' }, feedbackForm(meeting, sendFeedback, markRated));
  }));
}

/** Earlier meetings not rated yet, asked of the server once per break, folded under the break's form. */
async function renderOlder(c, current) {
  const slot = $('[data-view="break"] .rate-older-slot');
  if (state.olderRound === c.round) return;
  state.olderRound = c.round;
  try {
    const { meetings } = await ask('to_rate', {});
    const card = olderCard(olderToRate(meetings, current), sendFeedback, markRated);
    slot.replaceChildren(...(card ? [card] : []));
  } catch (err) {
    state.olderRound = null;  // asked again at the next update
    console.warn('speedmeet: to_rate', err.message);
  }
}

/**
 * The end: first a short step with every meeting not rated yet (most recent first; it can be
 * skipped), then the summary, kept up to date as the server sends it again.
 */
function renderEnded() {
  if (!state.summary) return;
  const step = $('[data-testid="rating-step"]');
  if (!state.memory.stepDone && !step.dataset.built) {
    const todo = unrated(state.summary);
    if (todo.length) {
      $('.rating-step-forms', step).replaceChildren(...stepForms(todo, sendFeedback, markRated));
      step.dataset.built = 'true';
    }
  }
  const stepShown = Boolean(step.dataset.built) && !state.memory.stepDone;
  step.hidden = !stepShown;
  $('[data-testid="ended-summary"]').hidden = stepShown;
  if (!stepShown) renderSummary();
}

function finishRatingStep() {
  state.memory.stepDone = true;
  remember();
  renderEnded();
  $('#summary-title').focus();
}

function renderSummary() {
  if (!state.summary || state.summaryShown === state.summary) return;
  const box = $('[data-testid="summary"]');
  // a form being filled in stays as it is: the summary is drawn again once it is sent
  if (box.querySelector('form[data-dirty="true"]')) return;
  state.summaryShown = state.summary;
  // drawn anew: a focus that was in it (a rating just saved) goes to its heading, not <body>
  const inside = box.contains(document.activeElement);
  box.replaceChildren(summaryList(state.summary, async (values) => {
    await sendFeedback(values);
    markRated(values);
  }));
  if (inside) moveFocus($('#summary-title'));
}

function hideNotice() {
  $('#notice').hidden = true;
}

/** A notice's words: a status note from its kind and params, else the text someone wrote. */
function noticeText(n, name) {
  if (n.kind === 'extended') {
    const seconds = Number(n.params && n.params.seconds) || 0;
    const duration = seconds % 60 === 0
      ? t('duration_minutes', { minutes: seconds / 60 })
      : t('duration_seconds', { seconds });
    const phase = n.params && n.params.phase === 'break' ? 'break' : 'round';
    return t(`notice_extended_${phase}`, { duration });
  }
  return NOTICE_KINDS.has(n.kind) ? t(`notice_${n.kind}`, { name }) : String(n.text || '');
}

/**
 * A notice stays until it is closed, replaced, or its screen goes (nothing read fades under a
 * slow reader), and the page's messages keep it; one already past its `expires_at` (server
 * time) when it comes (a page opened later) is old news, not shown.
 */
function showNotice(n) {
  if (!n || typeof n !== 'object') return;
  const known = NOTICE_KINDS.has(n.kind);
  if (typeof n.expires_at === 'number' && n.expires_at <= clock.serverNow()) return;
  const box = $('#notice');
  const name = staffName(n.by);
  let from = known ? '' : t(n.from === 'moderator' ? 'notice_from_moderator' : 'notice_from_host');
  if (WRITTEN.has(n.kind)) from = t(`notice_from_${n.kind}`, { name });
  box.querySelector('.notice-from').textContent = from;
  box.querySelector('.notice-text').textContent = noticeText(n, name);
  if (n.kind === 'help_claimed') setHelpStatus({ by: n.by || null });
  if (n.kind === 'help_resolved') setHelpStatus(null);
  box.dataset.kind = n.kind || n.from || '';
  box.hidden = false;
  logMessage([from, noticeText(n, name)].filter(Boolean).join(' '), 'notice');
}

// --- buttons -----------------------------------------------------------------------------------

function askHelp() {
  openHelp((request) => ask('help', request));
}

async function rejoin() {
  try {
    await ask('rejoin', {});
    state.memory.stopped = false;
    remember();
    say(alertArea, t('rejoin_done'), 'success');
    update();
  } catch (err) {
    say(alertArea, err.message, 'error');
  }
}

/** "I have to leave" (asked first): no meeting is offered any more; a meeting in progress goes on. */
function stopMeeting() {
  askLeave(leave, state.screen === 'room');
}

async function leave() {
  try {
    await ask('stop', {});
    state.memory.stopped = true;
    remember();
    say(alertArea, t('stop_done'), 'success');
    update();
  } catch (err) {
    say(alertArea, err.message, 'error');
  }
}

const ACTIONS = {
  mute: () => media.toggleMute(),
  camera: () => media.toggleCamera(),
  help: askHelp,
  stop: stopMeeting,
  leave: stopMeeting,
  rejoin,
  play: () => $$('[data-testid="remote-video"]', remotes).forEach(play),
  share: toggleShare,
  devices: () => toggleDevices(),
  'devices-close': () => toggleDevices(false),
  'save-chat': () => chat.save(),
  'rating-step-done': finishRatingStep,
  take: takePage,
};

document.addEventListener('click', (event) => {
  const button = event.target.closest('[data-action]');
  if (button && ACTIONS[button.dataset.action]) ACTIONS[button.dataset.action]();
});
$('#notice-close').addEventListener('click', hideNotice);

// --- start -------------------------------------------------------------------------------------

const people = directory(ask);
for (const slot of $$('.wishes-slot')) slot.append(people.card());
const mine = myProfile({ ...boot.me }, ask, () => {
  const c = clock.currentClock();
  return !c || c.phase === 'lobby';
});
for (const slot of $$('.my-profile-slot')) slot.append(mine.node);
clock.onClock(() => mine.refresh());
for (const slot of $$('.devices-slot')) slot.append(devicePicker((text) => say(alertArea, text, 'error')));
followMedia();
media.onChange(() => mesh.reportSoon());  // a camera turned off reaches the partner at once
function showMediaError(text) {
  for (const node of $$('.media-error')) {
    node.textContent = text;
    node.hidden = false;
  }
}

renderShare();

/** Ask for the camera and microphone (once this page is the one in the meeting). */
function startMedia() {
  media.start()
    .then((stream) => {
      if (!here()) {
        media.stop();  // another page took over while the camera was asked for
        return;
      }
      for (const video of $$('[data-testid="local-video"]')) video.srcObject = stream;
      // One device only (the other blocked or missing): say which, on the picture of ourselves.
      const s = media.state();
      if (s.videoError || s.audioError) showMediaError(t(s.hasAudio ? 'media_only_audio' : 'media_only_video'));
      refreshDevices();  // their names are known once the camera is allowed
    })
    .catch((err) => {
      const text = t(media.errorKey(err));
      showMediaError(text);
      say(alertArea, text, 'error');
    })
    .finally(() => {
      if (!here()) return;
      state.mediaSettled = true;
      mesh.setStream(media.getStream());
      update();
    });
}

socket.on('connect', () => { state.assignmentSeq = -1; });  // see clock.keepInSync
// One page per person: the server says whether this one is in the meeting (see tab.js).
socket.on('page', (p) => {
  if (!p || typeof p.here !== 'boolean') return;
  const was = here();
  state.page = { here: p.here, reason: String(p.reason || '') };
  if (p.here && !was) startMedia();
  if (!p.here && (was || state.mediaSettled)) release();
  update();
});
// Going away (closed, reloaded, another site): the partner is told at once; the tab's id is
// left for this tab's next page (a reload is this page again).
window.addEventListener('pagehide', () => {
  tab.keep();
  if (mesh.room) mesh.goodbye();
  warm.close();
  socket.disconnect();
});
window.addEventListener('pageshow', (event) => {
  if (event.persisted) socket.connect();  // back from the browser's cache
});
socket.on('clock', (c) => {
  if (clock.applyClock(c)) {
    state.clockAt = Date.now();
    update();
  }
});
socket.on('assignment', (a) => {
  if (!a || typeof a !== 'object') return;
  if (typeof a.seq === 'number') {
    if (a.seq < state.assignmentSeq) return;
    state.assignmentSeq = a.seq;
  }
  a.peers = Array.isArray(a.peers) ? a.peers : [];
  // A round that starts or ends moves everyone: the assignment carries the new clock.
  if (a.clock && clock.applyClock(a.clock)) state.clockAt = Date.now();
  state.assignment = a;
  if (here() && state.mediaSettled) warm.begin(a);  // the prepared call sends before the room is drawn
  state.moderators = a.room && Array.isArray(a.moderators) ? a.moderators : [];
  const c = clock.currentClock();
  if (a.room && a.peers.length) {
    const peers = a.peers.map(({ id, name, organization, side }) => ({ id, name, organization, side }));
    state.memory.meeting = { room: a.room, round: a.round, peers };
    remember();
  } else if (c && c.phase === 'round' && state.memory.meeting && state.memory.meeting.round === a.round) {
    // Taken out of this round's meeting (the partner never came): nothing to rate for it.
    delete state.memory.meeting;
    remember();
  }
  update();
});
socket.on('next', (n) => {
  state.next = n;
  renderNext();
  syncWarm(clock.currentClock(), state.assignment);
});
// a signal of a call prepared for the next round says so (`next`)
socket.on('signal', (m) => (m && m.next ? warm.onSignal(m) : mesh.onSignal(m)));
socket.on('chat', (m) => chat.receive(m));
socket.on('peer', (m) => {
  if (!m || typeof m.id !== 'string') return;
  state.online.set(m.id, Boolean(m.online));
  if (m.online) partnerBack(m.id);
  mesh.onPeer(m);
  tileStatus(m.id);
});
socket.on('peer_media', (m) => {
  if (!m || typeof m.id !== 'string') return;
  state.told.set(m.id, m);
  tileStatus(m.id);
});
socket.on('notice', showNotice);
// A moderator joined or left our room's call (their page calls us: we are the polite side).
socket.on('moderator', (m) => {
  const a = state.assignment;
  if (!m || typeof m !== 'object' || !m.staff || !a || m.room !== a.room) return;
  const others = state.moderators.filter((x) => x.id !== m.staff.id);
  state.moderators = m.joined ? [...others, { ...m.staff, polite: m.polite !== false }] : others;
  update();
});
socket.on('summary', (s) => {
  state.summary = s;
  update();
});
pruneDrafts(draftStorage(), Date.now());  // ratings typed and never saved, long ago
watchConnection(socket, (message) => say(alertArea, message || t('error_bad_link'), 'error'));
clock.keepInSync(socket);
clock.startRenderer();
soundToggle($('#sound-toggle'));
watchTime();
setInterval(() => {
  if (state.screen === 'waiting') renderWaiting();
  if (state.screen === 'lobby') renderLobbyStart();
}, 250);
// Leaving (or reloading) during a meeting: the browser asks first, unless I said I leave.
window.addEventListener('beforeunload', (event) => {
  if (state.screen !== 'room' || stopped()) return;
  event.preventDefault();
  event.returnValue = '';
});
clock.onClock(renderNext);
renderNext();
