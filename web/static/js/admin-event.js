/** One event on the organiser's page: its links, settings, people, sign-up and invitations. */

import { dayOf, number, t, tn } from './i18n.js';
import { clearFieldErrors, el, say } from './ui.js';
import { busy } from './focus.js';
import { api, download, justMade } from './admin-api.js';
import { card, check, field, fromLocalInput, languageOptions, linkBox, requiredLegend, showRefusal, toLocalInput, when } from './admin-ui.js';
import { peopleCard } from './admin-people.js';
import { mailCard } from './admin-mail.js';
import { summariesCard } from './admin-summaries.js';

/** Render event `id` into `view`. `env`: {server, message}. */
export async function showEvent(view, id, env) {
  const ctx = { id, env, event: null, people: [], mail: null, view };
  ctx.reload = async () => {
    const [event, people, mail, summaries] = await Promise.all([
      api('GET', `/api/events/${id}`),
      api('GET', `/api/events/${id}/participants`),
      api('GET', `/api/events/${id}/invitations`),
      api('GET', `/api/events/${id}/summaries`),
    ]);
    // once it started, a link to its report (made for this view: it replaces no link)
    const report = started(event) ? await api('GET', `/api/events/${id}/report-link`) : null;
    Object.assign(ctx, { event, people, mail, summaries, report });
  };
  ctx.say = (text, kind = 'success') => say(env.message, text, kind);
  await ctx.reload();
  document.title = `${ctx.event.title} · ${t('admin_title')} · Speedmeet`;
  ctx.render = () => {
    const focused = document.activeElement && document.activeElement.dataset.testid;
    view.replaceChildren(...[headCard(ctx), summariesCard(ctx), peopleCard(ctx), mailCard(ctx), signupCard(ctx), settingsCard(ctx)]
      .filter(Boolean));
    if (focused) view.querySelector(`[data-testid="${focused}"]`)?.focus();
  };
  ctx.render();
  view.focus();
}

const started = (e) => e.clock.phase !== 'lobby';

function stateText(e) {
  const c = e.clock;
  if (c.phase === 'lobby') return t('admin_phase_lobby');
  if (c.phase === 'ended') return t('admin_phase_ended');
  return t('phase_' + c.phase, { round: c.round, rounds: c.rounds });
}

/** A button that makes a new staff link and shows it (the old one stops working). */
function reissueButton(ctx, who, label, box, then) {
  const button = el('button', { type: 'button', class: 'secondary', text: label, 'data-testid': `reissue-${who}` });
  button.addEventListener('click', async () => {
    if (!window.confirm(t(`admin_confirm_reissue_${who}`))) return;
    busy(button, true);
    try {
      const made = await api('POST', `/api/events/${ctx.id}/links`, { json: { who } });
      if (then) then(made.url);
      else box.replaceChildren(linkBox(t(`admin_new_link_${who}`), made.url, `link-${who}`));
    } catch (err) {
      ctx.say(err.message, 'error');
    } finally {
      busy(button, false);
    }
  });
  return button;
}

