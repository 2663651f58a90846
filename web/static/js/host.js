/** The host console: run the clock, broadcast notices, move people, watch rooms, see the schedule. */

import { boot } from './boot.js';
import { dayOf, errorText, listOf, t, timeOfDay, tn } from './i18n.js';
import { $, $$, el, presenceDot, say, showStart } from './ui.js';
import { busy, isOff, keepFocus, moveFocus, setOff } from './focus.js';
import { patch, place } from './keyed.js';
import * as clock from './clock.js';
import { problemRooms, renderHelp, renderRooms, renderWaiting } from './board.js';
import { startStaff } from './staff.js';
import { writePanel } from './write.js';
import { alternativeMove, answerBox, repairLines } from './answers.js';
import { consoleLine } from './lobby.js';

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
const sending = new Set();  // command buttons whose command is on its way
// Commands that cannot be taken back ask first (`c`: the clock as the host sees it).
const CONFIRM = {
  end_round: (c) => t(c.round >= c.rounds ? 'confirm_end_round_last' : 'confirm_end_round', { round: c.round }),
  next: (c) => t('confirm_next', { round: c.round + 1 }),
  end: () => t('confirm_end'),
};
// After a command its button may no longer apply: the focus goes on to what usually comes next.
const THEN = { open: 'start', start: 'pause', pause: 'resume', resume: 'pause', end_round: 'next', next: 'pause' };

const staff = startStaff('/host', {
  render,
  onHelp: (h) => say(staff.message, t('help_new', { name: h.name }), 'warn'),
});
const { ask, board, message } = staff;
const write = writePanel($('#write'), { ask, board });

