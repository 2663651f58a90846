/** The moderator board: every room at a glance, the help queue, who waits; join a room's call,
 * write to a room or a person. */

import { boot } from './boot.js';
import { staffName, t } from './i18n.js';
import { $, $$, say } from './ui.js';
import { busy, moveFocus } from './focus.js';
import * as clock from './clock.js';
import * as media from './media.js';
import { followMedia } from './media-buttons.js';
import { renderHelp, renderRooms, renderWaiting } from './board.js';
import { startStaff } from './staff.js';
import { visitor } from './visit.js';
import { writePanel } from './write.js';

const onlyFlagged = $('#only-flagged');
const NAME_KEY = `speedmeet:${boot.event.id}:moderator-name`;
let connects = 0;

const staff = startStaff('/moderator', {
  render,
  onHelp: (h) => say(staff.message, t('help_new', { name: h.name }), 'warn'),
  onNotice: (n) => {
    if (n && n.text && !n.kind) say(staff.message, t('notice_echo', { text: n.text }), 'info');
  },
  onConnect: () => { reconnected(); },
});
const { ask, board, message, socket } = staff;
const call = visitor({ ask, socket, onChange: render });
const write = writePanel($('#write'), { ask, board });

function render() {
  const filter = onlyFlagged.checked ? (room) => (room.flags || []).length > 0 : () => true;
  renderRooms($('#rooms'), board.rooms, { onJoin: join, filter });
  for (const button of $$('#rooms [data-testid="join-room"]')) {
    button.hidden = button.closest('.room-card').dataset.room === call.room();  // in it already
  }
  renderHelp($('#help'), board.help, resolve, {
    me: board.me, onClaim: staff.claim, onJoin: join, onWrite: (pid) => write.choose(`person:${pid}`),
  });
  renderWaiting($('#waiting'), board.waiting);
  write.render();
  renderLabel();
  // the round is over: the call closes by itself, and the focus that was in it goes to the phase
  const inCall = $('#call').contains(document.activeElement);
  const left = call.follow(board, clock.currentClock());
  if (left) say(message, t('call_left_round', { room: left }), 'info');
  if (left && (inCall || document.activeElement === document.body)) moveFocus($('[data-testid="phase"]'));
}

/** The room's "join" button on its card (shown again once its call is left), else the rooms' heading. */
function roomPlace(roomId) {
  const button = $$('#rooms [data-testid="join-room"]')
    .find((b) => b.closest('.room-card').dataset.room === roomId && !b.hidden && !b.closest('[hidden]'));
  return button || $('#rooms-title');
}

async function join(roomId, button) {
  const c = clock.currentClock();
  busy(button, true);
  try {
    await call.join(roomId, c ? c.round : 0);
    say(message, t('call_joined', { room: roomId }), 'success');
  } catch (err) {
    say(message, err.message, 'error');
  } finally {
    busy(button, false);
  }
}

function resolve(participant, button) {
  return staff.resolve(participant, button);
}

// --- who this page is, to the others ------------------------------------------------------------

function storedName() {
  try {
    return localStorage.getItem(NAME_KEY) || '';
  } catch {
    return '';
  }
}

function renderLabel() {
  const shown = $('#label-shown');
  const text = board.me ? t('label_you_appear', { name: staffName(board.me) }) : '';
  if (shown.textContent !== text) shown.textContent = text;
}

async function setLabel(name, announce) {
  const ack = await ask('label', { name });
  board.me = ack.me;
  renderLabel();
  if (announce) say(message, t('label_saved', { name: staffName(ack.me) }), 'success');
}

$('#label-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const name = $('#label-name').value.trim();
  try {
    localStorage.setItem(NAME_KEY, name);
  } catch {
    // private mode: kept for this page only
  }
  try {
    await setLabel(name, true);
  } catch (err) {
    say(message, err.message, 'error');
  }
});

/** Every (re)connect is a new page to the server: its name again, and its call joined again. */
async function reconnected() {
  connects += 1;
  const name = storedName();
  if (name) setLabel(name, false).catch((err) => console.warn('speedmeet: label', err.message));
  const room = call.room();
  if (connects > 1 && room) {
    const round = call.round();
    await call.leave(false);
    const c = clock.currentClock();
    if (c && c.phase === 'round' && c.round === round) {
      call.join(room, round).catch((err) => say(message, err.message, 'error'));
    }
  }
}

// --- the call's buttons --------------------------------------------------------------------------

followMedia();
$('[data-action="mute"]').addEventListener('click', () => media.toggleMute());
$('[data-action="camera"]').addEventListener('click', () => media.toggleCamera());
$('#call-leave').addEventListener('click', async () => {
  const left = await call.leave(true);
  if (left) say(message, t('call_left', { room: left }), 'info');
  if (left) moveFocus(roomPlace(left));
});
$('#call-write').addEventListener('click', () => {
  const room = call.room();
  if (room) write.choose(`room:${room}`);
});

$('#label-name').value = storedName();
onlyFlagged.addEventListener('change', render);
render();
