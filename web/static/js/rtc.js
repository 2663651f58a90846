/**
 * Calls between the members of one room: one RTCPeerConnection per peer (a small mesh for rooms
 * of three, and for a moderator who joins the call), perfect negotiation with the `polite` flag
 * the server gives per peer, trickle ICE relayed by the server's `signal` event, and link stats
 * reported every 5 s.
 *
 * Each remote peer is its own `Peer` (its connection and negotiation state): peers come and go
 * one by one while the others' calls go on. A peer whose info says `extra: true` (a moderator in
 * a member's call) is called like any other but left out of the room's link report, which is
 * about the meeting itself. The moderator's page uses a Mesh of its own to call every member.
 *
 * Every message we send carries `session`, the id of the RTCPeerConnection that sent it, and `to`,
 * the session of theirs it answers (once we know it). An offer or a hello from a peer who started
 * over (reload, new connection) makes us start over too; messages addressed to a connection of
 * ours that is gone, and answers or candidates of an old connection of theirs, are dropped.
 *
 * The impolite peer makes the first offer and the polite one answers it: when both offered at
 * once, Chrome's polite side (offer rolled back, then an answer) sometimes gathered no ICE
 * candidates at all. Perfect negotiation still settles any later glare. A new polite connection
 * that has nothing to answer yet says `hello` instead, so that the impolite side knows to offer
 * (again). A watchdog on the impolite side starts the connection over when it is not up after a
 * while (lost offer, broken ICE), with a growing delay; the polite side follows the new offer.
 *
 * Media flows peer to peer: the signaling socket of either side may drop and come back while a
 * call goes on, so a partner's presence (`peer {online}`) never tears a working call down. A call
 * starts over only when the partner's session changed or the connection is down: `failed`
 * (ICE or DTLS, so `connectionState` as well as `iceConnectionState`), or `disconnected` for
 * DOWN_MS. The impolite side then tries an ICE restart first (a broken DTLS session needs a new
 * connection); the polite side starts over itself only if the call is still down a while later.
 * When the page's own network changes (the browser says `online` again, or a new kind of
 * connection), each call restarts ICE at once instead (see Peer.networkChanged).
 *
 * Sharing a screen replaces the camera's track on every connection (`replaceTrack`: no
 * renegotiation; a page without a camera turns its receive-only video into send-receive, which
 * renegotiates through the same perfect negotiation), and tells each peer `{screen: true}` over
 * signaling once its connection is up, so that their page shows it large; stopping puts the
 * camera back and says `{screen: false}`. A camera or microphone chosen mid-call is swapped in
 * the same way (`replaceTrack`).
 *
 * Every connection uses the ICE servers and the ICE transport policy of the latest assignment
 * (`ice_transport_policy`: `relay` gathers and sends no address of this person, only the TURN
 * relay's). A relay-only connection whose TURN server refuses the credentials (401/403: expired,
 * or a server with another secret) can never connect: its link says `relay_refused`, which the
 * page explains and the room's link report carries to the moderators.
 */

import { Inbound } from './health.js';

const STATS_MS = 5000;
const PENDING_MS = 15_000;
const RESEND_MS = 1000;       // a hello while our offer is out: its answer may be on the way
const WATCH_MS = 12_000;
const WATCH_MAX_MS = 60_000;
const DOWN_MS = 4000;         // disconnected this long: the connection is down
const POLITE_DOWN_MS = 10_000; // down this long on the polite side: start over from here too
const NETWORK_SETTLE_MS = 100;  // a network change comes as several events: act once
const UP = new Set(['connected', 'completed']);
const REFUSED = new Set([401, 403]); // a TURN server's answers to credentials it does not take
// Worst first: the room's link is as good as its worst connection.
const ICE_RANK = ['relay_refused', 'failed', 'disconnected', 'closed', 'new', 'checking', 'connected', 'completed'];

/** Signaling trace, when the page sets `window.speedmeetDebug = true` (e.g. from the console). */
function debug(...args) {
  if (window.speedmeetDebug) console.debug('speedmeet rtc', ...args);
}

