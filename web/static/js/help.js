/**
 * The participant's help request: a dialog with a few reasons and free text (keyboard only:
 * it opens with focus on the first reason, Escape or Cancel closes it, focus returns to the
 * button that opened it), a confirmation once sent, and a status line while a request is open
 * ("a moderator will come", then who is coming).
 */

import { staffName, t } from './i18n.js';
import { $, $$ } from './ui.js';
import { busy } from './focus.js';

const dialog = $('#help-dialog');
const form = $('#help-form');
const done = $('#help-done');
const errorBox = $('#help-error');
let opener = null;
let status = null;  // null | {by: staff|null}: an open request of ours

/** Open the form. `send({reason, text})` returns a promise (rejects with a readable message). */
export function openHelp(send) {
  opener = document.activeElement;
  form.hidden = false;
  done.hidden = true;
  errorBox.hidden = true;
  form.reset();
  form.onsubmit = async (event) => {
    event.preventDefault();
    const button = form.querySelector('[type="submit"]');
    const reason = (form.querySelector('input[name="reason"]:checked') || {}).value || 'other';
    const text = form.elements.text.value.trim().slice(0, 500);
    busy(button, true);
    try {
      await send({ reason, text });
      setHelpStatus({ by: null });
      form.hidden = true;
      done.hidden = false;
      $('#help-done-title').focus();
    } catch (err) {
      errorBox.textContent = err.message;
      errorBox.hidden = false;
    } finally {
      busy(button, false);
    }
  };
  dialog.showModal();
  const first = form.querySelector('input[name="reason"]:checked');
  if (first) first.focus();
}

function close() {
  dialog.close();
}

dialog.addEventListener('close', () => {
  if (opener && typeof opener.focus === 'function' && opener.isConnected) opener.focus();
  opener = null;
});
for (const button of $$('[data-dialog-close]', dialog)) button.addEventListener('click', close);
// A click on the backdrop (outside the box) closes it too.
dialog.addEventListener('click', (event) => {
  if (event.target === dialog) close();
});

/** Show what became of our request: `{by}` open (by whom it was taken), or null (none). */
export function setHelpStatus(next) {
  status = next;
  const text = !status ? '' : status.by ? t('help_coming', { name: staffName(status.by) }) : t('help_pending');
  for (const node of $$('.help-status')) {
    node.textContent = text;
    node.hidden = !text;
  }
}

/** The current open request, or null. */
export function helpStatus() {
  return status;
}
