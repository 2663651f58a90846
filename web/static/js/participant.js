/** The participant's page: lobby, room, waiting, break and end screens, all driven by the server. */

import { boot } from './boot.js';
import { t } from './i18n.js';
import { $, $$, el, say, watchConnection } from './ui.js';
import { call, connect } from './socket.js';
import * as clock from './clock.js';
import * as media from './media.js';
import * as health from './health.js';
import { Mesh } from './rtc.js';
import { feedbackForm, peerLine, summaryList } from './feedback.js';
import { wishesPanel } from './wishes.js';

// A new round's clock comes a moment before our assignment; do not flash "you sit out".
const PAIRING_GRACE_MS = 2000;
const REASONS = new Set(['mutual_wish', 'wish', 'moved', 'repaired']);
const NOTICE_KINDS = new Set(['moderator_joining', 'help_resolved', 'no_partner']);
const NOTE_MS = 20_000;
const STORE_KEY = `speedmeet:${boot.event.id}:${boot.me.id}`;
// How long media may not arrive before a partner's tile says so (the server's thresholds).
const MEDIA_LIMITS = boot.media || { no_video_ms: 10_000, no_audio_ms: 20_000 };

const socket = connect('/participant', boot.token, clock.lastSeen);
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
  told: new Map(),      // peer id → what their page says of its camera and mic (peer_media)
  arriving: new Map(),  // peer id → what our page measures arriving from them (health.js)
  mediaSettled: false,
  memory: recall(),     // survives a reload: {meeting, rated, stopped}
};

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
  },
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
  return peer ? peer.name : id;
}

function tileStatus(id) {
  const tile = $$('.tile.remote', remotes).find((n) => n.dataset.peer === id);
  if (!tile) return;
  const name = peerName(id);
  const ice = state.ice.get(id) || 'new';
  // Media flows peer to peer: while it does, their signaling socket coming and going is no news.
  const away = state.online.get(id) === false;
  let text = '';
  if (ice === 'connected' || ice === 'completed') text = '';
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
}

function remoteTile(peer) {
  return el('figure', { class: 'tile remote', dataset: { peer: peer.id } },
    el('video', { 'data-testid': 'remote-video', 'data-peer': peer.id, autoplay: true, playsinline: true }),
    el('p', { class: 'video-overlay tile-status', text: t('link_connecting', { name: peer.name }) }),
    el('figcaption', {},
      el('strong', { class: 'tile-name', 'data-testid': 'partner-name', text: peer.name }),
      peer.organization ? el('span', { class: 'tile-org', text: peer.organization }) : null,
      peer.side ? el('span', { class: 'badge', text: peer.side }) : null));
}

/** Tiles for this room's peers; tiles of peers still here keep their video. */
function renderRoom(a) {
  if (state.tilesRoom !== a.room) {
    remotes.replaceChildren();
    state.ice.clear();
    state.online.clear();
    state.arriving.clear();
    state.tilesRoom = a.room;
  }
  const wanted = new Set(a.peers.map((p) => p.id));
  for (const tile of $$('.tile.remote', remotes)) if (!wanted.has(tile.dataset.peer)) tile.remove();
  const present = new Set($$('.tile.remote', remotes).map((n) => n.dataset.peer));
  for (const peer of a.peers) if (!present.has(peer.id)) remotes.append(remoteTile(peer));
  remotes.dataset.count = String(a.peers.length);
  for (const peer of a.peers) tileStatus(peer.id);
  const reason = $('[data-view="room"] .reason');
  reason.hidden = !REASONS.has(a.reason);
  reason.textContent = REASONS.has(a.reason) ? t(`reason_${a.reason}`) : '';
}

function inRoom(c, a) {
  return Boolean(c && c.phase === 'round' && a && a.round === c.round && a.room);
}

function syncCall(c, a) {
  if (!inRoom(c, a)) {
    if (mesh.room) mesh.leave();
    return;
  }
  if (state.mediaSettled) mesh.enter(a);  // else: again once the camera answered
}

// --- screens -----------------------------------------------------------------------------------

function screenFor(c, a) {
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
  if (screen !== state.screen) {
    state.screen = screen;
    screenNode.dataset.screen = screen;
    for (const view of $$('[data-view]', screenNode)) view.hidden = view.dataset.view !== screen;
  }
  if (c) renderClockTexts(c);
  if (screen === 'room') renderRoom(a);
  if (screen === 'break') renderBreakFeedback(c);
  if (screen === 'ended') renderSummary();
  syncCall(c, a);
}

function renderClockTexts(c) {
  const round = t('round_of', { round: c.round, rounds: c.rounds });
  for (const node of $$('.room-round')) node.textContent = round;
  for (const node of $$('.paused-label')) node.hidden = !c.paused;
  $('[data-testid="doors"]').textContent = c.opened ? t('lobby_open') : t('lobby_closed');
  $('.break-next').textContent = t('break_next', { round: c.round + 1, rounds: c.rounds });
  $('.waiting-text').textContent = state.memory.stopped ? t('waiting_stopped') : t('waiting_text');
  for (const node of $$('[data-action="stop"]')) node.hidden = Boolean(state.memory.stopped);
}

function reasonLine(reason) {
  return REASONS.has(reason) ? el('p', { class: 'reason', text: t(`reason_next_${reason}`) }) : null;
}