function sessionId() {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** What a signal holds, for the debug trace. */
function kindOf(data) {
  if (data.description) return data.description.type;
  return data.hello ? 'hello' : 'candidate';
}

function clamp01(x) {
  return Math.min(1, Math.max(0, x));
}

/** One RTCPeerConnection to one peer, with the MDN "perfect negotiation" state. */
class Peer {
  constructor(mesh, info, polite, remoteSession = null) {
    this.mesh = mesh;
    this.id = info.id;
    this.info = info;
    this.polite = polite;
    this.session = sessionId();
    this.remoteSession = remoteSession;
    this.makingOffer = false;
    this.ignoreOffer = false;
    this.answerPending = false;
    this.closed = false;
    this.early = [];        // candidates of a session not adopted yet
    this.candidates = [];   // candidates that came before the remote description
    this.chain = Promise.resolve();
    this.previous = null;   // last stats sample, for rates
    this.watch = null;      // impolite: start over if not up in a while
    this.downTimer = null;  // disconnected: is it down for good?
    this.politeTimer = null; // polite: start over if still down in a while
    this.resend = null;     // impolite: our offer once more, if a hello says it was lost
    this.lostAt = 0;        // when it went disconnected or failed (0: it did not)
    this.iceRestarted = false;
    this.flowed = false;    // media came in some stats sample ...
    this.stalled = false;   // ... and none in the last one, while connected
    this.shown = null;      // the state the hooks last heard
    this.inbound = new Inbound(); // what arrives from them (health.js)
    this.stream = new MediaStream();
    this.relayed = false;   // a relay candidate was gathered
    this.refused = false;   // relay-only, and the TURN server refused us (and gave no candidate)

    const pc = new RTCPeerConnection(mesh.configuration());
    this.pc = pc;
    const local = mesh.stream;
    const kinds = new Set();
    if (local) {
      for (const track of local.getTracks()) {
        // while a screen is shared, a new connection sends it instead of the camera
        const sent = track.kind === 'video' && mesh.screen ? mesh.screen : track;
        pc.addTrack(sent, local);
        kinds.add(track.kind);
      }
    }
    if (mesh.screen && !kinds.has('video')) {
      pc.addTrack(mesh.screen, local || new MediaStream());
      kinds.add('video');
    }
    this.screenSaid = false; // whether we told this peer our screen is shared
    // Without a camera or microphone we still want to see and hear the others.
    for (const kind of ['audio', 'video']) {
      if (!kinds.has(kind)) pc.addTransceiver(kind, { direction: 'recvonly' });
    }
    pc.ontrack = ({ track }) => {
      if (this.closed) return;
      this.stream.addTrack(track);
      this.mesh.hooks.track(this.id, this.stream);  // this.mesh: a prepared call is taken over
    };
    pc.onicecandidate = ({ candidate }) => {
      if (candidate && candidate.type === 'relay') this.relayed = true;
      if (candidate && !this.closed) this.send({ candidate: candidate.toJSON() });
    };
    pc.onicecandidateerror = (event) => this.candidateError(event);
    // Offers go through the same queue as incoming signals: a local offer being made while a
    // remote offer is applied left Chrome's polite side without ICE candidates.
    pc.onnegotiationneeded = () => this.queue(() => this.offer());
    // ICE can be up while DTLS failed: watch both.
    pc.oniceconnectionstatechange = () => this.changed();
    pc.onconnectionstatechange = () => this.changed();
    this.arm();
  }

  /**
   * The state of this connection in ICE's words: `failed` when ICE or DTLS failed,
   * `disconnected` when either is, `checking` while ICE is up but DTLS is not yet.
   */
  state() {
    const ice = this.pc.iceConnectionState;
    const conn = this.pc.connectionState; // undefined where browsers lack it
    if (ice === 'failed' || conn === 'failed') return 'failed';
    if (ice === 'closed' || conn === 'closed') return 'closed';
    if (ice === 'disconnected') return 'disconnected';
    // ICE back up (after a restart) while `connectionState` still says `disconnected`: it
    // follows a moment later; not down (counting it down started the call over).
    if (conn === 'disconnected' && !UP.has(ice)) return 'disconnected';
    if (UP.has(ice)) return conn === undefined || conn === 'connected' ? ice : 'checking';
    return ice;
  }

  up() {
    return UP.has(this.state());
  }

  /** Down for real: failed, or disconnected for DOWN_MS (a blip of ICE is not). */
  down() {
    const state = this.state();
    return state === 'failed' || (state === 'disconnected' && Date.now() - this.lostAt >= DOWN_MS);
  }

  /**
   * What the page hears of this connection: its state, `stalled` (connected, no media), or
   * `relay_refused` (relay-only, and the TURN server refused our credentials: never up).
   */
  link() {
    const state = this.state();
    if (this.refused && !UP.has(state)) return 'relay_refused';
    return this.stalled && UP.has(state) ? 'stalled' : state;
  }

  /** A TURN server refused our credentials: with relay only, nothing else can carry the call. */
  candidateError(event) {
    debug('candidate error', this.id, event.url, event.errorCode, event.errorText);
    if (this.closed || this.mesh.policy !== 'relay' || this.relayed) return;
    if (!REFUSED.has(event.errorCode)) return;
    this.refused = true;
    this.tell();
    this.mesh.reportSoon();
  }

  changed() {
    if (this.closed) return;
    const state = this.state();
    debug('state', this.id, state, 'ice', this.pc.iceConnectionState, 'dtls', this.pc.connectionState);
    if (UP.has(state)) {
      clearTimeout(this.watch);
      clearTimeout(this.downTimer);
      clearTimeout(this.politeTimer);
      this.politeTimer = null;
      this.lostAt = 0;
      this.iceRestarted = false;
      this.mesh.patience.delete(this.id);
      this.sayScreen();
    } else if (state === 'failed' || state === 'disconnected') {
      if (!this.lostAt) this.lostAt = Date.now();
      clearTimeout(this.downTimer);
      // ICE often comes back by itself from `disconnected`: only act when it does not.
      const wait = state === 'failed' ? 0 : Math.max(0, this.lostAt + DOWN_MS - Date.now());
      this.downTimer = setTimeout(() => this.recover(), wait);
    }
    this.tell();
    this.mesh.reportSoon();
  }

  /** Tell the page how this call is, when that changed. */
  tell() {
    const link = this.link();
    if (link === this.shown || this.closed) return;
    this.shown = link;
    this.mesh.hooks.state(this.id, link);
  }

  /**
   * The connection is down. The impolite side restarts ICE once (a broken DTLS session needs a
   * new connection, and so does an ICE restart that did not help); the polite side lets it try,
   * and starts over itself if the call is still down a while later (the other side may not see
   * what we see).
   */
  recover() {
    if (this.closed || !this.down()) return;
    if (this.polite) {
      if (this.politeTimer) return;
      this.politeTimer = setTimeout(() => {
        this.politeTimer = null;
        if (this.closed || this.up()) return;
        debug('still down: starting over with', this.id);
        this.mesh.restart(this.id);
      }, POLITE_DOWN_MS);
      return;
    }
    const dtls = this.pc.connectionState === 'failed' && UP.has(this.pc.iceConnectionState);
    if (dtls || this.iceRestarted) {
      debug('down: starting over with', this.id, dtls ? '(DTLS failed)' : '(ICE restart did not help)');
      this.mesh.restart(this.id);
      return;
    }
    debug('down: ICE restart with', this.id);
    this.iceRestarted = true;
    this.pc.restartIce();
    this.arm();
  }

  /**
   * This page's network changed (Wi-Fi to 4G, a new address): the candidate pair in use left
   * with the old network, though ICE takes seconds to notice. Restart ICE at once, whichever
   * side we are (only this side knows; perfect negotiation settles a crossing offer), and fall
   * back on `recover` as usual if that does not bring the call back.
   */
  networkChanged() {
    if (this.closed || !this.pc.remoteDescription) return;
    debug('network changed: ICE restart with', this.id);
    this.iceRestarted = true;
    this.pc.restartIce();
    this.arm();
  }

  /** Start over if the connection is not up in a while (the impolite side acts). */
  arm() {
    if (this.polite) return;
    clearTimeout(this.watch);
    const wait = this.mesh.patience.get(this.id) || WATCH_MS;
    this.watch = setTimeout(() => {
      if (this.closed || this.up()) return;
      debug('watchdog: starting over with', this.id, 'after', wait, 'ms in', this.state());
      this.mesh.patience.set(this.id, Math.min(wait * 2, WATCH_MAX_MS));
      this.mesh.restart(this.id);
    }, wait);
  }

  /**
   * A new polite connection with nothing to answer says hello: the impolite side offers (again)
   * to this session. Queued after the signals already waiting, which may hold that offer.
   */
  greet() {
    this.queue(() => {
      if (this.closed || !this.polite || this.remoteSession || this.pc.remoteDescription) return;
      this.send({ hello: true });
    });
  }

  /**
   * The peer's signaling came back (`peer {online: true}`) while this call is not up: a message
   * may have been lost while they were away. A call that is down starts over; one still being
   * set up asks again (our offer once more, or a hello).
   */
  nudge() {
    if (this.closed || this.up()) return;
    if (this.down()) {
      this.mesh.restart(this.id);
      return;
    }
    if (this.polite) this.greet();
    else this.offerAgain(0);
  }

  /**
   * Send our offer once more in `ms` if it is still out unanswered by then (a hello crosses our
   * first offer at every start: its answer is usually on the way). The polite side drops an
   * offer it has answered already.
   */
  offerAgain(ms) {
    clearTimeout(this.resend);
    this.resend = setTimeout(() => this.queue(() => {
      if (this.closed || this.pc.signalingState !== 'have-local-offer') return;
      debug('offer again to', this.id);
      this.send({ description: this.pc.localDescription.toJSON() });
    }), ms);
  }

  send(data) {
    debug('send', this.id, this.session, kindOf(data));
    this.mesh.send(this.id, { ...data, session: this.session, to: this.remoteSession });
  }

  fail(err) {
    if (!this.closed) this.mesh.hooks.error(this.id, err);
  }

  /** Run `step` after every earlier step of this connection (signals and our offers). */
  queue(step) {
    this.chain = this.chain.then(step).catch((err) => this.fail(err));
  }

  /** Take a signal from this peer (processed one at a time, in arrival order). */
  receive(data) {
    this.queue(() => this.handle(data));
  }

  async offer() {
    // Not stable: an offer is out already; the browser asks again once it is answered.
    if (this.closed || this.pc.signalingState !== 'stable') return;
    // The polite side waits for the first offer (see the top of this module).
    if (this.polite && !this.pc.remoteDescription) return;
    try {
      this.makingOffer = true;
      await this.pc.setLocalDescription();
      if (!this.closed) this.send({ description: this.pc.localDescription.toJSON() });
    } finally {
      this.makingOffer = false;
    }
  }

  async handle(data) {
    if (this.closed || !data || typeof data !== 'object') return;
    const { description, candidate, session, hello, to } = data;
    debug('receive', this.id, session, kindOf(data), 'to', to, this.pc.signalingState,
      'mine', this.session, 'theirs', this.remoteSession);
    // Meant for a connection of ours that is gone (we started over since).
    if (to && to !== this.session) return;
    // Their page is going away (closed, reloaded, left): said at once, not when ICE notices.
    if (data.bye) {
      if (!this.remoteSession || session === this.remoteSession) {
        if (this.mesh.hooks.bye) this.mesh.hooks.bye(this.id);
      }
      return;
    }
    if (session) {
      if (this.remoteSession && session !== this.remoteSession) {
        // A new connection on their side. On their offer we start over with it; on their hello
        // (or an answer from it) the impolite side starts over and offers to it.
        if (description && description.type === 'offer') this.mesh.restart(this.id, data);
        else if (!this.polite && (hello || description)) this.mesh.restart(this.id);
        return;
      }
      if (!this.remoteSession) {
        // They have nothing to answer yet: our offer crossed their hello, or it was lost.
        if (hello) {
          if (!this.polite) this.offerAgain(RESEND_MS);
          return;
        }
        if (!description) {
          this.early.push(data);
          return;
        }
        this.remoteSession = session;
      }
    }
    if (hello) return;
    if ('screen' in data) {
      if (this.mesh.hooks.screen) this.mesh.hooks.screen(this.id, Boolean(data.screen));
      return;
    }
    if (description) {
      await this.describe(description);
      const early = this.early.filter((d) => d.session === this.remoteSession);
      this.early = [];
      for (const d of early) await this.handle(d);
    } else if (candidate) {
      if (!this.pc.remoteDescription) {
        this.candidates.push(candidate);
        return;
      }
      await this.addCandidate(candidate);
    }
  }

  async describe(description) {
    const pc = this.pc;
    // The same offer again (sent once more after a hello that crossed it): already answered.
    if (description.type === 'offer' && pc.remoteDescription && pc.signalingState === 'stable'
        && pc.remoteDescription.type === 'offer' && pc.remoteDescription.sdp === description.sdp) {
      debug('same offer again', this.id);
      return;
    }
    const readyForOffer = !this.makingOffer && (pc.signalingState === 'stable' || this.answerPending);
    const collision = description.type === 'offer' && !readyForOffer;
    this.ignoreOffer = !this.polite && collision;
    if (this.ignoreOffer) {
      debug('ignore offer (glare, impolite)', this.id);
      return;
    }
    this.answerPending = description.type === 'answer';
    await pc.setRemoteDescription(description);
    this.answerPending = false;
    if (this.closed) return;
    if (description.type === 'offer') {
      await pc.setLocalDescription();
      if (!this.closed) this.send({ description: pc.localDescription.toJSON() });
    }
    const waiting = this.candidates;
    this.candidates = [];
    for (const c of waiting) await this.addCandidate(c).catch(() => {});
  }

  async addCandidate(candidate) {
    try {
      await this.pc.addIceCandidate(candidate);
    } catch (err) {
      if (!this.ignoreOffer) throw err;
    }
  }

  /**
   * Send `track` (or nothing: null) as our `kind` (audio, video) from now on. A transceiver
   * that only received (no camera) starts sending: that one change renegotiates.
   */
  useTrack(kind, track) {
    if (this.closed) return Promise.resolve();
    const tr = this.pc.getTransceivers().find((x) => !x.stopped && x.receiver.track
      && x.receiver.track.kind === kind);
    if (!tr) return Promise.resolve();
    if (track && (tr.direction === 'recvonly' || tr.direction === 'inactive')) tr.direction = 'sendrecv';
    if (tr.sender.track === track) return Promise.resolve();
    return tr.sender.replaceTrack(track).catch((err) => this.fail(err));
  }

  /** Tell the peer whether our screen is shared, once the connection is up and when it changes. */
  sayScreen() {
    const on = Boolean(this.mesh.screen);
    if (this.closed || on === this.screenSaid || !this.up()) return;
    this.screenSaid = on;
    this.send({ screen: on });
  }

  /** {ice, rtt_ms, loss, kbps, arriving} of this connection since the last sample. */
  async sample() {
    const state = this.state();
    const ice = this.refused && !UP.has(state) ? 'relay_refused' : state;
    const stats = await this.pc.getStats();
    const arriving = this.inbound.measure(stats);
    let pairId = null;
    stats.forEach((s) => {
      if (s.type === 'transport' && s.selectedCandidatePairId) pairId = s.selectedCandidatePairId;
    });
    let rtt = null;
    let bytes = 0;
    let lost = 0;
    let received = 0;
    stats.forEach((s) => {
      if (s.type === 'candidate-pair' && typeof s.currentRoundTripTime === 'number'
          && (pairId ? s.id === pairId : s.nominated && s.state === 'succeeded')) {
        rtt = s.currentRoundTripTime * 1000;
      } else if (s.type === 'inbound-rtp') {
        bytes += s.bytesReceived || 0;
        if (s.kind === 'video') {
          lost += s.packetsLost || 0;
          received += s.packetsReceived || 0;
        }
      }
    });
    const now = performance.now();
    const before = this.previous;
    this.previous = { now, bytes, lost, received };
    let kbps = null;
    let loss = lost + received > 0 ? clamp01(lost / (lost + received)) : null;
    if (before) {
      kbps = Math.max(0, bytes - before.bytes) * 8 / Math.max(1, now - before.now);
      const dLost = lost - before.lost;
      const dReceived = received - before.received;
      if (dLost + dReceived > 0) loss = clamp01(dLost / (dLost + dReceived));
      // Media that came and stopped on a connection that says it is up: show it.
      const flowing = bytes > before.bytes;
      this.stalled = this.flowed && !flowing && UP.has(state);
      this.flowed = this.flowed || flowing;
      this.tell();
    }
    return { ice, rtt, loss, kbps, arriving };
  }

  close() {
    this.closed = true;
    clearTimeout(this.watch);
    clearTimeout(this.downTimer);
    clearTimeout(this.politeTimer);
    clearTimeout(this.resend);
    const pc = this.pc;
    pc.ontrack = pc.onicecandidate = pc.onnegotiationneeded = pc.onicecandidateerror = null;
    pc.oniceconnectionstatechange = pc.onconnectionstatechange = null;
    pc.close();
  }
}

/**
 * The calls of one room (`enter` with the room's peers; extra peers such as a moderator are
 * peers with `extra: true`).
 * `send(to, data)` relays a signal (returns a promise); `report(stats)` sends link stats;
 * `hooks`: track(peerId, stream), state(peerId, link), error(peerId, err), and optionally
 * media(peerId, {audio_ms, video_ms}) after each stats sample (health.js) and
 * screen(peerId, shared): whether the peer shares a screen (show it large), and bye(peerId):
 * their page said it is going away (`goodbye`); `link` is an ICE
 * state (new, checking, connected, completed, disconnected, failed, closed; DTLS counted in) or
 * `stalled`: connected, but the media that came stopped coming.
 */
export class Mesh {
  constructor({ send, report, hooks }) {
    this.relay = send;
    this.report = report;
    this.hooks = hooks;
    this.prepared = null;      // calls prepared before the round (warm.js), to take over
    this.room = null;
    this.stream = null;
    this.screen = null;        // the shared screen's video track, while it is shared
    this.iceServers = [];
    this.policy = 'all';       // the ICE transport policy: 'all' or 'relay'
    this.peers = new Map();
    this.pending = new Map();  // signals from peers we have no connection for yet
    this.patience = new Map(); // peer id → watchdog delay (grows while a connection fails)
    this.outbox = [];
    this.sending = false;
    this.timer = null;
    this.soon = null;
    this.changing = null;      // a network change being settled (see networkChanged)
    this.network = typeof navigator !== 'undefined' && navigator.connection
      ? navigator.connection.type : undefined;
    if (typeof window !== 'undefined' && window.addEventListener) {
      window.addEventListener('online', () => this.networkChanged());
      if (navigator.connection && navigator.connection.addEventListener) {
        navigator.connection.addEventListener('change', () => {
          // `effectiveType` and the estimates change all the time; only a new kind of network
          // (wifi, cellular, ...) is a network change
          if (navigator.connection.type === this.network) return;
          this.network = navigator.connection.type;
          this.networkChanged();
        });
      }
    }
  }

  /**
   * The browser says the network changed (`online` again, or a new kind of connection): every
   * call restarts ICE at once (see Peer.networkChanged). Several events of one change count
   * once.
   */
  networkChanged() {
    clearTimeout(this.changing);
    this.changing = setTimeout(() => {
      for (const peer of this.peers.values()) peer.networkChanged();
    }, NETWORK_SETTLE_MS);
  }

  /** The local camera and microphone to send (set before entering a room). */
  setStream(stream) {
    this.stream = stream;
  }

  /**
   * Share `track` (a screen's video track) instead of the camera, or stop (null): every
   * connection swaps its video, and each peer is told (see Peer.sayScreen).
   */
  shareScreen(track) {
    this.screen = track || null;
    const camera = this.stream ? this.stream.getVideoTracks()[0] || null : null;
    for (const peer of this.peers.values()) {
      peer.useTrack('video', this.screen || camera);
      peer.sayScreen();
    }
  }

  /** A camera or microphone chosen mid-call: send `track` as `kind` on every connection. */
  replaceTrack(kind, track) {
    if (kind === 'video' && this.screen) return Promise.resolve();  // back when sharing stops
    return Promise.all([...this.peers.values()].map((peer) => peer.useTrack(kind, track)));
  }

  /** The RTCConfiguration of every connection: the ICE servers and transport policy. */
  configuration() {
    return { iceServers: this.iceServers, iceTransportPolicy: this.policy === 'relay' ? 'relay' : 'all' };
  }

  /**
   * Be in `assignment.room` with `assignment.peers`: connect to new peers, drop gone ones. An
   * assignment with ICE servers (fresh TURN credentials) gives them to the connections made from
   * now on, and to the ICE restarts of the ones that are up.
   */
  enter(assignment) {
    if (assignment.room !== this.room) {
      this.leave();
      this.room = assignment.room;
      this.iceServers = [];
      this.policy = 'all';
      this.timer = setInterval(() => this.collect(), STATS_MS);
    }
    if (Array.isArray(assignment.ice_servers)) {
      this.iceServers = assignment.ice_servers;
      if (assignment.ice_transport_policy) this.policy = assignment.ice_transport_policy;
      for (const peer of this.peers.values()) {
        try {
          peer.pc.setConfiguration({ ...peer.pc.getConfiguration(), ...this.configuration() });
        } catch (err) {
          debug('configuration kept', peer.id, err);
        }
      }
    }
    const wanted = new Map((assignment.peers || []).map((p) => [p.id, p]));
    for (const id of [...this.peers.keys()]) if (!wanted.has(id)) this.drop(id);
    for (const [id, info] of wanted) {
      if (this.peers.has(id)) continue;
      const polite = typeof info.polite === 'boolean' ? info.polite : Boolean(assignment.polite);
      if (!(this.prepared && this.prepared.handOver(this, info, polite, assignment.round))) {
        this.add(info, polite);
      }
    }
  }

  /**
   * Take over `peer`, a connection prepared before the round (warm.js) with the partner `info`:
   * our camera and microphone go on its senders (no renegotiation), its picture is shown, and
   * the signals that came for it before we had it are handed to it.
   */
  adopt(peer, info) {
    peer.mesh = this;
    peer.info = info;
    this.peers.set(info.id, peer);
    const stream = this.stream;
    peer.useTrack('audio', stream ? stream.getAudioTracks()[0] || null : null);
    peer.useTrack('video', this.screen || (stream ? stream.getVideoTracks()[0] || null : null));
    const waiting = (this.pending.get(info.id) || []).filter((p) => Date.now() - p.at < PENDING_MS);
    this.pending.delete(info.id);
    for (const p of waiting) peer.receive(p.data);
    if (peer.stream.getTracks().length) this.hooks.track(info.id, peer.stream);
    peer.shown = null;
    peer.tell();
    peer.sayScreen();
    this.reportSoon();
  }

  /**
   * This page is going away (`pagehide`): tell each peer of the room at once (their page says
   * we left, without waiting for ICE to notice), then leave.
   */
  goodbye() {
    for (const peer of this.peers.values()) {
      if (peer.info.extra) continue;
      const said = this.relay(peer.id, { bye: true, session: peer.session, to: peer.remoteSession });
      if (said && said.catch) said.catch(() => {});
    }
    this.leave();
  }

  /** Leave the room: close every connection, drop signals not sent yet, stop the stats. */
  leave() {
    for (const id of [...this.peers.keys()]) this.drop(id);
    this.room = null;
    this.outbox = [];
    this.patience.clear();
    clearInterval(this.timer);
    clearTimeout(this.soon);
    this.timer = this.soon = null;
  }

  add(info, polite, remoteSession = null) {
    const peer = new Peer(this, info, polite, remoteSession);
    this.peers.set(info.id, peer);
    const waiting = (this.pending.get(info.id) || []).filter((p) => Date.now() - p.at < PENDING_MS);
    this.pending.delete(info.id);
    for (const p of waiting) peer.receive(p.data);
    peer.greet();
    peer.tell();
    return peer;
  }

  drop(id) {
    const peer = this.peers.get(id);
    if (!peer) return;
    peer.close();
    this.peers.delete(id);
    // a new connection to them says again whether their screen is shared
    if (this.hooks.screen) this.hooks.screen(id, false);
  }

  /** Close the connection to `id` and make a new one (optionally starting from their offer). */
  restart(id, offer = null) {
    const old = this.peers.get(id);
    if (!old) return;
    debug('restart', id, offer ? 'on their new offer' : 'with an offer or a hello of ours');
    this.drop(id);
    const peer = this.add(old.info, old.polite, offer ? offer.session : null);
    if (offer) peer.receive(offer);
  }

  /** A `signal {from, data}` from the server. */
  onSignal(message) {
    if (!message || typeof message.from !== 'string') return;
    const peer = this.peers.get(message.from);
    if (peer) {
      peer.receive(message.data);
      return;
    }
    // Their assignment reached them before ours reached us: keep it for a moment.
    const list = (this.pending.get(message.from) || []).filter((p) => Date.now() - p.at < PENDING_MS);
    list.push({ data: message.data, at: Date.now() });
    this.pending.set(message.from, list.slice(-50));
  }

  /**
   * A `peer {id, online}`: their signaling socket went or came back. That alone says nothing of
   * the call (media does not go through the server): a working call goes on. A call that is not
   * up gets a nudge when they are back (see Peer.nudge); a reload on their side announces itself
   * with a new session.
   */
  onPeer(message) {
    const peer = message && this.peers.get(message.id);
    if (!peer || !message.online) return;
    peer.nudge();
  }

  /**
   * Queue a signal. The server handles a client's events concurrently, so we send one at a time
   * (after the previous ack) to keep descriptions ahead of their candidates.
   */
  send(to, data) {
    this.outbox.push({ to, data });
    if (!this.sending) this.pump();
  }

  async pump() {
    this.sending = true;
    try {
      while (this.outbox.length) {
        const { to, data } = this.outbox.shift();
        try {
          await this.relay(to, data);
        } catch (err) {
          console.warn('speedmeet: signal not relayed', err.code || err, err.message || '');
        }
      }
    } finally {
      this.sending = false;
    }
  }

  /** Report stats a second from now (after an ICE state change), then on the usual beat. */
  reportSoon() {
    clearTimeout(this.soon);
    this.soon = setTimeout(() => this.collect(), 1000);
  }

  /** Sample every connection and report the worst of them (extra peers left out). */
  async collect() {
    const room = this.room;
    if (!room || this.peers.size === 0) return;
    let all;
    try {
      all = await Promise.all([...this.peers.entries()].map(async ([id, p]) => ({ id, peer: p, stats: await p.sample() })));
    } catch (err) {
      console.warn('speedmeet: stats failed', err);
      return;
    }
    if (room !== this.room) return;
    const members = all.filter((s) => !s.peer.info.extra);
    const samples = members.map((s) => s.stats);
    if (this.hooks.media) for (const s of all) this.hooks.media(s.id, { from: s.id, ...s.stats.arriving });
    if (!samples.length) return;
    const worst = (values, pick) => {
      const known = values.filter((v) => typeof v === 'number' && Number.isFinite(v));
      return known.length ? pick(...known) : null;
    };
    const ice = samples.map((s) => s.ice)
      .sort((a, b) => ICE_RANK.indexOf(a) - ICE_RANK.indexOf(b))[0];
    const rtt = worst(samples.map((s) => s.rtt), Math.max);
    const loss = worst(samples.map((s) => s.loss), Math.max);
    const kbps = worst(samples.map((s) => s.kbps), Math.min);
    const inbound = members.map((s) => ({ from: s.id, ...s.stats.arriving }));
    this.report({
      room,
      ice,
      rtt_ms: rtt === null ? null : Math.round(rtt * 10) / 10,
      loss: loss === null ? null : Math.round(loss * 10000) / 10000,
      kbps: kbps === null ? null : Math.round(kbps),
      inbound,
      // each call on its own: the results count how long each pair was really connected
      peers: members.map((s) => ({ id: s.id, ice: s.stats.ice })),
    });
  }
}
