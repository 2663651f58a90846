/** What the host console and the moderator board share: the socket, the clock, the board state. */

import { boot } from './boot.js';
import { t } from './i18n.js';
import { $, $$, say, watchConnection } from './ui.js';
import { call, connect } from './socket.js';
import * as clock from './clock.js';
import { SeqGate, phaseLabel } from './board.js';

/**
 * Connect to `namespace` and keep `board` ({rooms, waiting, help, participants, event}) current
 * from `snapshot` and `rooms`. Calls `render()` after every change; `onHelp(h)` and
 * `onNotice(n)` for those events. Returns {socket, ask, board, message, renderPhase, resolve}.
 */
export function startStaff(namespace, { render, onHelp = () => {}, onNotice = () => {} }) {
  const socket = connect(namespace, boot.token, clock.lastSeen);
  const ask = (event, payload = {}) => call(socket, event, payload);
  const message = $('#message');
  const gate = new SeqGate();
  const board = { rooms: [], waiting: [], help: [], participants: [], event: boot.event };

  const take = (data) => {
    for (const key of ['rooms', 'waiting', 'help', 'participants', 'event']) {
      if (data[key] !== undefined && data[key] !== null) board[key] = data[key];
    }
    render();
  };
  const renderPhase = () => {
    const c = clock.currentClock();
    $('[data-testid="phase"]').textContent = phaseLabel(c);
    for (const node of $$('.paused-label')) node.hidden = !(c && c.paused);
  };

  socket.on('connect', () => gate.reset());  // see clock.keepInSync
  socket.on('clock', (c) => {
    if (clock.applyClock(c)) {
      renderPhase();
      render();
    }
  });
  socket.on('snapshot', (s) => {
    if (!gate.accept('board', s)) return;
    if (s.clock) clock.applyClock(s.clock);
    renderPhase();
    take(s);
  });
  socket.on('rooms', (r) => {
    if (gate.accept('board', r)) take(r);
  });
  socket.on('help', (h) => {
    if (!h || typeof h !== 'object') return;
    board.help = [...board.help.filter((x) => x.participant !== h.participant), h];
    render();
    onHelp(h);
  });
  socket.on('notice', onNotice);
  watchConnection(socket, (text) => say(message, text || t('error_bad_link'), 'error'));
  clock.keepInSync(socket);
  clock.startRenderer();
  /** Mark a help request as dealt with (the button stays usable if the server says no). */
  const resolve = async (participant, button) => {
    button.disabled = true;
    try {
      await ask('resolve_help', { participant });
      board.help = board.help.filter((h) => h.participant !== participant);
      render();
    } catch (err) {
      say(message, err.message, 'error');
      button.disabled = false;
    }
  };
  return { socket, ask, board, message, renderPhase, resolve };
}