function headCard(ctx) {
  const e = ctx.event;
  const box = el('div', { class: 'stack' });
  const fresh = justMade.get(ctx.id);
  if (fresh) {
    justMade.delete(ctx.id);
    box.append(el('p', { class: 'alert alert-warn', text: t('admin_links_once') }),
      linkBox(t('admin_new_link_host'), fresh.host, 'link-host'),
      linkBox(t('admin_new_link_moderator'), fresh.moderator, 'link-moderator'),
      linkBox(t('admin_new_link_registration'), fresh.registration, 'link-registration'));
  }
  const host = reissueButton(ctx, 'host', t('admin_open_host'), box, (url) => {
    window.open(url, '_blank', 'noopener,noreferrer');
    box.replaceChildren(linkBox(t('admin_new_link_host'), url, 'link-host'));
  });
  const results = el('button', { type: 'button', class: 'secondary', text: t('admin_results'), 'data-testid': 'download-results' });
  results.addEventListener('click', async () => {
    try {
      const file = await api('GET', `/api/events/${ctx.id}/meetings.csv`, { as: 'file' });
      download(file.blob, file.name);
    } catch (err) { ctx.say(err.message, 'error'); }
  });
  const contacts = el('button', { type: 'button', class: 'secondary', text: t('admin_contacts'), 'data-testid': 'download-contacts' });
  contacts.addEventListener('click', async () => {
    try {
      const file = await api('GET', `/api/events/${ctx.id}/contacts.csv`, { as: 'file' });
      download(file.blob, file.name);
    } catch (err) { ctx.say(err.message, 'error'); }
  });
  // on this server, as this page is (the address the server knows itself by may be a proxy's)
  const report = ctx.report ? el('a', { class: 'button primary', href: new URL(ctx.report.url).pathname, target: '_blank',
    rel: 'noopener noreferrer', text: t('admin_report'), 'data-testid': 'report-link' }) : null;
  const remove = el('button', { type: 'button', class: 'danger', text: t('admin_delete_event'), 'data-testid': 'delete-event' });
  remove.addEventListener('click', async () => {
    if (!window.confirm(t('admin_confirm_delete', { title: e.title }))) return;
    try {
      await api('DELETE', `/api/events/${ctx.id}`, { as: 'none' });
      ctx.say(t('admin_deleted', { title: e.title }));
      window.location.hash = '#/';
    } catch (err) { ctx.say(err.message, 'error'); }
  });
  const forget = e.clock.phase === 'ended'
    ? el('button', { type: 'button', class: 'danger', text: t('admin_forget_event'), 'data-testid': 'forget-event' })
    : null;
  forget?.addEventListener('click', async () => {
    if (!window.confirm(t('admin_confirm_forget', { title: e.title }))) return;
    try {
      await api('POST', `/api/events/${ctx.id}/forget`);
      ctx.say(t('admin_forgotten', { title: e.title }));
      window.location.hash = '#/';
    } catch (err) { ctx.say(err.message, 'error'); }
  });
  const kept = e.forget_at ? el('p', { class: 'muted small', 'data-testid': 'forget-at',
    text: t('admin_forget_at', { date: when(e.forget_at) }) }) : null;
  return el('section', { class: 'card', 'data-testid': 'event-head' },
    el('p', { class: 'eyebrow', text: t('admin_event') }),
    el('h2', { text: e.title, 'data-testid': 'event-title' }),
    el('p', { class: 'muted' }, `${stateText(e)} · ${when(e.starts_at)} · `,
      tn('admin_people_count', e.participants, { online: number(e.online) })),
    el('p', { class: 'muted small', text: t('admin_links_hint') }),
    report ? el('p', { class: 'muted small', 'data-testid': 'report-hint' }, t('admin_report_hint', { date: dayOf(ctx.report.expires_at) })) : null,
    el('div', { class: 'inline' }, report, host, reissueButton(ctx, 'moderator', t('admin_new_moderator'), box), results, contacts, forget, remove),
    kept,
    box);
}

function numberInput(value, props) {
  return el('input', { type: 'number', value: value ?? '', ...props });
}

