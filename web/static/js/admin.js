/** The organiser's page: sign in with the admin token, then events, people, invitations. */

import { lang, t } from './i18n.js';
import { $, clearFieldErrors, el, say } from './ui.js';
import { moveFocus } from './focus.js';
import { api, download, forget, justMade, remember, token, whenSignedOut } from './admin-api.js';
import { card, field, fromLocalInput, languageOptions, requiredLegend, showRefusal, when } from './admin-ui.js';
import { showEvent } from './admin-event.js';

const view = $('#view');
const message = $('#message');
export const server = { info: null };

function signedIn(yes) {
  $('#signin').hidden = yes;
  $('#app').hidden = !yes;
}

whenSignedOut(() => {
  forget();
  signedIn(false);
  say($('#signin-error'), t('admin_signed_out'), 'error');
  $('#admin-token').focus();
});

$('#signin-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const input = $('#admin-token');
  const error = $('#signin-error');
  remember(input.value.trim());
  try {
    server.info = await api('GET', '/api/info');
  } catch (err) {
    forget();
    say(error, err.status === 401 ? t('admin_signin_wrong') : err.message, 'error');
    input.select();
    return;
  }
  input.value = '';
  error.hidden = true;
  signedIn(true);
  moveFocus($('h1'));  // the form that held the focus is gone: the page's heading
  route();
});

$('#signout').addEventListener('click', () => {
  forget();
  server.info = null;
  view.replaceChildren();
  signedIn(false);
  $('#admin-token').focus();
});

/** `#/` the events; `#/e/<id>` one event. */
async function route() {
  if (!token()) return;
  const match = /^#\/e\/([\w-]+)/.exec(window.location.hash);
  try {
    if (!server.info) server.info = await api('GET', '/api/info');
    if (match) await showEvent(view, match[1], { server, message });
    else await showEvents();
  } catch (err) {
    say(message, err.message, 'error');
  }
}

window.addEventListener('hashchange', route);

function phaseText(e) {
  const c = e.clock || {};
  if (c.phase === 'ended') return t('admin_phase_ended');
  if (c.phase === 'lobby') return t('admin_phase_lobby');
  return t('admin_phase_running');
}

async function showEvents() {
  document.title = `${t('admin_title')} · Speedmeet`;
  const events = await api('GET', '/api/events');
  const rows = events.map((e) => el('tr', { 'data-event': e.id },
    el('th', { scope: 'row' }, el('a', { href: `#/e/${e.id}`, text: e.title })),
    el('td', { text: when(e.starts_at) }),
    el('td', { text: phaseText(e) }),
    el('td', { text: String(e.participants) })));
  const list = events.length
    ? el('div', { class: 'table-wrap' }, el('table', { class: 'table', 'data-testid': 'events' },
      el('thead', {}, el('tr', {}, ...['admin_col_event', 'admin_col_starts', 'admin_col_state', 'admin_col_people']
        .map((k) => el('th', { scope: 'col', text: t(k) })))),
      el('tbody', {}, rows)))
    : el('p', { class: 'muted', text: t('admin_no_events') });
  view.replaceChildren(card(t('admin_events_title'), 'events-card', list), newEventForm(),
    archiveCard(await api('GET', '/api/archive')));
}

/** The events whose personal data were forgotten: their title, date, when, and their report. */
function archiveCard(archived) {
  const report = (e) => {
    const button = el('button', { type: 'button', class: 'link-button', text: t('admin_archive_report'),
      'data-testid': 'archive-report', 'aria-label': `${t('admin_archive_report')}: ${e.title}` });
    button.addEventListener('click', async () => {
      try {
        download(await api('GET', `/api/events/${e.id}/report`, { as: 'blob' }), `report-${e.id}.json`);
      } catch (err) { say(message, err.message, 'error'); }
    });
    return button;
  };
  const rows = archived.map((e) => el('tr', { 'data-archived': e.id },
    el('th', { scope: 'row', text: e.title }),
    el('td', { text: when(e.starts_at ?? e.ended_at) }),
    el('td', { text: when(e.forgotten_at) }),
    el('td', {}, report(e))));
  const body = archived.length
    ? el('div', { class: 'table-wrap' }, el('table', { class: 'table', 'data-testid': 'archive' },
      el('thead', {}, el('tr', {}, ...['admin_col_event', 'admin_col_starts', 'admin_col_forgotten', 'admin_col_report']
        .map((k) => el('th', { scope: 'col', text: t(k) })))),
      el('tbody', {}, rows)))
    : el('p', { class: 'muted', text: t('admin_archive_none') });
  return card(t('admin_archive_title'), 'archive-card',
    el('p', { class: 'muted small', text: t('admin_archive_hint') }), body);
}

