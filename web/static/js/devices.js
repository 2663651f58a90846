/**
 * The choice of camera and microphone: two labelled selects (keyboard-usable as any select), in
 * the lobby's preview and in the room. A choice takes effect at once (mid-call too: the calls
 * replace the track, no renegotiation) and is remembered by this browser (`media.useDevice`).
 * Every picker on the page shows the same, and follows devices plugged in or out.
 */

import { t } from './i18n.js';
import { el } from './ui.js';
import * as media from './media.js';

const pickers = new Set();
let made = 0;

function select(kind, onError) {
  const id = `device-${kind}-${++made}`;
  const node = el('select', { id, 'data-testid': `device-${kind}`, 'data-kind': kind, disabled: true });
  node.addEventListener('change', async () => {
    // not disabled meanwhile: a disabled select would lose the keyboard's focus
    node.setAttribute('aria-busy', 'true');
    try {
      await media.useDevice(kind, node.value);
    } catch (err) {
      onError(t(media.errorKey(err)));
    } finally {
      node.removeAttribute('aria-busy');
      refresh();
    }
  });
  const label = kind === 'videoinput' ? t('device_camera') : t('device_microphone');
  return { node, field: el('div', { class: 'field device-field' }, el('label', { for: id, text: label }), node) };
}

/** A camera select and a microphone select; `onError(text)` says why a switch failed. */
export function devicePicker(onError = () => {}) {
  const camera = select('videoinput', onError);
  const microphone = select('audioinput', onError);
  const root = el('div', { class: 'devices', 'data-testid': 'devices' }, camera.field, microphone.field);
  pickers.add({ videoinput: camera.node, audioinput: microphone.node });
  refresh();
  return root;
}

/** List the devices again in every picker (labels come once the camera is allowed). */
export async function refresh() {
  let found;
  try {
    found = await media.devices();
  } catch {
    return;
  }
  for (const picker of pickers) {
    for (const [kind, node] of Object.entries(picker)) {
      const list = found[kind];
      const current = found.current[kind] || '';
      const options = list.map((d, i) => el('option', {
        value: d.id,
        text: d.label || t(kind === 'videoinput' ? 'device_camera_n' : 'device_microphone_n', { n: i + 1 }),
      }));
      if (!list.length) options.push(el('option', { value: '', text: t('device_none') }));
      node.replaceChildren(...options);
      if (current && list.some((d) => d.id === current)) node.value = current;
      node.disabled = !current || list.length < 1;
    }
  }
}

media.onChange(() => refresh());
if (navigator.mediaDevices && navigator.mediaDevices.addEventListener) {
  navigator.mediaDevices.addEventListener('devicechange', () => refresh());
}
