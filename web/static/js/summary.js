/**
 * A participant's printable summary: the print button, and for each mutual follow-up its
 * booking: propose up to three times (entered and shown in this browser's time zone, named),
 * pick one of the other's, cancel, open the follow-up room. Each action is a POST under the
 * page's own link (`…/followups/{peer}/propose|pick|cancel`); the answer is the follow-up as it
 * stands now, drawn again.
 */

import { boot } from './boot.js';
import { errorText, lang, t } from './i18n.js';
import { $, $$, el, say } from './ui.js';
import { busy, keepFocus } from './focus.js';

const MAX_TIMES = 3;
const MIN_LEAD_MS = 15 * 60_000;
const zone = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
const offset = Number(boot.now || Date.now()) - Date.now();

document.getElementById('print')?.addEventListener('click', () => window.print());

/** A time in this browser's zone, in words ("Tuesday 8 December 2026 at 10:00"). */
function when(ms) {
  return new Date(ms).toLocaleString(lang, { dateStyle: 'full', timeStyle: 'short' });
}

/** `ms` as a `datetime-local` value (this browser's zone). */
function local(ms) {
  const d = new Date(ms);
  const pad = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

async function post(peer, act, body) {
  const response = await fetch(`${boot.base}/followups/${encodeURIComponent(peer)}/${act}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) {
    const error = { ...(answer.error || {}) };
    if (typeof error.latest === 'number') error.latest_text = when(error.latest);  // in this browser's zone
    const err = new Error(errorText(error, 'followup_error'));
    err.code = answer.error && answer.error.code;
    throw err;
  }
  return answer.followup;
}

/** One mutual follow-up: its box on the page, drawn from `fu` (the server's view of it). */
class Booking {
  constructor(root, fu) {
    this.root = root;
    this.fu = fu;
    this.form = false;
    this.status = el('p', { class: 'small', hidden: true, role: 'status', 'aria-live': 'polite', 'data-testid': 'followup-message' });
    this.draw();
  }

  async act(act, body, done, button) {
    if (button) busy(button, true);  // keeps the focus while it runs
    try {
      this.fu = { ...(await post(this.fu.peer, act, body)), name: this.fu.name };
      this.form = false;
      this.redraw();
      say(this.status, t(done, { name: this.fu.name }), 'success');
    } catch (err) {
      say(this.status, err.message, 'error');
      if (button) busy(button, false);
    }
  }

  /** Draw again; the focus stays where it was, or goes to the box's first field or heading. */
  redraw() {
    keepFocus(() => this.draw(), () => this.root.querySelector('input, h4'));
  }

  draw() {
    const fu = this.fu;
    const name = fu.name;
    const parts = [el('h4', { text: t('followup_title') })];
    const buttons = [];
    const propose = (label) => el('button', {
      type: 'button', class: 'secondary', 'data-testid': 'followup-propose', text: t(label),
      onclick: () => { this.form = true; this.redraw(); },
    });
    if (fu.status === 'booked') {
      parts.push(el('p', { class: 'followup-booked', 'data-testid': 'followup-booked',
        text: `${t('followup_booked', { when: when(fu.start) })} (${zone})` }));
      parts.push(el('p', {}, el('a', { class: 'button primary', 'data-testid': 'followup-room',
        href: `${boot.base}/followup/${encodeURIComponent(fu.peer)}?lang=${lang}`, text: t('followup_room') })));
      parts.push(el('p', { class: 'small muted', text: t('followup_room_hours') }));
      buttons.push(propose('followup_other_times'));
      const cancel = el('button', { type: 'button', class: 'secondary', 'data-testid': 'followup-cancel',
        text: t('followup_cancel'), onclick: () => this.act('cancel', {}, 'followup_cancel_ok', cancel) });
      buttons.push(cancel);
    } else if (fu.status === 'proposed' && fu.mine) {
      parts.push(el('p', { text: t('followup_waiting', { name }) }));
      parts.push(el('ul', { class: 'followup-times' }, ...fu.times.map((ms) => el('li', {
        'data-testid': 'followup-time', text: `${when(ms)} (${zone})` }))));
      buttons.push(propose('followup_other_times'));
      const withdraw = el('button', { type: 'button', class: 'secondary', 'data-testid': 'followup-cancel',
        text: t('followup_withdraw'), onclick: () => this.act('cancel', {}, 'followup_withdrawn_ok', withdraw) });
      buttons.push(withdraw);
    } else if (fu.status === 'proposed') {
      parts.push(el('p', { text: t('followup_theirs', { name }) }));
      parts.push(el('ul', { class: 'followup-times plain-list' }, ...fu.times.map((ms) => {
        const pick = el('button', { type: 'button', class: 'primary', 'data-testid': 'followup-pick',
          'data-start': String(ms), text: t('followup_pick'),
          onclick: () => this.act('pick', { start: ms, tz: zone }, 'followup_booked_ok', pick) });
        return el('li', { 'data-testid': 'followup-time' }, el('span', { text: `${when(ms)} (${zone}) ` }), pick);
      })));
      buttons.push(propose('followup_other_times'));
    } else {
      if (fu.status === 'cancelled') {
        parts.push(el('p', { class: 'small', text: fu.mine ? t('followup_cancelled_mine') : t('followup_cancelled_theirs', { name }) }));
      }
      parts.push(el('p', { class: 'small', text: t('followup_none', { name }) }));
      buttons.push(propose('followup_propose'));
    }
    if (this.form) parts.push(this.proposal());
    else parts.push(el('p', { class: 'inline' }, ...buttons));
    parts.push(this.status);
    this.root.replaceChildren(...parts);
  }

  /** The form of up to three times, in this browser's zone (named). */
  proposal() {
    const earliest = local(Date.now() + offset + MIN_LEAD_MS + 60_000);
    const id = (n) => `followup-${this.fu.peer}-${n}`;
    const fields = Array.from({ length: MAX_TIMES }, (_, i) => el('p', { class: 'field' },
      el('label', { for: id(i + 1), text: t('followup_time_n', { n: i + 1 }) }),
      el('input', { type: 'datetime-local', id: id(i + 1), min: earliest, step: 300,
        'data-testid': 'followup-time-input' })));
    const form = el('form', { class: 'followup-form', 'data-testid': 'followup-form' },
      el('p', { class: 'small', 'data-testid': 'followup-zone', text: t('followup_zone', { zone }) }),
      ...fields,
      el('p', { class: 'inline' },
        el('button', { type: 'submit', class: 'primary', 'data-testid': 'followup-send', text: t('followup_send') }),
        el('button', { type: 'button', class: 'secondary', text: t('followup_close_form'),
          onclick: () => { this.form = false; this.redraw(); } })));
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const times = $$('input', form).map((input) => input.value).filter(Boolean)
        .map((value) => new Date(value).getTime());
      if (!times.length) {
        say(this.status, t('followup_need_time'), 'error');
        return;
      }
      this.act('propose', { times, tz: zone }, 'followup_proposed_ok', $('[type="submit"]', form));
    });
    return form;
  }
}

for (const fu of boot.followups || []) {
  for (const root of $$(`[data-followup="${CSS.escape(fu.peer)}"]`)) new Booking(root, fu);
}