function newEventForm() {
  const title = el('input', { type: 'text', name: 'title', required: true, maxlength: 200, 'data-testid': 'new-title' });
  const starts = el('input', { type: 'datetime-local', name: 'starts_at', 'data-testid': 'new-starts' });
  const rounds = el('input', { type: 'number', name: 'rounds', min: 1, max: 200, value: 6, required: true, 'data-testid': 'new-rounds' });
  const minutes = el('input', { type: 'number', name: 'round_minutes', min: 1, max: 120, step: 0.5, value: 7, required: true, 'data-testid': 'new-minutes' });
  const pause = el('input', { type: 'number', name: 'break_seconds', min: 0, max: 7200, value: 60, required: true });
  const mode = el('select', { name: 'mode', 'data-testid': 'new-mode' },
    el('option', { value: 'bipartite', text: t('admin_mode_bipartite') }),
    el('option', { value: 'open', text: t('admin_mode_open') }));
  const sideA = el('input', { type: 'text', name: 'side_a', value: 'commune', maxlength: 200 });
  const sideB = el('input', { type: 'text', name: 'side_b', value: 'solution', maxlength: 200 });
  const sides = el('div', { class: 'inline' }, field(t('admin_side_a'), sideA), field(t('admin_side_b'), sideB));
  mode.addEventListener('change', () => { sides.hidden = mode.value !== 'bipartite'; });
  // the event speaks the page's language unless the organiser says otherwise
  const language = el('select', { name: 'language', 'data-testid': 'new-language' }, ...languageOptions(lang, false));
  const form = el('form', { class: 'form-grid', 'data-testid': 'new-event' },
    requiredLegend(),
    field(t('admin_field_title'), title),
    field(t('admin_field_starts'), starts, t('admin_field_starts_hint')),
    el('div', { class: 'inline' }, field(t('admin_field_rounds'), rounds), field(t('admin_field_minutes'), minutes),
      field(t('admin_field_break'), pause)),
    field(t('admin_field_mode'), mode), sides,
    field(t('admin_field_language'), language),
    el('p', {}, el('button', { type: 'submit', class: 'primary', text: t('admin_create'), 'data-testid': 'create-event' })));
  // a refusal's field (the server's name) → its control, where the names differ
  const controls = { round_seconds: minutes, 'matching.mode': mode, 'matching.sides': [sideA, sideB] };
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearFieldErrors(form);
    const spec = {
      title: title.value.trim(),
      rounds: Number(rounds.value),
      round_seconds: Math.round(Number(minutes.value) * 60),
      break_seconds: Number(pause.value),
      language: language.value,
      matching: mode.value === 'bipartite'
        ? { mode: 'bipartite', sides: [sideA.value.trim(), sideB.value.trim()] } : { mode: 'open' },
    };
    const at = fromLocalInput(starts.value);
    if (at !== null) spec.starts_at = at;
    try {
      const made = await api('POST', '/api/events', { json: spec });
      // shown once on the event's view (kept in memory only: they are secrets)
      justMade.set(made.id, { host: made.host_url, moderator: made.moderator_url, registration: made.registration_url });
      window.location.hash = `#/e/${made.id}`;
    } catch (err) {
      showRefusal(form, err, controls, (text) => say(message, text, 'error'));
    }
  });
  return card(t('admin_new_event'), 'new-event-card', form);
}

if (token()) {
  signedIn(true);
  route();
} else {
  signedIn(false);
  $('#admin-token').focus();
}
