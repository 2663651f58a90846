/** What the host console and the moderator board share: the socket, the clock, the board state. */

import { boot } from './boot.js';
import { t } from './i18n.js';
import { $, $$, say, watchConnection } from './ui.js';
import { call, connect } from './socket.js';
import * as clock from './clock.js';
import { SeqGate, phaseLabel } from './board.js';

/**
 * Connect to `namespace` and keep `board` ({rooms, waiting, help, participants, event, me})
 * current from `snapshot` and `rooms` (`me`: this page's label as others see it). Calls
 * `render()` after every change; `onHelp(h)`, `onNotice(n)` and `onConnect()` for those events.
 * Returns {socket, ask, board, message, renderPhase, resolve, claim}.
 */
export function startStaff(namespace, { render, onHelp = () => {}, onNotice = () => {}, onConnect = () => {} }) {
  const socket = connect(namespace, boot.token, clock.lastSeen);
  const ask = (event, payload = {}) => call(socket, event, payload);
  const message = $('#message');
  const gate = new SeqGate();
  const board = { rooms: [], waiting: [], help: [], participants: [], event: boot.event, me: null };

  const take = (data) => {
    for (const key of ['rooms', 'waiting', 'help', 'participants', 'event', 'me']) {
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
  /** Take a help request (`takeOver`: one someone else took); the participant is told. */
  const claim = async (participant, button, takeOver = false) => {
    button.disabled = true;
    try {
      const ack = await ask('claim_help', { participant, take_over: takeOver });
      board.help = board.help.map((h) => (h.participant === participant ? { ...h, claimed_by: ack.by } : h));
      const h = board.help.find((x) => x.participant === participant);
      say(message, t('help_claim_done', { name: h ? h.name : participant }), 'success');
      render();
    } catch (err) {
      say(message, err.message, 'error');
      button.disabled = false;
    }
  };
  return { socket, ask, board, message, renderPhase, resolve, claim };
}
