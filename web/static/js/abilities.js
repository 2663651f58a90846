/** What this device can do in a call, decided from what its browser says of itself (no DOM). */

/**
 * Whether to offer screen sharing: the browser has `getDisplayMedia`, and the device is not a
 * phone or a tablet (a mobile browser, or a touch screen with no mouse or trackpad: their
 * browsers either lack the call or refuse it). `device`: {displayMedia, finePointer, mobile}.
 */
export function canShareScreen({ displayMedia = false, finePointer = true, mobile = false } = {}) {
  return Boolean(displayMedia) && Boolean(finePointer) && !mobile;
}

/** What `win` (a browser window) says of its device, as `canShareScreen` reads it. */
export function deviceOf(win) {
  const nav = win.navigator || {};
  const media = (query) => typeof win.matchMedia === 'function' && win.matchMedia(query).matches;
  const hints = nav.userAgentData;
  return {
    displayMedia: Boolean(nav.mediaDevices && nav.mediaDevices.getDisplayMedia),
    finePointer: media('(any-pointer: fine)'),
    mobile: hints && typeof hints.mobile === 'boolean'
      ? hints.mobile : /Android|iPhone|iPad|iPod|Mobi/i.test(nav.userAgent || ''),
  };
}
