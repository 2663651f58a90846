/**
 * The camera and microphone: asked for once, kept for the whole session; mute and camera-off;
 * the choice of camera and microphone (remembered by this browser, swapped within the same
 * stream so that calls only replace a track); sharing a screen.
 */

import { canShareScreen as shareable, deviceOf } from './abilities.js';

const VIDEO = { width: 640, height: 480 };
const RETRYABLE = new Set(['NotFoundError', 'OverconstrainedError', 'NotReadableError']);
const BUSY = new Set(['NotReadableError', 'AbortError']);
const CHOSEN_KEY = 'speedmeet:devices';  // {videoinput: deviceId, audioinput: deviceId}

let stream = null;
let starting = null;
let muted = false;
let cameraOff = false;
let failure = null;  // the name of the error that kept a device out (null: none)
let screen = null;  // the shared screen's video track
const listeners = new Set();
const trackListeners = new Set();
const screenListeners = new Set();

function chosen() {
  try {
    const value = JSON.parse(localStorage.getItem(CHOSEN_KEY));
    return value && typeof value === 'object' ? value : {};
  } catch {
    return {};
  }
}

function choose(kind, deviceId) {
  try {
    localStorage.setItem(CHOSEN_KEY, JSON.stringify({ ...chosen(), [kind]: deviceId }));
  } catch {
    // private mode: the choice holds for this page only
  }
}

/**
 * What to ask for, in turn: the devices this browser chose before (exactly: an `ideal` one
 * loses to another camera closer to the wanted size), any devices if those are gone, and when
 * one kind is missing or busy, still the other.
 */
function constraints() {
  const { videoinput, audioinput } = chosen();
  const asked = [];
  if (videoinput || audioinput) {
    asked.push({
      video: videoinput ? { ...VIDEO, deviceId: { exact: videoinput } } : VIDEO,
      audio: audioinput ? { deviceId: { exact: audioinput } } : true,
    });
  }
  return [...asked, { video: VIDEO, audio: true }, { video: VIDEO }, { audio: true }];
}

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

/**
 * Let the camera and microphone go (another page of ours is in the meeting now): every track
 * stops, and `start` asks for them again.
 */
export function stop() {
  stopScreen();
  if (stream) for (const track of stream.getTracks()) track.stop();
  stream = null;
  starting = null;
  notify();
}

async function acquire() {
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    const err = new Error('getUserMedia is not available');
    err.name = window.isSecureContext ? 'NotSupportedError' : 'InsecureContext';
    throw err;
  }
  let firstError = null;
  for (const asked of constraints()) {
    try {
      stream = await navigator.mediaDevices.getUserMedia(asked);
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

/** Call `fn(kind, track)` when a device was switched: `kind` is `audio` or `video`. */
export function onTrack(fn) {
  trackListeners.add(fn);
  return () => trackListeners.delete(fn);
}

/**
 * The cameras and microphones this browser has: `{videoinput: [{id, label}], audioinput: [...],
 * current: {videoinput, audioinput}}` (labels are empty until the camera was allowed).
 */
export async function devices() {
  const found = { videoinput: [], audioinput: [], current: {} };
  if (!navigator.mediaDevices || !navigator.mediaDevices.enumerateDevices) return found;
  for (const d of await navigator.mediaDevices.enumerateDevices()) {
    if (d.kind in found && d.deviceId) found[d.kind].push({ id: d.deviceId, label: d.label });
  }
  for (const [kind, track] of [['videoinput', videoTrack()], ['audioinput', audioTrack()]]) {
    if (track) found.current[kind] = track.getSettings().deviceId || null;
  }
  return found;
}

function videoTrack() {
  return stream ? stream.getVideoTracks()[0] || null : null;
}

function audioTrack() {
  return stream ? stream.getAudioTracks()[0] || null : null;
}

/**
 * Use the camera or microphone `deviceId` (`kind` videoinput or audioinput) from now on, and
 * remember it: the new track takes the old one's place in the same stream (mute and camera-off
 * carry over), and `onTrack` listeners swap it into the calls. Resolves with the new track.
 */
export async function useDevice(kind, deviceId) {
  const media = kind === 'videoinput' ? 'video' : 'audio';
  const old = media === 'video' ? videoTrack() : audioTrack();
  choose(kind, deviceId);
  if (old && old.readyState === 'live' && old.getSettings().deviceId === deviceId) return old;
  const asked = { [media]: { ...(media === 'video' ? VIDEO : {}), deviceId: { exact: deviceId } } };
  let fresh;
  try {
    [fresh] = (await navigator.mediaDevices.getUserMedia(asked)).getTracks();
  } catch (err) {
    // Some cameras open once only: let the old one go, then ask again.
    if (!old || !BUSY.has(err.name)) throw err;
    old.stop();
    [fresh] = (await navigator.mediaDevices.getUserMedia(asked)).getTracks();
  }
  if (!stream) stream = new MediaStream();
  if (old) stream.removeTrack(old);
  stream.addTrack(fresh);
  apply();
  // the calls send the new track before the old one stops
  await Promise.all([...trackListeners].map((fn) => Promise.resolve(fn(media, fresh)).catch(() => {})));
  if (old) old.stop();
  notify();
  return fresh;
}

/** Whether to offer sharing a screen or a window: not on phones and tablets (abilities.js). */
export function canShareScreen() {
  return shareable(deviceOf(window));
}

/** The shared screen's track, or null. */
export function screenTrack() {
  return screen;
}

/** Ask the browser for a screen, a window or a tab to share (it asks the person which). */
export async function startScreen() {
  if (screen) return screen;
  const shared = await navigator.mediaDevices.getDisplayMedia({ video: true, audio: false });
  const [track] = shared.getVideoTracks();
  track.contentHint = 'detail';  // slides and text: sharp rather than smooth
  // The browser's own "stop sharing" button ends the track.
  track.addEventListener('ended', () => { if (screen === track) stopScreen(); });
  screen = track;
  for (const fn of screenListeners) fn(screen);
  return screen;
}

/** Stop sharing (the camera comes back). */
export function stopScreen() {
  if (!screen) return;
  const track = screen;
  screen = null;
  track.stop();
  for (const fn of screenListeners) fn(null);
}

/** Call `fn(track | null)` when sharing starts or stops. */
export function onScreen(fn) {
  screenListeners.add(fn);
  return () => screenListeners.delete(fn);
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
