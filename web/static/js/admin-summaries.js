/** Summaries by e-mail on the organiser's page, once the event has ended: where they stand,
 * and a button that sends them again (each with a new link to the summary alone). */

import { t, tn } from './i18n.js';
import { el } from './ui.js';
import { busy } from './focus.js';
import { api } from './admin-api.js';
import { card } from './admin-ui.js';

let polling = null;

/** The card, or null while the event runs. `ctx.summaries`: GET /api/events/{id}/summaries.
 * While some are waiting to be sent, it asks again every second. */
export function summariesCard(ctx) {
  clearTimeout(polling);
  const s = ctx.summaries;
  if (!s || ctx.event.clock.phase !== 'ended') return null;
  if (!s.mail) {
    return card(t('admin_summaries_title'), 'summaries-card',
      el('p', { class: 'muted', 'data-testid': 'summaries-no-mail', text: t('admin_summaries_no_mail') }));
  }
  const send = el('button', { type: 'button', class: 'secondary', text: t('admin_summaries_send'), 'data-testid': 'send-summaries' });
  send.addEventListener('click', async () => {
    if (!window.confirm(t('admin_summaries_confirm'))) return;
    busy(send, true);
    try {
      const answer = await api('POST', `/api/events/${ctx.id}/summaries`, { json: {} });
      ctx.say(tn('admin_summaries_queued', answer.queued.length, { skipped: answer.skipped.length }));
      ctx.summaries = await api('GET', `/api/events/${ctx.id}/summaries`);
      ctx.render();
    } catch (err) {
      ctx.say(err.message, 'error');
    } finally {
      busy(send, false);
    }
  });
  if (s.counts.queued) polling = setTimeout(() => refresh(ctx), 1000);
  return card(t('admin_summaries_title'), 'summaries-card',
    el('p', { class: 'muted small', text: t('admin_summaries_hint') }),
    el('p', { class: 'small', text: s.automatic
      ? t('admin_summaries_auto_on', { minutes: s.after_minutes }) : t('admin_summaries_auto_off') }),
    el('p', { role: 'status', 'data-testid': 'summaries-counts', text: t('admin_summaries_counts', { ...s.counts, sent: tn('admin_mail_sent_count', s.counts.sent) }) }),
    el('div', { class: 'inline' }, send));
}

async function refresh(ctx) {
  ctx.summaries = await api('GET', `/api/events/${ctx.id}/summaries`);
  const old = ctx.view.querySelector('[data-testid="summaries-card"]');
  const fresh = summariesCard(ctx);
  if (old && fresh) old.replaceWith(fresh);
}
