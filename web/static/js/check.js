/**
 * The self-test: camera and microphone, then a WebRTC call to the server, which sends our video
 * back and echoes "ping" messages. Shows the echoed video, its resolution, the round trip, and,
 * once its measurement (`boot.measure_seconds`) is over, a verdict.
 * The call uses the STUN/TURN servers of the rooms (`boot.ice_servers`): the test says what a
 * meeting would get, with the event's ICE transport policy (`boot.ice_transport_policy`). It needs
 * the link of an event it was opened from (`boot.link`: {event, token}); without one the page
 * shows the camera only and says where to open the test.
 * When a TURN relay is configured, the page also tells whether it can be reached from this
 * network, over UDP and TCP (relay-probe.js), with or without a link.
 */

import { boot } from './boot.js';
import { errorText, t } from './i18n.js';
import { $, say } from './ui.js';
import { busy } from './focus.js';
import * as media from './media.js';
import { progress } from './measure.js';
import { probeRelay, relayServers, relayVerdict } from './relay-probe.js';

const RUN_MS = (Number(boot.measure_seconds) || 30) * 1000;
const GATHER_MS = 5000;
const PING_MS = 1000;
const LINK = boot.link && typeof boot.link === 'object' ? boot.link : null;
const ICE_SERVERS = Array.isArray(boot.ice_servers) ? boot.ice_servers : [];
const POLICY = boot.ice_transport_policy === 'relay' ? 'relay' : 'all';
const RELAY_MS = 10_000;

const local = $('#check-local');
const echo = $('#check-echo');
const still = $('#check-still');
const message = $('#message');
const again = $('#check-again');
let current = null;
let audio = null;

function show(id, text) {
  $(id).textContent = text;
}

function median(values) {
  if (!values.length) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** Wait until ICE gathering is complete (the server does not trickle), at most `ms`. */
function gathered(pc, ms) {
  if (pc.iceGatheringState === 'complete') return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      if (pc.iceGatheringState !== 'complete') return;
      pc.removeEventListener('icegatheringstatechange', done);
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      pc.removeEventListener('icegatheringstatechange', done);
      resolve();
    }, ms);
    pc.addEventListener('icegatheringstatechange', done);
  });
}

/** A small microphone level meter. */
function meter(stream) {
  if (audio || !stream.getAudioTracks().length || !window.AudioContext) return;
  const ctx = new AudioContext();
  const analyser = ctx.createAnalyser();
  analyser.fftSize = 512;
  ctx.createMediaStreamSource(stream).connect(analyser);
  const data = new Uint8Array(analyser.fftSize);
  const fill = $('#mic-level');
  const draw = () => {
    analyser.getByteTimeDomainData(data);
    let sum = 0;
    for (const v of data) sum += ((v - 128) / 128) ** 2;
    const level = Math.min(1, Math.sqrt(sum / data.length) * 4);
    fill.style.width = `${Math.round(level * 100)}%`;
    requestAnimationFrame(draw);
  };
  draw();
  audio = ctx;
  // Browsers start audio only after a gesture.
  document.addEventListener('click', () => ctx.resume(), { once: true });
}

/** The verdict (`none`: no measurement to judge, nothing shown) and its advice. */
function renderVerdict(verdict) {
  const node = $('#check-verdict');
  node.dataset.verdict = verdict;
  node.hidden = verdict === 'none';
  node.textContent = verdict === 'none' ? '' : t(`check_verdict_${verdict}`);
  show('#check-advice', ['good', 'fair', 'poor'].includes(verdict) ? t(`check_advice_${verdict}`) : '');
}

/** Keep the echo's last picture on screen once the call is closed (else the tile goes black). */
function keepStill() {
  if (!echo.videoWidth) return;
  still.width = echo.videoWidth;
  still.height = echo.videoHeight;
  still.getContext('2d').drawImage(echo, 0, 0);
  still.hidden = false;
}

class Test {
  constructor() {
    this.pc = null;
    this.timers = [];
    this.started = null;  // when the measurement started
    this.done = false;
    this.pings = [];
    this.m = { width: 0, height: 0, rtt: null, ping: null };
  }

