/** The host console: run the clock, broadcast notices, move people, watch rooms, see the schedule. */

import { boot } from './boot.js';
import { errorText, t, tn } from './i18n.js';
import { $, $$, el, presenceDot, say } from './ui.js';
import * as clock from './clock.js';
import { problemRooms, renderHelp, renderRooms, renderWaiting } from './board.js';
import { startStaff } from './staff.js';
import { writePanel } from './write.js';

const running = (c) => c.phase === 'round' || c.phase === 'break';
const ALLOWED = {
  open: (c) => c.phase === 'lobby' && !c.opened,
  start: (c) => c.phase === 'lobby',
  pause: (c) => running(c) && !c.paused,
  resume: (c) => running(c) && c.paused,
  extend: running,
  end_round: (c) => c.phase === 'round',
  next: (c) => c.phase === 'break',
  repair: (c) => c.phase === 'round',
  end: (c) => c.phase !== 'ended',
  notice: (c) => c.phase !== 'ended',
};
const busy = new Set();
// Commands that cannot be taken back ask first (`c`: the clock as the host sees it).
const CONFIRM = {
  end_round: (c) => t(c.round >= c.rounds ? 'confirm_end_round_last' : 'confirm_end_round', { round: c.round }),
  next: (c) => t('confirm_next', { round: c.round + 1 }),
  end: () => t('confirm_end'),
};

const staff = startStaff('/host', {
  render,
  onHelp: (h) => say(staff.message, t('help_new', { name: h.name }), 'warn'),
});
const { ask, board, message } = staff;
const write = writePanel($('#write'), { ask, board });

function render() {
  renderCommands();
  renderCounts();
  renderParticipants();
  renderRooms($('#rooms'), board.rooms);
  renderHelp($('#help'), board.help, resolve, {
    me: board.me, onClaim: staff.claim, onWrite: (pid) => write.choose(`person:${pid}`),
  });
  renderWaiting($('#waiting'), board.waiting);
  write.render();
}

function renderCommands() {
  const c = clock.currentClock();
  for (const button of $$('[data-command]')) {
    const allowed = ALLOWED[button.dataset.command];
    button.disabled = busy.has(button) || !c || !allowed || !allowed(c);
  }
}

function renderCounts() {
  const people = board.participants || [];
  const set = (id, n) => { $(`[data-testid="${id}"]`).textContent = String(n); };
  set('count-registered', people.length);
  set('count-online', people.filter((p) => p.online).length);
  // rooms exist only during a round (the last board after an end may come a moment later)
  const c = clock.currentClock();
  const playing = Boolean(c && c.phase === 'round');
  set('count-in-rooms', playing ? people.filter((p) => p.room).length : 0);
  set('count-waiting', (board.waiting || []).length);
  set('count-help', (board.help || []).length);
  const problems = problemRooms(board.rooms);
  set('count-problems', problems);
  $('[data-testid="count-problems"]').closest('.count').dataset.attention = String(problems > 0);
}

// --- commands ----------------------------------------------------------------------------------

const DONE = {
  repair: (ack) => tn('repair_done', (ack.paired || []).length),
  notice: () => t('notice_sent'),
};

async function run(button, payload = {}) {
  const command = button.dataset.command;
  const question = CONFIRM[command];
  const c = clock.currentClock();
  if (question && c && !window.confirm(question(c))) return null;
  busy.add(button);
  renderCommands();
  try {
    const ack = await ask(command, payload);
    if (ack.clock) clock.applyClock(ack.clock);
    const done = DONE[command];
    say(message, done ? done(ack) : t('cmd_done', { command: button.textContent.trim() }), 'success');
    return ack;
  } catch (err) {
    say(message, t('cmd_failed', { command: button.textContent.trim(), message: err.message }), 'error');
    return null;
  } finally {
    busy.delete(button);
    staff.renderPhase();
    renderCommands();
  }
}

for (const button of $$('button[data-command]')) {
  if (button.dataset.command === 'notice') continue;  // the form below
  button.addEventListener('click', () => {
    const payload = button.dataset.command === 'extend' ? { seconds: Number(button.dataset.seconds) } : {};
    run(button, payload);
  });
}

