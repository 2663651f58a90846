/**
 * "I have to leave", asked in a dialog (from the room's "Leave the meeting" or the other
 * screens' link): Stay or Leave; the focus starts on Stay and goes back to the button that
 * opened it. Leaving is what the page's `stop` does: no meeting is offered any more.
 */

import { t } from './i18n.js';
import { $, $$ } from './ui.js';

const dialog = $('#leave-dialog');
const text = $('#leave-dialog-text');
const confirm = $('[data-testid="leave-confirm"]', dialog);
let opener = null;
let onLeave = null;

/** Ask; `leave()` runs when the person confirms. `inMeeting`: said from inside a meeting. */
export function askLeave(leave, inMeeting) {
  opener = document.activeElement;
  onLeave = leave;
  text.textContent = t(inMeeting ? 'leave_text_meeting' : 'leave_text');
  dialog.showModal();
  $('[data-dialog-close]', dialog).focus();
}

dialog.addEventListener('close', () => {
  if (opener && typeof opener.focus === 'function' && opener.isConnected) opener.focus();
  opener = null;
});
for (const button of $$('[data-dialog-close]', dialog)) button.addEventListener('click', () => dialog.close());
dialog.addEventListener('click', (event) => {
  if (event.target === dialog) dialog.close();
});
confirm.addEventListener('click', () => {
  const leave = onLeave;
  onLeave = null;
  dialog.close();
  if (leave) leave();
});