function renderNext() {
  const n = state.next;
  for (const card of $$('.next-card')) {
    card.querySelector('.next-title').textContent =
      n && n.round ? t('next_title_round', { round: n.round }) : t('next_title');
    const body = card.querySelector('.next-body');
    if (!n || !Array.isArray(n.peers) || n.peers.length === 0) {
      body.replaceChildren(el('p', { class: 'muted', text: t('next_unknown') }));
    } else {
      const parts = [
        el('ul', { class: 'plain-list' }, n.peers.map((p) => el('li', {}, peerLine(p)))),
        reasonLine(n.reason),
        el('p', { class: 'muted small', text: t('next_may_change') }),
      ];
      body.replaceChildren(...parts.filter(Boolean));
    }
  }
}

const sendFeedback = (values) => ask('feedback', values);

function markRated(values) {
  state.memory.rated = { ...(state.memory.rated || {}), [values.room]: values };
  remember();
}

function renderBreakFeedback(c) {
  const slot = $('[data-view="break"] .feedback-slot');
  const m = state.memory.meeting;
  const room = m && m.round === c.round ? m.room : '';
  if (slot.dataset.room === room) return;
  slot.dataset.room = room;
  if (!room) {
    slot.replaceChildren();
    return;
  }
  const given = (state.memory.rated || {})[room] || {};
  slot.replaceChildren(el('div', { class: 'card' }, feedbackForm({ ...m, ...given }, sendFeedback, markRated)));
}

function renderSummary() {
  if (!state.summary || state.summaryShown === state.summary) return;
  state.summaryShown = state.summary;
  $('[data-testid="summary"]').replaceChildren(summaryList(state.summary, async (values) => {
    await sendFeedback(values);
    markRated(values);
  }));
}

let noticeTimer = null;

function showNotice(n) {
  if (!n || typeof n !== 'object') return;
  const box = $('#notice');
  const known = NOTICE_KINDS.has(n.kind);
  box.querySelector('.notice-from').textContent =
    known ? '' : t(n.from === 'moderator' ? 'notice_from_moderator' : 'notice_from_host');
  box.querySelector('.notice-text').textContent = known ? t(`notice_${n.kind}`) : String(n.text || '');
  box.dataset.kind = n.kind || n.from || '';
  box.hidden = false;
  // Status notes go away by themselves; what the host or a moderator wrote stays until closed.
  clearTimeout(noticeTimer);
  if (known) noticeTimer = setTimeout(() => { box.hidden = true; }, NOTE_MS);
}

// --- buttons -----------------------------------------------------------------------------------

function renderMediaButtons(s) {
  for (const b of $$('[data-action="mute"]')) {
    b.setAttribute('aria-pressed', String(s.muted));
    b.textContent = s.muted ? t('unmute') : t('mute');
    b.disabled = !s.hasAudio;
  }
  for (const b of $$('[data-action="camera"]')) {
    b.setAttribute('aria-pressed', String(s.cameraOff));
    b.textContent = s.cameraOff ? t('camera_on') : t('camera_off');
    b.disabled = !s.hasVideo;
  }
}

async function askHelp() {
  const text = window.prompt(t('help_prompt'));
  if (text === null) return;
  try {
    await ask('help', { text: text.trim().slice(0, 500) });
    say(alertArea, t('help_sent'), 'success');
  } catch (err) {
    say(alertArea, err.message, 'error');
  }
}

async function stopMeeting() {
  if (!window.confirm(t('stop_confirm'))) return;
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
  play: () => $$('[data-testid="remote-video"]', remotes).forEach(play),
};

document.addEventListener('click', (event) => {
  const button = event.target.closest('[data-action]');
  if (button && ACTIONS[button.dataset.action]) ACTIONS[button.dataset.action]();
});
$('#notice-close').addEventListener('click', () => { $('#notice').hidden = true; });

// --- start -------------------------------------------------------------------------------------

for (const slot of $$('.wishes-slot')) slot.append(wishesPanel(ask));
media.onChange(renderMediaButtons);
media.onChange(() => mesh.reportSoon());  // a camera turned off reaches the partner at once
renderMediaButtons(media.state());
function showMediaError(text) {
  for (const node of $$('.media-error')) {
    node.textContent = text;
    node.hidden = false;
  }
}

media.start()
  .then((stream) => {
    for (const video of $$('[data-testid="local-video"]')) video.srcObject = stream;
    // One device only (the other blocked or missing): say which, on the picture of ourselves.
    const s = media.state();
    if (s.videoError || s.audioError) showMediaError(t(s.hasAudio ? 'media_only_audio' : 'media_only_video'));
  })
  .catch((err) => {
    const text = t(media.errorKey(err));
    showMediaError(text);
    say(alertArea, text, 'error');
  })
  .finally(() => {
    state.mediaSettled = true;
    mesh.setStream(media.getStream());
    update();
  });

socket.on('connect', () => { state.assignmentSeq = -1; });  // see clock.keepInSync
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
});
socket.on('signal', (m) => mesh.onSignal(m));
socket.on('peer', (m) => {
  if (!m || typeof m.id !== 'string') return;
  state.online.set(m.id, Boolean(m.online));
  mesh.onPeer(m);
  tileStatus(m.id);
});
socket.on('peer_media', (m) => {
  if (!m || typeof m.id !== 'string') return;
  state.told.set(m.id, m);
  tileStatus(m.id);
});
socket.on('notice', showNotice);
socket.on('summary', (s) => {
  state.summary = s;
  update();
});
watchConnection(socket, (message) => say(alertArea, message || t('error_bad_link'), 'error'));
clock.keepInSync(socket);
clock.startRenderer();
renderNext();