  async run() {
    show('#check-step', t('check_step_camera'));
    let stream;
    try {
      stream = await media.start();
    } catch (err) {
      throw new Error(t(media.errorKey(err)));
    }
    local.srcObject = stream;
    meter(stream);
    this.relay().catch((err) => console.warn('speedmeet: relay check', err));
    if (!LINK) {
      show('#check-step', t('check_step_no_link'));
      say(message, t('check_needs_link'), 'info');
      renderVerdict('none');
      return;
    }

    show('#check-step', t('check_step_connect'));
    const pc = new RTCPeerConnection({ iceServers: ICE_SERVERS, iceTransportPolicy: POLICY });
    this.pc = pc;
    for (const track of stream.getTracks()) pc.addTrack(track, stream);
    if (!stream.getVideoTracks().length) pc.addTransceiver('video', { direction: 'recvonly' });
    const channel = pc.createDataChannel('ping');
    pc.ontrack = ({ track, streams }) => {
      if (track.kind !== 'video') return;
      echo.srcObject = streams[0] || new MediaStream([track]);
      echo.play().catch(() => {});
    };
    pc.onconnectionstatechange = () => {
      if (pc.connectionState === 'failed') this.fail(new Error(t('check_failed_connect')));
    };
    channel.onopen = () => {
      this.every(PING_MS, () => channel.send(JSON.stringify({ t: performance.now() })));
    };
    channel.onmessage = ({ data }) => {
      try {
        const sent = JSON.parse(data).t;
        if (typeof sent === 'number') this.pings.push(performance.now() - sent);
        this.pings = this.pings.slice(-20);
      } catch {
        // not ours
      }
    };

    await pc.setLocalDescription(await pc.createOffer());
    await gathered(pc, GATHER_MS);
    const res = await fetch('/api/check', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify({
        sdp: pc.localDescription.sdp, type: pc.localDescription.type, event: LINK.event, token: LINK.token,
      }),
    });
    const body = await res.json().catch(() => ({}));
    if (!res.ok) {
      // refused (no link, too many tests): nothing was measured, so no verdict on the network
      this.fail(new Error(errorText(body.error, '', t('error_http', { status: res.status }))), 'none');
      return;
    }
    await pc.setRemoteDescription({ sdp: body.sdp, type: body.type });

    this.started = performance.now();
    this.render();
    this.every(1000, () => this.measure());
    this.timers.push(setTimeout(() => this.finish(), RUN_MS));
  }

  /** Whether the relay answers from this network (shown beside the other results). */
  async relay() {
    const node = $('#check-relay');
    const split = relayServers(ICE_SERVERS);
    const none = !split.udp.length && !split.tcp.length;
    node.hidden = node.previousElementSibling.hidden = none;
    if (none) return;
    node.dataset.relay = 'checking';
    node.textContent = t('check_relay_checking');
    const results = await probeRelay(ICE_SERVERS, RELAY_MS);
    if (this !== current) return;
    const key = relayVerdict(results);
    node.dataset.relay = key.replace('check_relay_', '');
    node.textContent = t(key);
  }

  every(ms, fn) {
    this.timers.push(setInterval(fn, ms));
  }

  async measure() {
    if (!this.pc) return;
    const stats = await this.pc.getStats();
    if (this.done) return;
    let pairId = null;
    stats.forEach((s) => {
      if (s.type === 'transport' && s.selectedCandidatePairId) pairId = s.selectedCandidatePairId;
    });
    stats.forEach((s) => {
      if (s.type === 'candidate-pair' && typeof s.currentRoundTripTime === 'number'
          && (pairId ? s.id === pairId : s.nominated && s.state === 'succeeded')) {
        this.m.rtt = s.currentRoundTripTime * 1000;
      }
    });
    this.m.ping = median(this.pings);
    this.m.width = echo.videoWidth;
    this.m.height = echo.videoHeight;
    this.render();
  }

  render() {
    const { width, height, rtt, ping } = this.m;
    show('#check-resolution', width ? t('check_resolution_value', { width, height }) : '–');
    show('#check-rtt', rtt === null ? '–' : t('ms', { ms: Math.round(rtt) }));
    show('#check-ping', ping === null ? '–' : t('ms', { ms: Math.round(ping) }));
    // the step counts the seconds down; the verdict comes only once the measurement is over
    const said = progress(this.m, this.done ? RUN_MS : performance.now() - this.started, RUN_MS);
    show('#check-step', t(said.step, { seconds: said.seconds }));
    renderVerdict(said.verdict);
  }

  fail(err, verdict = 'poor') {
    this.stop();
    show('#check-step', t('check_step_failed'));
    say(message, err.message || String(err), 'error');
    renderVerdict(verdict);
    busy(again, false);
  }

  finish() {
    keepStill();
    this.stop();
    this.done = true;
    this.render();
    busy(again, false);
  }

  stop() {
    for (const id of this.timers) {
      clearInterval(id);
      clearTimeout(id);
    }
    this.timers = [];
    if (this.pc) {
      this.pc.onconnectionstatechange = null;
      this.pc.close();
      this.pc = null;
    }
  }
}

function start() {
  if (current) current.stop();
  busy(again, true);  // still focusable: the check runs under it
  say(message, '');
  renderVerdict('pending');
  for (const id of ['#check-resolution', '#check-rtt', '#check-ping']) show(id, '–');
  echo.srcObject = null;
  still.hidden = true;
  current = new Test();
  const test = current;
  test.run().catch((err) => test.fail(err));
}

again.addEventListener('click', () => {
  if (audio) audio.resume();
  start();
});
window.addEventListener('pagehide', () => current && current.stop());
again.hidden = !LINK;  // without a link there is nothing to test again
start();
