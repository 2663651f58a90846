/**
 * Media health: whether sound and video actually arrive from a peer (measured from the call's
 * own stats: audio energy growing, video frames decoded), and the state of our own camera and
 * microphone (on, turned off by the person, blocked, or no such device). The page reports both
 * with its link stats; the server flags the room and tells the partner (`peer_media`); and
 * `problems` says what a partner's tile should tell.
 */

// Mean square level of sound (audio energy per second) below which nothing is heard: a muted
// or absent microphone decodes to digital silence (0); a quiet room is far above this.
const SILENCE = 1e-9;
const NO_DEVICE = new Set(['NotFoundError', 'OverconstrainedError']);

/** What arrives from one peer of a call, sample after sample of its `getStats()` report. */
export class Inbound {
  constructor(now = performance.now()) {
    this.start = now;     // the call began: "nothing yet" counts from here
    this.previous = { energy: 0, seconds: 0, frames: 0 };  // a new connection counts from 0
    this.audioAt = null;  // when sound last arrived
    this.videoAt = null;  // when a video frame was last decoded
  }

  /**
   * Take one stats report (of the connection to this peer); {audio_ms, video_ms}: how long
   * since sound, and a video frame, last came from them (since the call began if never).
   */
  measure(report, now = performance.now()) {
    let energy = 0;
    let seconds = 0;
    let frames = 0;
    report.forEach((s) => {
      if (s.type !== 'inbound-rtp') return;
      if (s.kind === 'audio') {
        energy += s.totalAudioEnergy || 0;
        seconds += s.totalSamplesDuration || 0;
      } else if (s.kind === 'video') {
        frames += s.framesDecoded || 0;
      }
    });
    const before = this.previous;
    this.previous = { energy, seconds, frames };
    const span = seconds - before.seconds;
    if (span > 0 && (energy - before.energy) / span > SILENCE) this.audioAt = now;
    if (frames > before.frames) this.videoAt = now;
    const since = (at) => Math.max(0, Math.round(now - (at === null ? this.start : at)));
    return { audio_ms: since(this.audioAt), video_ms: since(this.videoAt) };
  }
}

function device(present, off, error) {
  if (present) return off ? 'off' : 'on';
  if (!error) return null;  // not asked yet
  return NO_DEVICE.has(error) ? 'none' : 'blocked';
}

/** {camera, mic} of our own devices, from media.js's `state()`, as the `stats` event says them. */
export function devices(s) {
  return {
    camera: device(s.hasVideo, s.cameraOff, s.videoError),
    mic: device(s.hasAudio, s.muted, s.audioError),
  };
}

/**
 * What a partner's tile says, as i18n keys: from what their page says of its devices (`told`:
 * {camera, mic}, or null) and what ours measured from them (`arriving`: {audio_ms, video_ms},
 * or null), with the thresholds of `limits` ({no_video_ms, no_audio_ms}).
 */
export function problems(told, arriving, limits) {
  const out = [];
  const camera = told && told.camera;
  const mic = told && told.mic;
  if (camera === 'blocked') out.push('media_peer_camera_blocked');
  else if (camera === 'none') out.push('media_peer_camera_none');
  else if (camera === 'off') out.push('media_peer_camera_off');
  else if (arriving && arriving.video_ms >= limits.no_video_ms) out.push('media_peer_no_video');
  if (mic === 'blocked') out.push('media_peer_mic_blocked');
  else if (mic === 'none') out.push('media_peer_mic_none');
  else if (mic === 'off') out.push('media_peer_mic_off');
  else if (arriving && arriving.audio_ms >= limits.no_audio_ms) out.push('media_peer_no_audio');
  return out;
}