function render() {
  renderStart();
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

/** Before the first round: when the event starts, a countdown to it on the day, or "open the doors". */
function renderStart() {
  const c = clock.currentClock();
  const startsAt = (board.event || boot.event || {}).starts_at;
  const said = c && c.phase === 'lobby' ? consoleLine(startsAt, clock.serverNow(), Boolean(c.opened)) : null;
  const text = said ? t(said.key, { time: timeOfDay(startsAt), date: dayOf(startsAt) }) : '';
  $('[data-testid="start-line"]').hidden = !said;
  showStart($('[data-testid="starts-at"]'), $('[data-testid="start-countdown"]'), said, text, clock.format);
}
setInterval(renderStart, 250);

function renderCommands() {
  const c = clock.currentClock();
  for (const button of $$('[data-command]')) {
    const allowed = ALLOWED[button.dataset.command];
    // off the focusable way: the button just used keeps the focus while the clock moves on
    setOff(button, sending.has(button) || !c || !allowed || !allowed(c));
  }
}

/**
 * Where the focus goes once `button`'s command is answered (if it is still there or fell):
 * the button if it still applies, else the next command, else the phase heading.
 */
function afterCommand(button) {
  const at = document.activeElement;
  if (at !== button && at !== document.body) return;  // the host has moved on
  const then = $$('[data-command]').find((b) => b.dataset.command === THEN[button.dataset.command]);
  moveFocus([button, then].find((b) => b && b.isConnected && !isOff(b)) || $('[data-testid="phase"]'));
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
  notice: () => t('notice_sent'),
};
// Where a command is answered: beside the command buttons (the notice: below its form).
const ANSWER = { notice: () => message };

async function run(button, payload = {}) {
  if (isOff(button)) return null;  // the notice form's Enter, while it cannot be sent
  const command = button.dataset.command;
  const question = CONFIRM[command];
  const c = clock.currentClock();
  if (question && c && !window.confirm(question(c))) return null;
  const area = (ANSWER[command] || (() => $('#command-feedback')))();
  $('#repair-feedback').hidden = true;
  sending.add(button);
  renderCommands();
  try {
    const ack = await ask(command, payload);
    if (ack.clock) clock.applyClock(ack.clock);
    const done = DONE[command];
    say(area, done ? done(ack) : t('cmd_done', { command: button.textContent.trim() }), 'success');
    return ack;
  } catch (err) {
    say(area, t('cmd_failed', { command: button.textContent.trim(), message: err.message }), 'error');
    return null;
  } finally {
    sending.delete(button);
    staff.renderPhase();
    renderCommands();
    afterCommand(button);
  }
}

// --- re-pairing who is alone: the answer says why, and what can be done instead ---------------

async function repair(button) {
  const box = $('#repair-feedback');
  sending.add(button);
  renderCommands();
  try {
    const ack = await ask('repair', {});
    $('#command-feedback').hidden = true;  // one answer at a time, beside the button used
    const left = (ack.left || []).map((p) => ({ ...p, alternatives: (ack.alternatives || {})[p.id] || [] }));
    const kind = (ack.paired || []).length ? 'success' : 'info';
    box.replaceChildren(answerBox({ 'data-testid': 'repair-answer' }, kind, repairLines(ack), left,
      (pid, alt, b) => pick(pid, alt, b, box)));
  } catch (err) {
    box.replaceChildren(answerBox({}, 'error', [t('cmd_failed', { command: button.textContent.trim(), message: err.message })]));
  } finally {
    box.hidden = false;
    sending.delete(button);
    renderCommands();
    afterCommand(button);
  }
}

for (const button of $$('button[data-command]')) {
  if (button.dataset.command === 'notice') continue;  // the form below
  if (button.dataset.command === 'repair') {
    button.addEventListener('click', () => repair(button));
    continue;
  }
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

const answers = new Map();  // participant id → the answer to the host's last move of them

/** The others in `p`'s room, by name ("with Léa Garnier"), the room's id as secondary text. */
function roomText(p, c) {
  if (p.stopped) return t('participant_stopped');
  if (p.room && c && c.phase === 'round') {
    const room = (board.rooms || []).find((r) => r.id === p.room);
    const others = room ? (room.members || []).filter((m) => m.id !== p.id).map((m) => m.name) : [];
    return others.length ? t('room_with_people', { names: listOf(others), room: p.room }) : p.room;
  }
  const sitsOut = c && c.phase === 'round' && (board.waiting || []).some((w) => w.id === p.id);
  return sitsOut ? t('room_waiting') : '–';
}

/** A room as the host picks it: by its people ("Claire Martin et Léa Garnier (r1-2)"). */
function roomOption(r) {
  const names = (r.members || []).map((m) => m.name);
  return names.length ? t('room_of_people', { names: listOf(names), room: r.id }) : t('room_label', { room: r.id });
}

/** Answer a move of `pid` beside its row (and keep it there until the next move of them). */
function answer(pid, kind, lines, person = null) {
  answers.set(pid, { kind, lines, person });
  renderParticipants();
}

async function moveTo(pid, name, payload, button) {
  busy(button, true);
  try {
    await ask('move', payload);
    const room = (board.rooms || []).find((r) => r.id === payload.room);
    answer(pid, 'success', [t('move_done', { name, room: room ? roomOption(room) : t('room_waiting') })]);
    return true;
  } catch (err) {
    const alternatives = (err.detail && Array.isArray(err.detail.alternatives)) ? err.detail.alternatives : [];
    const lines = [t('move_failed', { name, message: err.message })];
    if (!alternatives.length && err.detail && err.detail.alternatives) lines.push(t('instead_none'));
    answer(pid, 'error', lines, { id: pid, name, alternatives });
    return false;
  } finally {
    busy(button, false);
    // an alternative used goes with its answer: the focus goes back to the person's row
    const again = document.querySelector(`tr[data-participant="${CSS.escape(pid)}"] [data-testid="move-button"]`);
    if ((document.activeElement === document.body || !button.isConnected) && again) again.focus();
  }
}

function move(p, select, button) {
  return moveTo(p.id, p.name, { participant: p.id, room: select.value || null }, button);
}

/** One of the alternatives the server offered, answered where it was offered (`box`: a repair). */
async function pick(pid, alt, button, box = null) {
  const name = ((board.participants || []).find((x) => x.id === pid) || {}).name || pid;
  const done = await moveTo(pid, name, alternativeMove(pid, alt), button);
  if (box && done) {
    box.replaceChildren(answerBox({}, 'success', answers.get(pid).lines));
    box.querySelector('.action-feedback').tabIndex = -1;
    box.querySelector('.action-feedback').focus();
  }
}

function answerRow(p) {
  const a = answers.get(p.id);
  if (!a) return null;
  const box = answerBox({ 'data-testid': 'move-feedback', 'data-for': p.id }, a.kind, a.lines,
    a.person ? [a.person] : [], (pid, alt, b) => pick(pid, alt, b));
  return el('tr', { class: 'answer-row', dataset: { answerFor: p.id } }, el('td', { colspan: 7 }, box));
}

// --- links ---------------------------------------------------------------------------------------

/**
 * A new link for `who` (a participant id, `host`, `moderator` or `registration`): the old one
 * stops working at once. The new one is shown once, to be copied; the host's own moves the page.
 */
async function reissue(who, name, button) {
  if (!window.confirm(t('reissue_confirm', { name }))) return;
  busy(button, true);
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
    busy(button, false);
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
  busy(button, true);
  try {
    await ask('rejoin', { participant: p.id });
    say(message, t('rejoin_host_done', { name: p.name }), 'success');
  } catch (err) {
    say(message, t('rejoin_host_failed', { name: p.name, message: err.message }), 'error');
  } finally {
    busy(button, false);
  }
}

function participantRow(p, rooms, canMove) {
  const c = clock.currentClock();
  let moveCell = el('td', { class: 'muted', text: '–' });
  if (p.stopped && c && c.phase !== 'ended') {
    moveCell = el('td', {}, el('button', { type: 'button', class: 'secondary small-button', text: t('rejoin_host_button'),
      'aria-label': t('rejoin_host_label', { name: p.name }), 'data-testid': 'rejoin-button',
      onclick: (e) => rejoin(p, e.currentTarget) }));
  } else if (canMove && !p.stopped) {
    const select = el('select', { 'aria-label': t('move_label', { name: p.name }), 'data-testid': 'move-select' },
      el('option', { value: '', text: t('move_to_waiting') }),
      rooms.map((r) => el('option', { value: r.id, text: roomOption(r) })));
    select.value = p.room || '';
    // found from the button clicked: a row updated in place keeps its own menu
    const button = el('button', { type: 'button', class: 'secondary small-button', text: t('move_button'),
      'data-testid': 'move-button', onclick: (e) => move(p, $('select', e.currentTarget.closest('td')), e.currentTarget) });
    moveCell = el('td', {}, el('div', { class: 'inline' }, select, button));
  }
  return el('tr', { dataset: { participant: p.id, online: String(Boolean(p.online)), room: (c && c.phase === 'round' && p.room) || '' } },
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
  return el('button', { type: 'button', class: 'secondary small-button', text: t('reissue_button'),
    'aria-label': t('reissue_label', { name: p.name }), 'data-testid': 'reissue-button',
    onclick: (e) => reissue(p.id, p.name, e.currentTarget) });
}

function renderParticipants() {
  const body = $('#participants');
  const c = clock.currentClock();
  const canMove = Boolean(c && c.phase === 'round');
  if (!canMove) answers.clear();  // answers are about this round's rooms
  const rooms = (board.rooms || []).map((r) => ({ id: r.id, members: (r.members || []).map((m) => ({ id: m.id, name: m.name })) }));
  const old = new Map([...body.rows].map((row) => [row.dataset.participant || `answer:${row.dataset.answerFor}`, row]));
  const people = board.participants || [];
  /** The row `key` held, brought up to date in place when its `signature` changed (or a new one). */
  const kept = (key, signature, make) => {
    const row = old.get(key);
    if (row && row.dataset.signature === signature) return row;
    const fresh = make();
    fresh.dataset.signature = signature;
    return row ? patch(row, fresh) : fresh;
  };
  // rows updated in place: a button keeps the focus; a control gone gives it to the row's next one
  keepFocus(() => place(body, people.length ? people.flatMap((p) => {
    const row = kept(p.id, JSON.stringify([p, rooms, canMove, c && c.phase, roomText(p, c)]),
      () => participantRow(p, rooms, canMove));
    const a = answers.get(p.id);
    return a ? [row, kept(`answer:${p.id}`, JSON.stringify(a), () => answerRow(p))] : [row];
  }) : [el('tr', {}, el('td', { colspan: 7, class: 'muted', text: t('participants_none') }))]));
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
  busy(button, true);
  box.replaceChildren(el('p', { class: 'muted', text: t('loading') }));
  try {
    const res = await fetch(url, { headers: { Accept: 'application/json' }, cache: 'no-store' });
    const body = await res.json().catch(() => ({}));
    if (!res.ok) throw new Error(errorText(body.error, '', t('error_http', { status: res.status })));
    box.replaceChildren(renderSchedule(body));
  } catch (err) {
    box.replaceChildren(el('p', { class: 'alert alert-error', text: err.message }));
  } finally {
    busy(button, false);
  }
});

render();
