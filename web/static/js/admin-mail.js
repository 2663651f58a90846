/** Invitations on the organiser's page: e-mails with their progress when the server sends mail,
 * else a CSV of new links for a mail merge. Every e-mail and every CSV carries new links. */

import { t, tn } from './i18n.js';
import { el } from './ui.js';
import { api, download } from './admin-api.js';
import { card, when } from './admin-ui.js';

let polling = null;

export function mailCard(ctx) {
  clearTimeout(polling);
  return ctx.mail.mail ? emailCard(ctx) : mergeCard(ctx);
}

function progress(ctx) {
  const c = ctx.mail.counts;
  const total = c.queued + c.sent + c.failed;
  const bar = el('progress', { max: Math.max(total, 1), value: c.sent + c.failed, 'data-testid': 'mail-progress',
    'aria-label': t('admin_mail_progress_label') });
  return el('div', { class: 'mail-progress' }, bar,
    el('p', { 'data-testid': 'mail-counts', role: 'status' }, t('admin_mail_counts', { ...c, sent: tn('admin_mail_sent_count', c.sent) })));
}

function emailCard(ctx) {
  const m = ctx.mail;
  const send = el('button', { type: 'button', class: 'primary', text: t('admin_mail_send'), 'data-testid': 'send-invitations' });
  const again = el('button', { type: 'button', class: 'secondary', text: t('admin_mail_send_all') });
  const go = async (body, confirmKey) => {
    if (!window.confirm(t(confirmKey))) return;
    try {
      const answer = await api('POST', `/api/events/${ctx.id}/invitations`, { json: body });
      ctx.say(tn('admin_mail_queued_toast', answer.queued.length, { skipped: answer.skipped.length }));
      await refresh(ctx);
    } catch (err) { ctx.say(err.message, 'error'); }
  };
  send.addEventListener('click', () => go({}, 'admin_mail_confirm'));
  again.addEventListener('click', () => go({ again: true }, 'admin_mail_confirm_all'));
  const failed = m.people.filter((p) => p.mail && p.mail.status === 'failed');
  const reminder = m.reminder.due_at === null ? t('admin_reminder_none')
    : m.reminder.sent ? t('admin_reminder_sent') : t('admin_reminder_due', { when: when(m.reminder.due_at) });
  if (m.counts.queued) polling = setTimeout(() => refresh(ctx), 1000);
  return card(t('admin_mail_title'), 'mail-card',
    el('p', { class: 'muted small', text: t('admin_mail_hint') }),
    progress(ctx),
    failed.length ? el('ul', { class: 'plain-list small failures', 'data-testid': 'mail-failures' }, failed.map((p) =>
      el('li', {}, el('strong', { text: p.name }), ` <${p.email}>: `, t(`admin_mail_failed_${p.mail.code}`), ` (${p.mail.reason})`))) : null,
    el('p', { class: 'small', 'data-testid': 'reminder', text: reminder }),
    el('div', { class: 'inline' }, send, again));
}

async function refresh(ctx) {
  ctx.mail = await api('GET', `/api/events/${ctx.id}/invitations`);
  if (!ctx.mail.counts.queued) {
    ctx.people = await api('GET', `/api/events/${ctx.id}/participants`);
    ctx.render();
    return;
  }
  const old = ctx.view.querySelector('[data-testid="mail-card"]');
  if (old) old.replaceWith(mailCard(ctx));
}

function mergeCard(ctx) {
  const button = el('button', { type: 'button', class: 'primary', text: t('admin_merge_download'), 'data-testid': 'merge-download' });
  button.addEventListener('click', async () => {
    if (!window.confirm(t('admin_merge_confirm'))) return;
    try {
      // in the event's language, as its office reads it (the server knows it)
      const file = await api('POST', `/api/events/${ctx.id}/links.csv`, { json: {}, as: 'file' });
      download(file.blob, file.name);
      await ctx.reload(); // each person's status: their link was handed out
      ctx.render();
      ctx.say(t('admin_merge_done'));
    } catch (err) { ctx.say(err.message, 'error'); }
  });
  return card(t('admin_mail_title'), 'mail-card',
    el('p', { text: t('admin_merge_hint') }),
    el('p', { class: 'alert alert-warn', text: t('admin_merge_warning') }),
    button);
}
