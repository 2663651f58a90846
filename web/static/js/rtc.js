/**
 * Calls between the members of one room: one RTCPeerConnection per peer (a small mesh for rooms
 * of three), perfect negotiation with the `polite` flag the server gives per peer, trickle ICE
 * relayed by the server's `signal` event, and link stats reported every 5 s.
 *
 * Every message we send carries `session`, the id of the RTCPeerConnection that sent it, so that
 * an offer from a peer who started over (reload, reconnect) makes us start over too, and stale
 * answers or candidates of an old connection are dropped.
 *
 * The impolite peer makes the first offer and the polite one answers it: when both offered at
 * once, Chrome's polite side (offer rolled back, then an answer) sometimes gathered no ICE
 * candidates at all. Perfect negotiation still settles any later glare. A watchdog on the
 * impolite side starts the connection over when it is not up after a while (lost offer, broken
 * ICE), with a growing delay; the polite side follows the new offer.
 */

const STATS_MS = 5000;
const PENDING_MS = 15_000;
const FRESH_MS = 3000;
const WATCH_MS = 12_000;
const WATCH_MAX_MS = 60_000;
// Worst first: the room's link is as good as its worst connection.
const ICE_RANK = ['failed', 'disconnected', 'closed', 'new', 'checking', 'connected', 'completed'];

/** Signaling trace, when the page sets `window.speedmeetDebug = true` (e.g. from the console). */
function debug(...args) {
  if (window.speedmeetDebug) console.debug('speedmeet rtc', ...args);
}

function sessionId() {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
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
    this.adoptedAt = remoteSession ? Date.now() : 0;
    this.makingOffer = false;
    this.ignoreOffer = false;
    this.answerPending = false;
    this.closed = false;
    this.early = [];        // candidates of a session not adopted yet
    this.candidates = [];   // candidates that came before the remote description
    this.chain = Promise.resolve();
    this.previous = null;   // last stats sample, for rates
    this.watch = null;
    this.stream = new MediaStream();

    const pc = new RTCPeerConnection({ iceServers: mesh.iceServers });
    this.pc = pc;
    const local = mesh.stream;
    const kinds = new Set();
    if (local) {
      for (const track of local.getTracks()) {
        pc.addTrack(track, local);
        kinds.add(track.kind);
      }
    }
    // Without a camera or microphone we still want to see and hear the others.
    for (const kind of ['audio', 'video']) {
      if (!kinds.has(kind)) pc.addTransceiver(kind, { direction: 'recvonly' });
    }
    pc.ontrack = ({ track }) => {
      if (this.closed) return;
      this.stream.addTrack(track);
      mesh.hooks.track(this.id, this.stream);
    };
    pc.onicecandidate = ({ candidate }) => {
      if (candidate && !this.closed) this.send({ candidate: candidate.toJSON() });
    };
    // Offers go through the same queue as incoming signals: a local offer being made while a
    // remote offer is applied left Chrome's polite side without ICE candidates.
    pc.onnegotiationneeded = () => this.queue(() => this.offer());
    pc.oniceconnectionstatechange = () => {
      if (this.closed) return;
      const ice = pc.iceConnectionState;
      debug('ice', this.id, ice);
      if (ice === 'connected' || ice === 'completed') {
        clearTimeout(this.watch);
        mesh.patience.delete(this.id);
      } else if (ice === 'failed' || ice === 'disconnected') {
        if (ice === 'failed' && !this.polite) pc.restartIce();
        this.arm();
      }
      mesh.hooks.state(this.id, ice);
      mesh.reportSoon();
    };
    this.arm();
  }

  /** Start over if the connection is not up in a while (the impolite side acts). */
  arm() {
    if (this.polite) return;
    clearTimeout(this.watch);
    const wait = this.mesh.patience.get(this.id) || WATCH_MS;
    this.watch = setTimeout(() => {
      const ice = this.pc.iceConnectionState;
      if (this.closed || ice === 'connected' || ice === 'completed') return;
      debug('watchdog: starting over with', this.id, 'after', wait, 'ms in', ice);
      this.mesh.patience.set(this.id, Math.min(wait * 2, WATCH_MAX_MS));
      this.mesh.restart(this.id);
    }, wait);
  }

  send(data) {
    debug('send', this.id, this.session, data.description ? data.description.type : 'candidate');
    this.mesh.send(this.id, { ...data, session: this.session });
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
    const { description, candidate, session } = data;
    debug('receive', this.id, session, description ? description.type : 'candidate',
      this.pc.signalingState, 'mine', this.session, 'theirs', this.remoteSession);
    if (session) {
      if (this.remoteSession && session !== this.remoteSession) {
        // A new connection on their side: start over on an offer, drop anything else.
        if (description && description.type === 'offer') this.mesh.restart(this.id, data);
        return;
      }
      if (!this.remoteSession) {
        if (!description) {
          this.early.push(data);
          return;
        }
        this.remoteSession = session;
        this.adoptedAt = Date.now();
      }
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

  /** {ice, rtt_ms, loss, kbps} of this connection since the last sample. */
  async sample() {
    const ice = this.pc.iceConnectionState;
    const stats = await this.pc.getStats();
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
    }
    return { ice, rtt, loss, kbps };
  }

  close() {
    this.closed = true;
    clearTimeout(this.watch);
    const pc = this.pc;
    pc.ontrack = pc.onicecandidate = pc.onnegotiationneeded = pc.oniceconnectionstatechange = null;
    pc.close();
  }
}

