/** What the host console and the moderator board share: the socket, the clock, the board state. */

import { boot } from './boot.js';
import { t, timeOfDay } from './i18n.js';
import { $, $$, say, watchConnection } from './ui.js';
import { busy } from './focus.js';
import { call, connect } from './socket.js';
import * as clock from './clock.js';
import { applyDelta, phaseLabel } from './board.js';
import { watchTime } from './cues.js';
import { chime, soundToggle } from './sound.js';

const BOARD_KEYS = ['rooms', 'waiting', 'help', 'participants', 'event', 'me'];
const END_EVERY_MS = 5_000;  // a paused clock moves the expected end: redraw it now and then

/** "Expected end: 11:40" under the phase, from the clock and the rounds still to come. */
function renderExpectedEnd(event) {
  const node = document.querySelector('[data-testid="expected-end"]');
  if (!node) return;
  const c = clock.currentClock();
  const end = clock.expectedEnd(c, clock.serverNow(), event);
  node.hidden = end === null;
  if (end === null) return;
  const text = t(c.paused ? 'expected_end_paused' : 'expected_end', { time: timeOfDay(end - clock.offset) });
  if (node.textContent !== text) node.textContent = text;
  node.dataset.endsAt = String(Math.round(end));
}

/**
 * Connect to `namespace` and keep `board` ({rooms, waiting, help, participants, event, me})
 * current from `snapshot` and `rooms` (the whole board) and `rooms_delta` (its changes, applied
 * in order; after a gap the whole board is asked for again); `me` is this page's label as others
 * see it. Calls `render()` after every change; `onHelp(h)`, `onNotice(n)` and `onConnect()` for
 * those events. Returns {socket, ask, board, message, renderPhase, resolve, claim}.
 */
export function startStaff(namespace, { render, onHelp = () => {}, onNotice = () => {}, onConnect = () => {} }) {
  const socket = connect(namespace, boot.token, clock.lastSeen);
  const ask = (event, payload = {}) => call(socket, event, payload);
  const message = $('#message');
  const board = {
    rooms: [], waiting: [], help: [], participants: [], event: boot.event, me: null,
    board_seq: null,  // the number of the board held: the next delta's `base_seq`
  };
  let catchingUp = false;
  let held = [];  // deltas that came while the whole board was asked for

  const take = (data) => {
    if (!data || typeof data !== 'object') return;
    // An older whole board (a delta since says more) changes nothing.
    if (typeof data.board_seq === 'number' && board.board_seq !== null && data.board_seq < board.board_seq) return;
    for (const key of BOARD_KEYS) {
      if (data[key] !== undefined && data[key] !== null) board[key] = data[key];
    }
    board.board_seq = typeof data.board_seq === 'number' ? data.board_seq : null;
    render();
  };
  const follow = (delta) => {
    if (!delta || typeof delta !== 'object' || typeof delta.board_seq !== 'number') return;
    if (catchingUp) {
      held.push(delta);
      return;
    }
    if (board.board_seq !== null && delta.base_seq === board.board_seq) {
      Object.assign(board, applyDelta(board, delta));
      render();
    } else if (board.board_seq === null || delta.board_seq > board.board_seq) {
      held.push(delta);  // a gap (or none held yet): the whole board, then what came since
      catchUp();
    }
  };
  const catchUp = async () => {
    catchingUp = true;
    let whole = null;
    try {
      whole = await ask('board', {});
    } catch (err) {
      console.warn('speedmeet: board not caught up', err.code || err, err.message || '');
    }
    catchingUp = false;
    const since = held;
    held = [];
    if (!whole) return;  // the next delta asks again
    take(whole);
    for (const delta of since) follow(delta);
  };
  const renderPhase = () => {
    const c = clock.currentClock();
    $('[data-testid="phase"]').textContent = phaseLabel(c);
    for (const node of $$('.paused-label')) node.hidden = !(c && c.paused);
    renderExpectedEnd(board.event || boot.event);
  };

  // A new connection starts from the snapshot the server sends first (see clock.keepInSync).
  socket.on('connect', () => {
    board.board_seq = null;
    held = [];
  });
  socket.on('clock', (c) => {
    if (clock.applyClock(c)) {
      renderPhase();
      render();
    }
  });
  socket.on('snapshot', (s) => {
    if (!s || typeof s !== 'object') return;
    if (s.clock) clock.applyClock(s.clock);
    renderPhase();
    board.board_seq = null;  // whatever came before this connection
    take(s);
  });
  socket.on('rooms', take);
  socket.on('rooms_delta', follow);
  socket.on('help', (h) => {
    if (!h || typeof h !== 'object') return;
    board.help = [...board.help.filter((x) => x.participant !== h.participant), h];
    render();
    chime('help');
    onHelp(h);
  });
  // Someone of the staff took a request (maybe us): everyone sees who.
  socket.on('help_claimed', (c) => {
    if (!c || typeof c !== 'object') return;
    board.help = board.help.map((h) => (h.participant === c.participant ? { ...h, claimed_by: c.by } : h));
    render();
  });
  // The event ended: what was still open is closed.
  socket.on('help_closed', (c) => {
    const gone = new Set((c && Array.isArray(c.participants)) ? c.participants : []);
    board.help = board.help.filter((h) => !gone.has(h.participant));
    if (gone.size) say(message, t('help_closed'), 'info');
    render();
  });
  socket.on('notice', onNotice);
  socket.on('connect', onConnect);
  watchConnection(socket, (text) => say(message, text || t('error_bad_link'), 'error'));
  clock.keepInSync(socket);
  clock.startRenderer();
  soundToggle($('#sound-toggle'));
  // the tab says how many wait for help, then the countdown: "(1) Help · 4:32 · Round 2 · …"
  // the host's own command answers say a pause, a resume and the doors' opening
  watchTime({ prefix: () => (board.help.length ? `${t('title_help', { count: board.help.length })} · ` : ''),
    news: boot.role !== 'host' });
  setInterval(() => renderExpectedEnd(board.event || boot.event), END_EVERY_MS);
  /** Mark a help request as dealt with (the button stays usable if the server says no). */
  const resolve = async (participant, button) => {
    busy(button, true);
    try {
      await ask('resolve_help', { participant });
      board.help = board.help.filter((h) => h.participant !== participant);
      render();
    } catch (err) {
      say(message, err.message, 'error');
    } finally {
      busy(button, false);
    }
  };
  /** Take a help request (`takeOver`: one someone else took); the participant is told. */
  const claim = async (participant, button, takeOver = false) => {
    busy(button, true);
    try {
      const ack = await ask('claim_help', { participant, take_over: takeOver });
      board.help = board.help.map((h) => (h.participant === participant ? { ...h, claimed_by: ack.by } : h));
      const h = board.help.find((x) => x.participant === participant);
      say(message, t('help_claim_done', { name: h ? h.name : participant }), 'success');
      render();
    } catch (err) {
      say(message, err.message, 'error');
    } finally {
      busy(button, false);
    }
  };
  return { socket, ask, board, message, renderPhase, resolve, claim };
}
