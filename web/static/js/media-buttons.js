/** The call's mute and camera buttons, kept in step with the camera and microphone (media.js). */

import { t } from './i18n.js';
import { $$ } from './ui.js';
import * as media from './media.js';

/** Where a button's words are: its label beside an icon, else the button itself. */
function labelOf(button) {
  return button.querySelector('.label') || button;
}

/** Show `s` (a `media.state()`) on every mute and camera button of the page. */
export function renderMediaButtons(s) {
  for (const b of $$('[data-action="mute"]')) {
    b.setAttribute('aria-pressed', String(s.muted));
    labelOf(b).textContent = s.muted ? t('unmute') : t('mute');
    b.disabled = !s.hasAudio;
  }
  for (const b of $$('[data-action="camera"]')) {
    b.setAttribute('aria-pressed', String(s.cameraOff));
    labelOf(b).textContent = s.cameraOff ? t('camera_on') : t('camera_off');
    b.disabled = !s.hasVideo;
  }
}

/** Draw the buttons now and after every change of the media; returns a function that stops. */
export function followMedia() {
  const stop = media.onChange(renderMediaButtons);
  renderMediaButtons(media.state());
  return stop;
}