/**
 * The calls of one room.
 * `send(to, data)` relays a signal (returns a promise); `report(stats)` sends link stats;
 * `hooks`: track(peerId, stream), state(peerId, iceState), error(peerId, err).
 */
export class Mesh {
  constructor({ send, report, hooks }) {
    this.relay = send;
    this.report = report;
    this.hooks = hooks;
    this.room = null;
    this.stream = null;
    this.iceServers = [];
    this.peers = new Map();
    this.pending = new Map();  // signals from peers we have no connection for yet
    this.patience = new Map(); // peer id → watchdog delay (grows while a connection fails)
    this.outbox = [];
    this.sending = false;
    this.timer = null;
    this.soon = null;
  }

  /** The local camera and microphone to send (set before entering a room). */
  setStream(stream) {
    this.stream = stream;
  }

  /** Be in `assignment.room` with `assignment.peers`: connect to new peers, drop gone ones. */
  enter(assignment) {
    if (assignment.room !== this.room) {
      this.leave();
      this.room = assignment.room;
      this.iceServers = Array.isArray(assignment.ice_servers) ? assignment.ice_servers : [];
      this.timer = setInterval(() => this.collect(), STATS_MS);
    }
    const wanted = new Map((assignment.peers || []).map((p) => [p.id, p]));
    for (const id of [...this.peers.keys()]) if (!wanted.has(id)) this.drop(id);
    for (const [id, info] of wanted) {
      if (this.peers.has(id)) continue;
      const polite = typeof info.polite === 'boolean' ? info.polite : Boolean(assignment.polite);
      this.add(info, polite);
    }
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
    return peer;
  }

  drop(id) {
    const peer = this.peers.get(id);
    if (!peer) return;
    peer.close();
    this.peers.delete(id);
  }

  /** Close the connection to `id` and make a new one (optionally starting from their offer). */
  restart(id, offer = null) {
    const old = this.peers.get(id);
    if (!old) return;
    debug('restart', id, offer ? 'on their new offer' : 'they came back');
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

  /** A `peer {id, online}`: a peer who comes back (a reload) gets a fresh connection. */
  onPeer(message) {
    const peer = message && this.peers.get(message.id);
    if (!peer || !message.online) return;
    if (peer.adoptedAt && Date.now() - peer.adoptedAt < FRESH_MS) return;  // already started over
    this.restart(message.id);
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

  /** Sample every connection and report the worst of them. */
  async collect() {
    const room = this.room;
    if (!room || this.peers.size === 0) return;
    let samples;
    try {
      samples = await Promise.all([...this.peers.values()].map((p) => p.sample()));
    } catch (err) {
      console.warn('speedmeet: stats failed', err);
      return;
    }
    if (room !== this.room) return;
    const worst = (values, pick) => {
      const known = values.filter((v) => typeof v === 'number' && Number.isFinite(v));
      return known.length ? pick(...known) : null;
    };
    const ice = samples.map((s) => s.ice)
      .sort((a, b) => ICE_RANK.indexOf(a) - ICE_RANK.indexOf(b))[0];
    const rtt = worst(samples.map((s) => s.rtt), Math.max);
    const loss = worst(samples.map((s) => s.loss), Math.max);
    const kbps = worst(samples.map((s) => s.kbps), Math.min);
    this.report({
      room,
      ice,
      rtt_ms: rtt === null ? null : Math.round(rtt * 10) / 10,
      loss: loss === null ? null : Math.round(loss * 10000) / 10000,
      kbps: kbps === null ? null : Math.round(kbps),
    });
  }
}
