/** "Whom would you like to meet?": a participant's own wishes (`wishes`, `wish`). */

import { t } from './i18n.js';
import { el } from './ui.js';

const LEVELS = ['', 'must', 'like', 'no'];
const FILTER_FROM = 8;

/**
 * A collapsible panel. `ask(event, payload)` calls the server and resolves with the ack.
 * The list is loaded each time the panel is opened.
 */
export function wishesPanel(ask) {
  const list = el('div', { class: 'wish-list' });
  const status = el('p', { class: 'form-status small', role: 'status', 'aria-live': 'polite' });
  const filter = el('input', { type: 'search', class: 'wish-filter', placeholder: t('wishes_filter'),
    'aria-label': t('wishes_filter'), hidden: true });
  const panel = el('details', { class: 'card wishes', 'data-testid': 'wishes' },
    el('summary', { text: t('wishes_title') }),
    el('p', { class: 'muted small', text: t('wishes_hint') }),
    filter, list, status);

  filter.addEventListener('input', () => {
    const q = filter.value.trim().toLowerCase();
    for (const row of list.children) row.hidden = q !== '' && !row.dataset.search.includes(q);
  });

  const row = (person, level) => {
    const select = el('select', { 'aria-label': t('wishes_for', { name: person.name }) },
      LEVELS.map((l) => el('option', { value: l, selected: l === (level || ''), text: t(`wish_${l || 'none'}`) })));
    select.addEventListener('change', async () => {
      select.disabled = true;
      try {
        await ask('wish', { to: person.id, level: select.value || null });
        status.textContent = t('wishes_saved');
      } catch (err) {
        status.textContent = err.message || String(err);
      } finally {
        select.disabled = false;
      }
    });
    return el('div', { class: 'wish-row', dataset: { search: `${person.name} ${person.organization || ''}`.toLowerCase() } },
      el('span', { class: 'wish-person' },
        el('strong', { text: person.name }),
        person.organization ? el('span', { class: 'muted', text: ` · ${person.organization}` }) : null),
      select);
  };

  panel.addEventListener('toggle', async () => {
    if (!panel.open) return;
    status.textContent = t('loading');
    try {
      const ack = await ask('wishes', {});
      const mine = new Map((ack.wishes || []).map((w) => [w.to, w.level]));
      const people = ack.candidates || [];
      list.replaceChildren(...people.map((p) => row(p, mine.get(p.id))));
      filter.hidden = people.length < FILTER_FROM;
      status.textContent = people.length ? '' : t('wishes_nobody');
    } catch (err) {
      status.textContent = err.message || String(err);
    }
  });
  return panel;
}
