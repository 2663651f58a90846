/** The moderator board: every room at a glance, the help queue, who waits; step into a room. */

import { t } from './i18n.js';
import { $, el, say } from './ui.js';
import { renderHelp, renderRooms, renderWaiting, roomCard } from './board.js';
import { startStaff } from './staff.js';

const onlyFlagged = $('#only-flagged');

const staff = startStaff('/moderator', {
  render,
  onHelp: (h) => say(staff.message, t('help_new', { name: h.name }), 'warn'),
  onNotice: (n) => {
    if (n && n.text) say(staff.message, t('notice_echo', { text: n.text }), 'info');
  },
});
const { ask, board, message } = staff;

function render() {
  const filter = onlyFlagged.checked ? (room) => (room.flags || []).length > 0 : () => true;
  renderRooms($('#rooms'), board.rooms, { onJoin: join, filter });
  renderHelp($('#help'), board.help, resolve);
  renderWaiting($('#waiting'), board.waiting);
}

async function join(roomId, button) {
  button.disabled = true;
  try {
    const ack = await ask('join_room', { room: roomId });
    const panel = $('#join-result');
    const card = roomCard(ack.room);
    card.setAttribute('data-testid', 'joined-room');
    panel.replaceChildren(
      el('h3', { text: t('join_title', { room: ack.room.id }) }),
      el('p', { class: 'muted small', text: t('join_told') }),
      card,
      el('button', { type: 'button', class: 'link-button', text: t('close'),
        onclick: () => { panel.hidden = true; } }));
    panel.hidden = false;
  } catch (err) {
    say(message, err.message, 'error');
  } finally {
    button.disabled = false;
  }
}

function resolve(participant, button) {
  return staff.resolve(participant, button);
}

onlyFlagged.addEventListener('change', render);
render();