function settingsCard(ctx) {
  const e = ctx.event;
  const late = started(e);
  const title = el('input', { type: 'text', value: e.title, required: true, maxlength: 200, 'data-testid': 'edit-title' });
  const starts = el('input', { type: 'datetime-local', value: toLocalInput(e.starts_at), disabled: late, 'data-testid': 'edit-starts' });
  const rounds = numberInput(e.rounds, { min: 1, max: 200, required: true, disabled: late });
  const minutes = numberInput(e.round_seconds / 60, { min: 1, max: 120, step: 0.5, required: true, disabled: late });
  const pause = numberInput(e.break_seconds, { min: 0, max: 7200, required: true, disabled: late });
  const reminder = numberInput(e.reminder_minutes, { min: 0, max: 20160, disabled: late, 'data-testid': 'edit-reminder' });
  const language = el('select', { disabled: late }, ...languageOptions(e.language, false));
  const access = el('select', { 'data-testid': 'edit-directory' }, ...['everyone', 'names', 'invited_only', 'none']
    .map((v) => el('option', { value: v, selected: (e.directory || 'everyone') === v, text: t(`admin_directory_${v}`) })));
  const known = el('input', { type: 'text', value: (e.tags || []).join(', '), maxlength: 4000, 'data-testid': 'edit-tags' });
  const relay = check(t('admin_field_relay'), { checked: e.ice_transport_policy === 'relay', disabled: late,
    'data-testid': 'edit-relay' });
  // relevance from profiles: the switch and the event's own synonyms, one group a line
  const relevant = check(t('admin_relevance'), { checked: e.relevance !== false, 'data-testid': 'edit-relevance' });
  const synonyms = el('textarea', { rows: 3, maxlength: 20000, 'data-testid': 'edit-synonyms' });
  synonyms.value = (e.synonyms || []).join('\n');
  const form = el('form', { 'data-testid': 'settings' },
    late ? el('p', { class: 'alert alert-warn', text: t('admin_settings_started') }) : null,
    requiredLegend(),
    field(t('admin_field_title'), title),
    field(t('admin_field_starts'), starts, t('admin_field_starts_hint')),
    el('div', { class: 'inline' }, field(t('admin_field_rounds'), rounds), field(t('admin_field_minutes'), minutes),
      field(t('admin_field_break'), pause)),
    field(t('admin_field_reminder'), reminder, t('admin_field_reminder_hint')),
    field(t('admin_field_language'), language),
    field(t('admin_field_directory'), access, t('admin_field_directory_hint')),
    field(t('admin_field_tags'), known, t('admin_field_tags_hint')),
    relay.node,
    el('p', { class: 'muted small', text: t('admin_field_relay_hint') }),
    relevant.node,
    el('p', { class: 'muted small', text: t('admin_relevance_hint') }),
    field(t('admin_field_synonyms'), synonyms, t('admin_field_synonyms_hint')),
    el('p', { class: 'muted small', text: e.mode === 'bipartite'
      ? t('admin_sides_are', { a: e.sides[0], b: e.sides[1] }) : t('admin_mode_open') }),
    el('p', {}, el('button', { type: 'submit', class: 'primary', text: t('admin_save'), 'data-testid': 'save-settings' })));
  // a refusal's field (the server's name) → its control
  const controls = { title, starts_at: starts, rounds, round_seconds: minutes, break_seconds: pause,
    reminder_minutes: reminder, language, directory: access, tags: known, ice_transport_policy: relay.box,
    relevance: relevant.box, synonyms };
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearFieldErrors(form);
    const tags = known.value.split(/[,;\n]/).map((x) => x.trim()).filter(Boolean);
    const change = {
      title: title.value.trim(), directory: access.value, tags, relevance: relevant.box.checked,
      synonyms: synonyms.value.split('\n').map((x) => x.trim()).filter(Boolean),
    };
    if (!late) {
      Object.assign(change, {
        starts_at: fromLocalInput(starts.value), rounds: Number(rounds.value),
        round_seconds: Math.round(Number(minutes.value) * 60), break_seconds: Number(pause.value),
        reminder_minutes: Number(reminder.value || 0), language: language.value,
        ice_transport_policy: relay.box.checked ? 'relay' : 'all',
      });
    }
    try {
      ctx.event = await api('PATCH', `/api/events/${ctx.id}`, { json: change });
      ctx.say(t('admin_saved'));
      ctx.render();
    } catch (err) { showRefusal(form, err, controls, (text) => ctx.say(text, 'error')); }
  });
  return card(t('admin_settings_title'), 'settings-card', form);
}

function signupCard(ctx) {
  const s = ctx.event.signup;
  const open = check(t('admin_signup_open'), { checked: s.open, 'data-testid': 'signup-open' });
  const cap = numberInput(s.cap, { min: 1, max: 100000, 'data-testid': 'signup-cap' });
  const closes = el('input', { type: 'datetime-local', value: toLocalInput(s.closes_at), 'data-testid': 'signup-closes' });
  const policy = el('textarea', { rows: 5, maxlength: 20000, 'data-testid': 'signup-policy' });
  policy.value = s.policy;
  const box = el('div', {});
  const form = el('form', { 'data-testid': 'signup' },
    el('p', { class: 'muted small', text: t('admin_signup_hint') }),
    open.node,
    el('div', { class: 'inline' }, field(t('admin_signup_cap'), cap, t('admin_signup_cap_hint')),
      field(t('admin_signup_closes'), closes)),
    field(t('admin_signup_policy'), policy, t('admin_signup_policy_hint')),
    el('div', { class: 'inline' },
      el('button', { type: 'submit', class: 'primary', text: t('admin_save'), 'data-testid': 'save-signup' }),
      reissueButton(ctx, 'registration', t('admin_new_registration'), box)),
    box);
  const controls = { 'signup.open': open.box, 'signup.cap': cap, 'signup.closes_at': closes, 'signup.policy': policy };
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearFieldErrors(form);
    const signup = {
      open: open.box.checked, cap: cap.value ? Number(cap.value) : null,
      closes_at: fromLocalInput(closes.value), policy: policy.value.trim(),
    };
    try {
      ctx.event = await api('PATCH', `/api/events/${ctx.id}`, { json: { signup } });
      ctx.say(t('admin_saved'));
    } catch (err) { showRefusal(form, err, controls, (text) => ctx.say(text, 'error')); }
  });
  return card(t('admin_signup_title'), 'signup-card', form);
}
