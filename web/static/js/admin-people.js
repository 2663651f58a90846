/** The people of an event on the organiser's page: import, add, the list with statuses, edit,
 * remove, a new link. The server keeps only hashes of links: "copy link" makes a new one. */

import { t } from './i18n.js';
import { el, fieldError } from './ui.js';
import { api } from './admin-api.js';
import { card, dayAndTime, field, languageOptions, linkBox, requiredLegend, showProblems, sideOptions, whenShort } from './admin-ui.js';
import { importArea } from './admin-import.js';

/** Fields of a person's form, in order (a new profile field is one more entry). */
export const PERSON_FIELDS = [
  { name: 'name', label: 'admin_col_name', required: true },
  { name: 'organization', label: 'admin_col_organization' },
  { name: 'side', label: 'admin_col_side', kind: 'side' },
  { name: 'email', label: 'admin_col_email', type: 'email' },
  { name: 'language', label: 'admin_col_language', kind: 'language' },
  // the profile: edited here and in the form, shown in the table as one column
  { name: 'pitch', label: 'admin_col_pitch', kind: 'text', max: 500, profile: true },
  { name: 'tags', label: 'admin_col_tags', kind: 'tags', max: 400, profile: true, hint: 'admin_tags_hint' },
  { name: 'label', label: 'admin_col_label', max: 80, profile: true },
  { name: 'website', label: 'admin_col_website', max: 300, profile: true, inputmode: 'url' },
];
const IN_TABLE = PERSON_FIELDS.filter((s) => !s.profile);

function control(spec, event, value = '') {
  if (spec.kind === 'tags' && Array.isArray(value)) value = value.join(', ');
  if (spec.kind === 'text') {
    const area = el('textarea', { name: spec.name, rows: 3, maxlength: spec.max });
    area.value = value;
    return area;
  }
  if (spec.kind === 'side') {
    if (event.mode !== 'bipartite') return null;
    return el('select', { name: spec.name, required: true }, ...sideOptions(event.sides, value));
  }
  if (spec.kind === 'language') return el('select', { name: spec.name }, ...languageOptions(value));
  return el('input', { type: spec.type || 'text', name: spec.name, value, maxlength: spec.max || 200, required: spec.required || false,
    autocomplete: 'off', inputmode: spec.inputmode || null });
}

function values(form) {
  const out = {};
  for (const spec of PERSON_FIELDS) {
    const input = form.elements.namedItem(spec.name);
    if (input) out[spec.name] = input.value.trim();
  }
  return out;
}

/** The profile column of the table: label, tags, whether there is a pitch, a website, a photo. */
function profileText(p) {
  const parts = [];
  if (p.label) parts.push(p.label);
  if (p.tags && p.tags.length) parts.push(p.tags.join(', '));
  if (p.pitch) parts.push(t('admin_profile_pitch'));
  if (p.website) parts.push(t('admin_profile_website'));
  if (p.photo) parts.push(t('admin_profile_photo'));
  return parts.join(' · ') || '–';
}

function statusText(p) {
  const parts = [];
  if (p.signed_up) parts.push(t('admin_signed_up'));
  if (p.online) parts.push(t('online'));
  if (p.stopped) parts.push(t('participant_stopped'));
  if (p.mail && p.mail.status === 'downloaded') {
    parts.push(t('admin_mail_downloaded', dayAndTime(p.mail.at)));
  } else if (p.mail) {
    const kind = t(`admin_mail_kind_${p.mail.kind}`);
    parts.push(t(`admin_mail_${p.mail.status}`, { kind, when: whenShort(p.mail.at) }));
  } else if (!p.email) parts.push(t('admin_mail_no_email'));
  return parts.join(' · ') || t('admin_mail_none');
}

export function peopleCard(ctx) {
  const box = el('div', { 'data-testid': 'person-link' });
  const table = peopleTable(ctx, box);
  return card(t('admin_people_title', { count: ctx.people.length }), 'people-card',
    importArea(ctx), addForm(ctx, box),
    el('p', { class: 'muted small', text: t('admin_links_hashed') }),
    box, table);
}

