/**
 * Staff writing to one room of this round or to one person (`message {room | participant,
 * text}`): the participant gets a notice saying who wrote it. Shared by the host console and
 * the moderator board.
 */

import { t } from './i18n.js';
import { el, say } from './ui.js';
import { busy } from './focus.js';

/**
 * A form in `container` whose list of rooms and people follows `board` (call `render()` after
 * every board change; `choose('room:r1-2' | 'person:p3')` selects a target and focuses the text).
 */
export function writePanel(container, { ask, board }) {
  const select = el('select', { id: 'write-to', name: 'to', 'data-testid': 'write-to', required: true });
  const text = el('textarea', { id: 'write-text', name: 'text', rows: 2, maxlength: 500, required: true,
    placeholder: t('write_placeholder'), 'data-testid': 'write-text' });
  const status = el('p', { class: 'alert', role: 'status', 'aria-live': 'polite', hidden: true,
    'data-testid': 'write-status' });
  const button = el('button', { type: 'submit', class: 'primary', 'data-testid': 'write-send', text: t('write_send') });
  const form = el('form', { class: 'write-form', 'data-testid': 'write-form', novalidate: true },
    el('label', { for: 'write-to', text: t('write_to') }), select,
    el('label', { for: 'write-text', text: t('write_text_label') }), text,
    el('div', { class: 'inline' }, button), status);
  container.replaceChildren(el('h3', { id: 'write-title', text: t('write_title') }), form);
  container.setAttribute('aria-labelledby', 'write-title');
  let signature = '';

  function render() {
    const rooms = (board.rooms || []).map((r) => r.id);
    const people = (board.participants || []).map((p) => [p.id, p.name]);
    const next = JSON.stringify([rooms, people]);
    if (next === signature) return;
    signature = next;
    const kept = select.value;
    select.replaceChildren(
      el('option', { value: '', text: t('write_choose') }),
      rooms.length ? el('optgroup', { label: t('write_rooms') },
        rooms.map((id) => el('option', { value: `room:${id}`, text: t('room_label', { room: id }) }))) : null,
      people.length ? el('optgroup', { label: t('write_people') },
        people.map(([id, name]) => el('option', { value: `person:${id}`, text: name }))) : null);
    select.value = [...select.options].some((o) => o.value === kept) ? kept : '';
  }

  function choose(value) {
    render();
    select.value = value;
    text.focus();
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const [kind, id] = select.value.split(/:(.*)/s);
    const body = text.value.trim();
    if (!id) {
      select.focus();
      return;
    }
    if (!body) {
      text.focus();
      return;
    }
    busy(button, true);
    try {
      await ask('message', kind === 'room' ? { room: id, text: body } : { participant: id, text: body });
      const person = (board.participants || []).find((p) => p.id === id);
      say(status, kind === 'room' ? t('write_sent_room', { room: id })
        : t('write_sent_person', { name: person ? person.name : id }), 'success');
      text.value = '';
    } catch (err) {
      say(status, err.message, 'error');
    } finally {
      busy(button, false);
    }
  });
  render();
  return { render, choose };
}