$('#notice-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const input = $('#notice-text');
  const text = input.value.trim();
  if (!text) return;
  if (await run($('[data-testid="cmd-notice"]'), { text })) input.value = '';
});

function resolve(participant, button) {
  return staff.resolve(participant, button);
}

// --- participants and moving people ------------------------------------------------------------

function roomText(p, c) {
  if (p.stopped) return t('participant_stopped');
  if (p.room) return p.room;
  const sitsOut = c && c.phase === 'round' && (board.waiting || []).some((w) => w.id === p.id);
  return sitsOut ? t('room_waiting') : '–';
}

async function move(p, select, button) {
  const room = select.value || null;
  button.disabled = true;
  try {
    await ask('move', { participant: p.id, room });
    say(message, t('move_done', { name: p.name, room: room || t('room_waiting') }), 'success');
  } catch (err) {
    say(message, t('move_failed', { name: p.name, message: err.message }), 'error');
    select.value = p.room || '';
  } finally {
    button.disabled = false;
  }
}

// --- links ---------------------------------------------------------------------------------------

/**
 * A new link for `who` (a participant id, `host`, `moderator` or `registration`): the old one
 * stops working at once. The new one is shown once, to be copied; the host's own moves the page.
 */
async function reissue(who, name, button) {
  if (!window.confirm(t('reissue_confirm', { name }))) return;
  button.disabled = true;
  try {
    const ack = await ask('reissue', { who });
    if (who === 'host') {
      window.location.replace(new URL(ack.url).pathname);
      return;
    }
    const box = $('#new-link');
    $('#new-link-label').textContent = t('reissue_done', { name });
    const input = $('#new-link-url');
    input.value = ack.url;
    $('#new-link-copy').textContent = t('copy');
    box.hidden = false;
    input.focus();
    input.select();
  } catch (err) {
    say(message, t('reissue_failed', { name, message: err.message }), 'error');
  } finally {
    button.disabled = false;
  }
}

for (const button of $$('[data-reissue]')) {
  const who = button.dataset.reissue;
  button.addEventListener('click', () => reissue(who, t(`who_${who}`), button));
}

$('#new-link-copy').addEventListener('click', async (event) => {
  const button = event.currentTarget;
  const input = $('#new-link-url');
  input.select();
  try {
    await navigator.clipboard.writeText(input.value);
    button.textContent = t('copied');
  } catch {
    document.execCommand('copy');  // no clipboard API (plain http): copy the selection
  }
});

/** Undo someone's "I have to leave": paired again (at once, in a round, if someone is free). */
async function rejoin(p, button) {
  button.disabled = true;
  try {
    await ask('rejoin', { participant: p.id });
    say(message, t('rejoin_host_done', { name: p.name }), 'success');
  } catch (err) {
    say(message, t('rejoin_host_failed', { name: p.name, message: err.message }), 'error');
    button.disabled = false;
  }
}

function participantRow(p, rooms, canMove) {
  const c = clock.currentClock();
  let moveCell = el('td', { class: 'muted', text: '–' });
  if (p.stopped && c && c.phase !== 'ended') {
    const button = el('button', { type: 'button', class: 'secondary small-button', text: t('rejoin_host_button'),
      'aria-label': t('rejoin_host_label', { name: p.name }), 'data-testid': 'rejoin-button' });
    button.addEventListener('click', () => rejoin(p, button));
    moveCell = el('td', {}, button);
  } else if (canMove && !p.stopped) {
    const select = el('select', { 'aria-label': t('move_label', { name: p.name }), 'data-testid': 'move-select' },
      el('option', { value: '', text: t('move_to_waiting') }),
      rooms.map((r) => el('option', { value: r.id, text: t('room_label', { room: r.id }) })));
    select.value = p.room || '';
    const button = el('button', { type: 'button', class: 'secondary small-button', text: t('move_button'),
      'data-testid': 'move-button' });
    button.addEventListener('click', () => move(p, select, button));
    moveCell = el('td', {}, el('div', { class: 'inline' }, select, button));
  }
  return el('tr', { dataset: { participant: p.id, online: String(Boolean(p.online)) } },
    el('td', { text: p.name }),
    el('td', { text: p.organization || '' }),
    el('td', { text: p.side || '' }),
    el('td', {}, presenceDot(p.online, { decorative: true }),
      ' ', p.online ? t('online') : t('offline')),
    el('td', { text: roomText(p, c) }),
    moveCell,
    el('td', {}, linkButton(p)));
}

