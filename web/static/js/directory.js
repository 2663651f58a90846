/**
 * The directory: the people I may meet (the other side of a two-sided event), their profiles,
 * a search by name, organisation or pitch, a filter by tag, and my marks on each (must meet,
 * would like to, no thanks) that the matching uses. A dialog over the page: keyboard only
 * (Escape closes it, focus comes back to the button that opened it), a list of people each
 * with a heading, buttons named after the person, announced counts.
 */

import { boot } from './boot.js';
import { t } from './i18n.js';
import { el } from './ui.js';
import { busy } from './focus.js';
import { profileCard } from './profile.js';
import { whyLine } from './why.js';

const LEVELS = ['must', 'like', 'no'];

/** Text as searched: lower case, no accents. */
function fold(text) {
  return String(text || '').normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
}

/**
 * The directory's entry card (one per screen that shows it) and the one dialog they open.
 * `ask(event, payload)` calls the server. Returns {card()} to make an entry card.
 */
export function directory(ask) {
  const state = { people: [], wishes: new Map(), tags: [], fields: 'profile', loaded: false };
  const cards = [];
  const titleId = 'directory-title';
  const search = el('input', { type: 'search', id: 'directory-search', autocomplete: 'off', 'data-testid': 'directory-search',
    'aria-describedby': 'directory-search-hint' });
  const searchHint = el('span', { class: 'muted small', id: 'directory-search-hint' });
  const tagFilter = el('select', { id: 'directory-tag', 'data-testid': 'directory-tag' });
  const count = el('p', { class: 'directory-count', role: 'status', 'aria-live': 'polite', 'data-testid': 'directory-count' });
  const saved = el('p', { class: 'form-status small', role: 'status', 'aria-live': 'polite', 'data-testid': 'directory-saved' });
  const list = el('ul', { class: 'directory-list', 'aria-labelledby': titleId, 'data-testid': 'directory-list' });
  const close = el('button', { type: 'button', class: 'secondary', text: t('close'), 'data-testid': 'directory-close' });
  const tagField = el('div', { class: 'field' }, el('label', { for: 'directory-tag', text: t('directory_tag') }), tagFilter);
  // "Suggestions for you": the few people whose profiles are closest to mine, with why
  const suggestedList = el('ul', { class: 'plain-list directory-suggested-list', 'aria-labelledby': 'directory-suggested-title' });
  const suggested = el('section', { class: 'directory-suggested', 'data-testid': 'directory-suggested', hidden: true },
    el('h3', { id: 'directory-suggested-title', text: t('directory_suggested') }),
    el('p', { class: 'muted small', text: t('directory_suggested_hint') }),
    suggestedList);
  const dialog = el('dialog', { class: 'dialog directory', id: 'directory-dialog', 'aria-labelledby': titleId,
    'data-testid': 'directory' },
  el('div', { class: 'directory-head' },
    el('h2', { id: titleId, tabindex: -1, text: t('directory_title') }),
    close),
  el('p', { class: 'muted small', text: t('directory_hint') }),
  suggested,
  el('div', { class: 'directory-filters' },
    el('div', { class: 'field' }, el('label', { for: 'directory-search', text: t('directory_search') }), search, searchHint),
    tagField),
  count, saved, list);
  document.body.append(dialog);
  let opener = null;

  close.addEventListener('click', () => dialog.close());
  dialog.addEventListener('close', () => { if (opener && opener.isConnected) opener.focus(); });
  search.addEventListener('input', filter);
  tagFilter.addEventListener('change', filter);

  function marks(person) {
    const level = state.wishes.get(person.id) || '';
    const group = el('div', { class: 'marks', role: 'group', 'aria-label': t('directory_marks_for', { name: person.name }) },
      LEVELS.map((l) => {
        const button = el('button', { type: 'button', class: `mark mark-${l}`, text: t(`directory_mark_${l}`),
          'aria-pressed': String(level === l), 'aria-label': t(`directory_mark_${l}_label`, { name: person.name }),
          'data-testid': `mark-${l}`, dataset: { level: l } });
        button.addEventListener('click', () => mark(person, button.getAttribute('aria-pressed') === 'true' ? null : l, group));
        return button;
      }));
    return group;
  }

  async function mark(person, level, group) {
    for (const b of group.querySelectorAll('button')) busy(b, true);
    try {
      const ack = await ask('wish', { to: person.id, level });
      state.wishes = new Map((ack.wishes || []).map((w) => [w.to, w.level]));
      const now = state.wishes.get(person.id) || '';
      for (const b of group.querySelectorAll('button')) b.setAttribute('aria-pressed', String(b.dataset.level === now));
      saved.textContent = now ? t(`directory_marked_${now}`, { name: person.name }) : t('directory_unmarked', { name: person.name });
      drawCards();
    } catch (err) {
      saved.textContent = err.message || String(err);
    } finally {
      for (const b of group.querySelectorAll('button')) busy(b, false);
    }
  }

  function item(person) {
    const headingId = `dir-${person.id}`;
    const haystack = fold([person.name, person.organization, person.pitch, person.label, ...(person.tags || [])].join(' '));
    return el('li', { class: 'directory-item', 'data-testid': 'directory-person',
      dataset: { person: person.id, search: haystack, tags: JSON.stringify(person.tags || []) } },
    profileCard(person, { heading: 'h3', headingId }),
    marks(person));
  }

  function filter() {
    const q = fold(search.value.trim());
    const tag = tagFilter.value;
    let shown = 0;
    for (const row of list.children) {
      const tags = JSON.parse(row.dataset.tags);
      const ok = (!q || row.dataset.search.includes(q)) && (!tag || tags.includes(tag));
      row.hidden = !ok;
      if (ok) shown += 1;
    }
    count.textContent = state.people.length
      ? t('directory_count', { shown, total: state.people.length })
      : t('directory_nobody');
  }

  async function load() {
    count.textContent = t('loading');
    try {
      const ack = await ask('directory', {});
      state.people = ack.people || [];
      state.fields = ack.fields;
      state.wishes = new Map((ack.wishes || []).map((w) => [w.to, w.level]));
      state.tags = ack.tags || [];
      state.loaded = true;
      const chosen = tagFilter.value;
      tagFilter.replaceChildren(el('option', { value: '', text: t('directory_tag_all') }),
        ...state.tags.map(({ tag, count: n }) => el('option', { value: tag, selected: tag === chosen,
          text: t('directory_tag_option', { tag, count: n }) })));
      tagField.hidden = !state.tags.length;
      searchHint.textContent = state.fields === 'names' ? t('directory_search_names') : t('directory_search_hint');
      list.replaceChildren(...state.people.map(item));
      drawSuggested(ack.suggested || []);
      filter();
      drawCards();
    } catch (err) {
      count.textContent = err.message || String(err);
    }
  }

  function drawSuggested(entries) {
    const byId = new Map(state.people.map((p) => [p.id, p]));
    const shown = entries.filter((s) => byId.has(s.id));
    suggestedList.replaceChildren(...shown.map((s) => el('li', { class: 'directory-suggestion', 'data-testid': 'suggestion',
      dataset: { person: s.id } }, profileCard(byId.get(s.id), { heading: 'h4', compact: true }), whyLine(s.why))));
    suggested.hidden = !shown.length;
  }

  function summary() {
    if (!state.loaded) return t('directory_card_text');
    const n = (l) => [...state.wishes.values()].filter((x) => x === l).length;
    return t('directory_card_marks', { total: state.people.length, must: n('must'), like: n('like'), no: n('no') });
  }

  function drawCards() {
    for (const c of cards) c.querySelector('.directory-summary').textContent = summary();
  }

  async function open(button) {
    opener = button;
    dialog.showModal();
    dialog.querySelector('h2').focus();
    await load();
  }

  return {
    /** An entry card for one screen. */
    card() {
      if (!boot.directory) {
        return el('div', { class: 'card directory-card', 'data-testid': 'directory-card', dataset: { open: 'false' } },
          el('h3', { text: t('directory_title') }),
          el('p', { class: 'muted small', text: t('directory_closed') }));
      }
      const button = el('button', { type: 'button', class: 'secondary', text: t('directory_open'),
        'aria-haspopup': 'dialog', 'data-testid': 'open-directory' });
      button.addEventListener('click', () => open(button));
      const node = el('div', { class: 'card directory-card', 'data-testid': 'directory-card', dataset: { open: 'true' } },
        el('h3', { text: t('directory_title') }),
        el('p', { class: 'muted small directory-summary', text: summary() }),
        button);
      cards.push(node);
      return node;
    },
  };
}
