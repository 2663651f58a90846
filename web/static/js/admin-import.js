/** Importing a spreadsheet on the organiser's page: choose a file, see what it would change
 * (added, updated, unchanged, every problem with its line and column), then apply it. */

import { t, tn } from './i18n.js';
import { el } from './ui.js';
import { busy } from './focus.js';
import { api } from './admin-api.js';
import { problemText } from './admin-people.js';

const FIELD_NAMES = { name: 'admin_col_name', organization: 'admin_col_organization', side: 'admin_col_side',
  email: 'admin_col_email', language: 'admin_col_language', wishes: 'admin_col_wishes',
  first_name: 'admin_col_first_name', last_name: 'admin_col_last_name',
  pitch: 'admin_col_pitch', tags: 'admin_col_tags', label: 'admin_col_label', website: 'admin_col_website' };

function fieldName(f) { return f ? t(FIELD_NAMES[f] || f) : ''; }
/** A value in the list of changes (tags come as a list). */
function shown(v) { return (Array.isArray(v) ? v.join(', ') : v) || '∅'; }

export function importArea(ctx) {
  const input = el('input', { type: 'file', accept: '.csv,text/csv,text/plain', id: 'import-file', 'data-testid': 'import-file' });
  // not a live region: the report's heading takes the focus, and is read once from there
  const report = el('div', { class: 'import-report', 'data-testid': 'import-report' });
  let raw = null;
  input.addEventListener('change', async () => {
    const file = input.files && input.files[0];
    if (!file) return;
    report.replaceChildren(el('p', { class: 'muted', text: t('loading') }));
    try {
      raw = await file.arrayBuffer();
      const preview = await api('POST', `/api/events/${ctx.id}/participants?dry_run=1`, { body: raw, type: 'text/csv' });
      report.replaceChildren(...renderPreview(ctx, preview, file.name, () => apply()));
      report.querySelector('h4')?.focus();
    } catch (err) {
      report.replaceChildren(el('p', { class: 'alert alert-error', role: 'alert', text: err.message }));
    }
  });
  async function apply() {
    try {
      const rows = await api('POST', `/api/events/${ctx.id}/participants`, { body: raw, type: 'text/csv' });
      const count = (s) => rows.filter((r) => r.status === s).length;
      await ctx.reload();
      ctx.render();
      const part = (s) => tn(`admin_import_done_${s}`, count(s));
      ctx.say(t('admin_import_done', { added: part('added'), updated: part('updated'), unchanged: part('unchanged') }));
    } catch (err) {
      report.append(el('p', { class: 'alert alert-error', role: 'alert', text: err.message }));
    }
  }
  return el('div', { class: 'import' },
    el('h4', { text: t('admin_import_title') }),
    el('p', { class: 'muted small', text: t('admin_import_hint') }),
    el('div', { class: 'field' }, el('label', { for: 'import-file', text: t('admin_import_choose') }), input),
    report);
}

function renderPreview(ctx, p, name, apply) {
  const c = p.counts;
  const out = [
    el('h4', { tabindex: -1, text: t('admin_import_report', { file: name }) }),
    el('ul', { class: 'import-counts', 'data-testid': 'import-counts' },
      el('li', { 'data-kind': 'added' }, el('strong', { text: String(c.added) }), ' ', t('admin_import_added')),
      el('li', { 'data-kind': 'updated' }, el('strong', { text: String(c.updated) }), ' ', t('admin_import_updated')),
      el('li', { 'data-kind': 'unchanged' }, el('strong', { text: String(c.unchanged) }), ' ', tn('admin_import_unchanged', c.unchanged)),
      el('li', { 'data-kind': 'problems' }, el('strong', { text: String(c.problems) }), ' ', tn('admin_import_problems', c.problems))),
  ];
  if (p.columns) {
    out.push(el('p', { class: 'muted small' }, t('admin_import_columns', {
      columns: p.columns.filter((col) => col.field).map((col) => `${col.column} ${col.header} → ${fieldName(col.field)}`).join(' · '),
    }), p.ignored && p.ignored.length ? el('span', {}, ' ', t('admin_import_ignored', { columns: p.ignored.join(', ') })) : null));
  }
  if (c.problems) {
    out.push(el('p', { class: 'alert alert-error', role: 'alert', text: tn('admin_import_fix', c.problems) }),
      el('div', { class: 'table-wrap' }, el('table', { class: 'table problems', 'data-testid': 'import-problems' },
        el('thead', {}, el('tr', {}, ...['admin_col_line', 'admin_col_column', 'admin_col_problem']
          .map((k) => el('th', { scope: 'col', text: t(k) })))),
        el('tbody', {}, p.problems.map((pr) => el('tr', { 'data-line': pr.line ?? '', 'data-code': pr.code },
          el('td', { text: pr.line ?? pr.row ?? '' }),
          el('td', { text: [pr.column, fieldName(pr.field)].filter(Boolean).join(' · ') }),
          el('td', { text: problemText(pr) })))))));
    return out;
  }
  if (p.updated.length) {
    out.push(el('details', { open: p.updated.length <= 10 }, el('summary', { text: t('admin_import_changes') }),
      el('ul', { class: 'plain-list small', 'data-testid': 'import-changes' }, p.updated.map((u) => el('li', {},
        el('strong', { text: u.name }), ' — ',
        Object.entries(u.changes).map(([f, [a, b]]) => f === 'wishes'
          ? t('admin_import_new_wishes') : `${fieldName(f)}: ${shown(a)} → ${shown(b)}`).join(' · '))))));
  }
  const button = el('button', { type: 'button', class: 'primary', 'data-testid': 'import-apply',
    text: tn('admin_import_apply', c.added + c.updated), disabled: !(c.added + c.updated) });
  button.addEventListener('click', () => { busy(button, true); apply(); });
  out.push(el('p', {}, button, c.added + c.updated ? null : el('span', { class: 'muted', text: ` ${t('admin_import_nothing')}` })));
  return out;
}