function linkButton(p) {
  const button = el('button', { type: 'button', class: 'secondary small-button', text: t('reissue_button'),
    'aria-label': t('reissue_label', { name: p.name }), 'data-testid': 'reissue-button' });
  button.addEventListener('click', () => reissue(p.id, p.name, button));
  return button;
}

function renderParticipants() {
  const body = $('#participants');
  const c = clock.currentClock();
  const canMove = Boolean(c && c.phase === 'round');
  const rooms = (board.rooms || []).map((r) => ({ id: r.id }));
  const old = new Map([...body.rows].map((row) => [row.dataset.participant, row]));
  const people = board.participants || [];
  const rows = people.map((p) => {
    const signature = JSON.stringify([p, rooms, canMove, c && c.phase, roomText(p, c)]);
    const row = old.get(p.id);
    // Keep a row the host is using (focus inside), and rows that did not change.
    if (row && (row.dataset.signature === signature || row.contains(document.activeElement))) return row;
    const fresh = participantRow(p, rooms, canMove);
    fresh.dataset.signature = signature;
    return fresh;
  });
  const same = rows.length === body.rows.length && rows.every((r, i) => body.rows[i] === r);
  if (!same) body.replaceChildren(...rows);
  if (!people.length) body.replaceChildren(el('tr', {}, el('td', { colspan: 7, class: 'muted', text: t('participants_none') })));
}

// --- schedule ----------------------------------------------------------------------------------

function nameOf(id) {
  const p = (board.participants || []).find((x) => x.id === id);
  return p ? p.name : id;
}

function renderSchedule(schedule) {
  const rounds = Array.isArray(schedule.rounds) ? schedule.rounds : [];
  if (!rounds.length) return el('p', { class: 'muted', text: t('schedule_empty') });
  const total = el('p', { class: 'muted', dataset: { testid: 'schedule-wishes' },
    text: t('schedule_wishes_total', { met: schedule.wishes_met ?? 0, total: schedule.wishes ?? 0 }) });
  return el('div', {}, total, el('table', { class: 'table schedule' },
    el('thead', {}, el('tr', {},
      el('th', { scope: 'col', text: t('col_round') }),
      el('th', { scope: 'col', text: t('col_meetings') }),
      el('th', { scope: 'col', text: t('col_wishes_met') }),
      el('th', { scope: 'col', text: t('col_sits_out') }))),
    el('tbody', {}, rounds.map((r) => el('tr', { dataset: { round: String(r.round) } },
      el('td', {}, String(r.round), r.played ? el('span', { class: 'badge', text: t('schedule_played') }) : null),
      el('td', {}, el('ul', { class: 'plain-list' }, (r.rooms || []).map((room) => el('li', {},
        room.members.map(nameOf).join(' & '),
        room.reason && room.reason !== 'fill'
          ? el('span', { class: 'muted small', text: ` (${t(`reason_short_${room.reason}`)})` }) : null)))),
      el('td', { text: r.mutual_met ? tn('wishes_met_cell', r.mutual_met, { met: r.wishes_met ?? 0 }) : String(r.wishes_met ?? 0) }),
      el('td', { text: (r.waiting || []).map(nameOf).join(', ') || '–' }))))));
}

$('#schedule-load').addEventListener('click', async (event) => {
  const button = event.currentTarget;
  const box = $('#schedule');
  const url = `/e/${encodeURIComponent(boot.event.id)}/host/${encodeURIComponent(boot.token)}/schedule`;
  button.disabled = true;
  box.replaceChildren(el('p', { class: 'muted', text: t('loading') }));
  try {
    const res = await fetch(url, { headers: { Accept: 'application/json' }, cache: 'no-store' });
    const body = await res.json().catch(() => ({}));
    if (!res.ok) throw new Error(errorText(body.error, '', t('error_http', { status: res.status })));
    box.replaceChildren(renderSchedule(body));
  } catch (err) {
    box.replaceChildren(el('p', { class: 'alert alert-error', text: err.message }));
  } finally {
    button.disabled = false;
  }
});

render();