function addForm(ctx, box) {
  const form = el('form', { class: 'person-form', 'data-testid': 'add-person' });
  const fields = IN_TABLE.map((spec) => {
    const input = control(spec, ctx.event);
    return input ? field(t(spec.label), input) : null;
  });
  form.append(requiredLegend(), el('div', { class: 'inline fields' }, ...fields),
    el('button', { type: 'submit', class: 'secondary', text: t('admin_add_person'), 'data-testid': 'add-person-submit' }));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      const [made] = await api('POST', `/api/events/${ctx.id}/participants`, { json: [values(form)] });
      await ctx.reload();
      ctx.render();
      const shown = ctx.view.querySelector('[data-testid="person-link"]');
      if (made.join_url) shown.replaceChildren(linkBox(t('admin_person_link', { name: made.name }), made.join_url, 'person-url'));
      ctx.say(made.status === 'added' ? t('admin_person_added', { name: made.name }) : t('admin_person_known', { name: made.name }));
    } catch (err) {
      sayProblems(ctx, form, err);
    }
  });
  return el('details', { class: 'add-person' }, el('summary', { text: t('admin_add_person') }), form);
}

/** A refused add or edit: each problem beside its field, what has no field in the page's message. */
function sayProblems(ctx, form, err) {
  // a list of problems (bad_row), or one error that may name its field (email_taken: email)
  const listed = Array.isArray(err.error.problems);
  const problems = listed ? err.error.problems : [{ field: err.error.field, message: err.message }];
  const said = (p) => (listed ? problemText(p) : p.message);
  const [first] = showProblems(form, problems, said);
  if (first) ctx.say(said(first), 'error');
}

/** A problem of an import or an edit, in the page's language (the server's text otherwise). */
export function problemText(p) {
  const params = { ...(p.params || {}), allowed: (p.params && p.params.allowed || []).join(', ') };
  const key = `import_problem_${p.code}`;
  const said = t(key, params);
  return said === key ? p.message : said;
}

function peopleTable(ctx, box) {
  if (!ctx.people.length) return el('p', { class: 'muted', text: t('participants_none') });
  const rows = ctx.people.map((p) => personRow(ctx, p, box));
  return el('div', { class: 'table-wrap' }, el('table', { class: 'table', 'data-testid': 'people' },
    el('caption', { class: 'visually-hidden', text: t('admin_people_caption') }),
    el('thead', {}, el('tr', {}, ...IN_TABLE.filter((s) => s.kind !== 'side' || ctx.event.mode === 'bipartite')
      .map((s) => el('th', { scope: 'col', text: t(s.label) })),
    el('th', { scope: 'col', text: t('admin_col_profile') }),
    el('th', { scope: 'col', text: t('admin_col_status') }), el('th', { scope: 'col', text: t('admin_col_actions') }))),
    el('tbody', {}, rows)));
}

function personRow(ctx, p, box) {
  const cells = IN_TABLE.filter((s) => s.kind !== 'side' || ctx.event.mode === 'bipartite').map((s) => {
    const value = s.kind === 'language' ? (p.language ? t(`lang_name_${p.language}`) : '–') : (p[s.name] || '');
    if (s.name === 'name') return el('th', { scope: 'row', text: value });
    // an address is one long word: it may break anywhere rather than widen the table
    return el('td', { text: value, class: s.name === 'email' ? 'breakable' : null });
  });
  const edit = el('button', { type: 'button', class: 'secondary small-button', text: t('admin_edit'),
    'aria-label': t('admin_edit_label', { name: p.name }), 'data-testid': 'edit-person' });
  const link = el('button', { type: 'button', class: 'secondary small-button', text: t('admin_new_person_link'),
    'aria-label': t('reissue_label', { name: p.name }), 'data-testid': 'person-new-link' });
  const remove = el('button', { type: 'button', class: 'danger small-button', text: t('admin_remove'),
    'aria-label': t('admin_remove_label', { name: p.name }), 'data-testid': 'remove-person',
    disabled: ctx.event.clock.phase !== 'lobby' });
  const row = el('tr', { 'data-participant': p.id, 'data-mail': p.mail ? p.mail.status : 'none' }, ...cells,
    el('td', { class: 'small profile-cell', text: profileText(p), 'data-testid': 'person-profile' }),
    el('td', { class: 'small', text: statusText(p), 'data-testid': 'person-status' },
      p.mail && p.mail.status === 'failed' ? el('span', { class: 'failure', text: ` — ${p.mail.reason}` }) : null),
    el('td', {}, el('div', { class: 'inline actions' }, edit, link, remove)));
  edit.addEventListener('click', () => row.replaceWith(editRow(ctx, p, row)));
  link.addEventListener('click', async () => {
    if (!window.confirm(t('admin_confirm_person_link', { name: p.name }))) return;
    try {
      const made = await api('POST', `/api/events/${ctx.id}/links`, { json: { who: p.id } });
      box.replaceChildren(linkBox(t('admin_person_link', { name: p.name }), made.url, 'person-url'));
    } catch (err) { ctx.say(err.message, 'error'); }
  });
  remove.addEventListener('click', async () => {
    if (!window.confirm(t('admin_confirm_remove', { name: p.name }))) return;
    try {
      await api('DELETE', `/api/events/${ctx.id}/participants/${p.id}`, { as: 'none' });
      await ctx.reload();
      ctx.render();
      ctx.say(t('admin_removed', { name: p.name }));
    } catch (err) { ctx.say(err.message, 'error'); }
  });
  return row;
}

