/** The camera and microphone: asked for once, kept for the whole session; mute and camera-off. */

const CONSTRAINTS = { video: { width: 640, height: 480 }, audio: true };
// When one device is missing or busy, still join with the other.
const FALLBACKS = [{ video: CONSTRAINTS.video }, { audio: true }];
const RETRYABLE = new Set(['NotFoundError', 'OverconstrainedError', 'NotReadableError']);

let stream = null;
let starting = null;
let muted = false;
let cameraOff = false;
let failure = null;  // the name of the error that kept a device out (null: none)
const listeners = new Set();

/** The local stream (null until `start` resolved, or if it failed). */
export function getStream() {
  return stream;
}

/** Ask for camera and microphone once; later calls return the same promise. */
export function start() {
  if (starting === null) {
    // A refusal can be retried (e.g. after the person allowed the camera).
    starting = acquire().catch((err) => {
      starting = null;
      throw err;
    });
  }
  return starting;
}

async function acquire() {
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    const err = new Error('getUserMedia is not available');
    err.name = window.isSecureContext ? 'NotSupportedError' : 'InsecureContext';
    throw err;
  }
  let firstError = null;
  for (const constraints of [CONSTRAINTS, ...FALLBACKS]) {
    try {
      stream = await navigator.mediaDevices.getUserMedia(constraints);
      failure = firstError ? firstError.name : null;
      apply();
      notify();
      return stream;
    } catch (err) {
      firstError = firstError || err;
      if (!RETRYABLE.has(err.name) && !(await oneDenied(err))) break;
    }
  }
  failure = firstError.name;
  notify();
  throw firstError;
}

/**
 * A refusal that may be of one device only: the person blocked the camera (or the microphone)
 * and allowed the other, which we can still use alone. Asked of the Permissions API, so that a
 * person who dismissed the prompt is not asked again and again.
 */
async function oneDenied(err) {
  if (err.name !== 'NotAllowedError' || !navigator.permissions) return false;
  try {
    const states = await Promise.all(['camera', 'microphone'].map(
      (name) => navigator.permissions.query({ name }).then((p) => p.state)));
    return states.filter((x) => x === 'denied').length === 1;
  } catch {
    return false;
  }
}

function apply() {
  if (!stream) return;
  for (const track of stream.getAudioTracks()) track.enabled = !muted;
  for (const track of stream.getVideoTracks()) track.enabled = !cameraOff;
}

function notify() {
  for (const fn of listeners) fn(state());
}

/**
 * {muted, cameraOff, hasAudio, hasVideo, audioError, videoError}; an error is the name of the
 * one that kept that device out (null while it works, or before we asked).
 */
export function state() {
  const hasAudio = Boolean(stream && stream.getAudioTracks().length);
  const hasVideo = Boolean(stream && stream.getVideoTracks().length);
  return {
    muted,
    cameraOff,
    hasAudio,
    hasVideo,
    audioError: hasAudio ? null : failure,
    videoError: hasVideo ? null : failure,
  };
}

/** Mute or unmute the microphone (the track stays, so no renegotiation is needed). */
export function toggleMute() {
  muted = !muted;
  apply();
  notify();
}

/** Turn the camera image off or on. */
export function toggleCamera() {
  cameraOff = !cameraOff;
  apply();
  notify();
}

/** Call `fn(state)` when the stream arrives or a toggle changes. */
export function onChange(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

/** The i18n key explaining a getUserMedia failure. */
export function errorKey(err) {
  switch (err && err.name) {
    case 'NotAllowedError':
    case 'SecurityError':
      return 'media_denied';
    case 'NotFoundError':
    case 'OverconstrainedError':
      return 'media_not_found';
    case 'NotReadableError':
    case 'AbortError':
      return 'media_busy';
    case 'InsecureContext':
      return 'media_insecure';
    default:
      return 'media_failed';
  }
}