function editRow(ctx, p, row) {
  const form = el('form', { class: 'person-form', 'data-testid': 'edit-form' });
  const fields = PERSON_FIELDS.map((spec) => {
    const input = control(spec, ctx.event, p[spec.name] || '');
    return input ? field(t(spec.label), input, spec.hint ? t(spec.hint) : '') : null;
  });
  const cancel = el('button', { type: 'button', class: 'secondary', text: t('admin_cancel') });
  form.append(requiredLegend(), el('div', { class: 'inline fields' }, ...fields.filter((f, i) => f && !PERSON_FIELDS[i].profile)),
    el('div', { class: 'profile-fields' }, ...fields.filter((f, i) => f && PERSON_FIELDS[i].profile), photoControl(ctx, p)),
    el('div', { class: 'inline' }, el('button', { type: 'submit', class: 'primary', text: t('admin_save'), 'data-testid': 'save-person' }), cancel));
  const editing = el('tr', { 'data-participant': p.id }, el('td', { colspan: 9 }, form));
  cancel.addEventListener('click', () => editing.replaceWith(row));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      await api('PATCH', `/api/events/${ctx.id}/participants/${p.id}`, { json: values(form) });
      await ctx.reload();
      ctx.render();
      ctx.say(t('admin_person_saved', { name: p.name }));
    } catch (err) {
      sayProblems(ctx, form, err);
    }
  });
  setTimeout(() => form.querySelector('input')?.focus(), 0);
  return editing;
}

/** A person's photo on the organiser's page: shown (fetched with the token), replaced, removed. */
function photoControl(ctx, p) {
  const path = `/api/events/${ctx.id}/participants/${p.id}/photo`;
  const shown = el('span', { class: 'photo-preview' });
  const input = el('input', { type: 'file', accept: 'image/jpeg,image/png,image/webp', 'data-testid': 'admin-photo-input' });
  const remove = el('button', { type: 'button', class: 'secondary small-button', text: t('admin_photo_remove'), hidden: !p.photo });
  const show = async (digest) => {
    shown.replaceChildren();
    if (!digest) return;
    try {
      const blob = await api('GET', `${path}?v=${digest}`, { as: 'blob' });
      shown.append(el('img', { class: 'avatar avatar-lg', src: URL.createObjectURL(blob), alt: t('profile_photo_of', { name: p.name }) }));
    } catch { /* shown without it */ }
  };
  input.addEventListener('change', async () => {
    const file = input.files && input.files[0];
    if (!file) return;
    fieldError(input, '');
    try {
      const made = await api('PUT', path, { body: file, type: file.type || 'application/octet-stream' });
      p.photo = made.photo;
      remove.hidden = false;
      await show(made.photo);
      ctx.say(t('admin_photo_saved', { name: p.name }));
    } catch (err) { fieldError(input, err.message); } finally { input.value = ''; }
  });
  remove.addEventListener('click', async () => {
    try {
      await api('DELETE', path, { as: 'none' });
      p.photo = null;
      remove.hidden = true;
      await show(null);
      ctx.say(t('admin_photo_removed', { name: p.name }));
    } catch (err) { ctx.say(err.message, 'error'); }
  });
  show(p.photo);
  const node = field(t('admin_photo'), input, t('admin_photo_hint'));
  node.append(el('div', { class: 'inline' }, shown, remove));
  return node;
}
