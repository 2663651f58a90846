/**
 * Calls prepared before the round: during the lobby or a break, the page connects to the people
 * of its next-round card (`next`, whose peers carry the `polite` role the round's assignment will
 * give, and `ice_servers`), so that at the round's start only the picture switches.
 *
 * A prepared connection is a `Peer` of rtc.js like any other, in a Mesh of its own whose signals
 * go out marked `next: <round>` (the server relays those only to a person of our card, only in
 * the break before that round). It gathers and checks ICE and brings DTLS up, but sends nothing:
 * each sender's track is null (`replaceTrack(null)`) until the round, and what arrives is not
 * shown. At the round's start `Mesh.enter` takes over (`handOver`) the prepared connection of a
 * partner its assignment names with the same role: it puts the camera and microphone on the
 * senders (no renegotiation) and shows the picture. Everything else is closed: at the round's
 * start, when the card changes, when the page stops being the one in the meeting. At most one
 * set of prepared connections exists (one card: one round).
 */

import { Mesh } from './rtc.js';

const PREPARING = new Set(['lobby', 'break']);
const GONE = new Set(['failed', 'closed']);

/**
 * The card to prepare now, or null: in the lobby or a break, a card for the round that follows
 * with people on it, each with the role the server gave (a card without roles is an old one).
 */
export function upcoming(card, clock) {
  if (!card || !clock || !PREPARING.has(clock.phase)) return null;
  if (card.round !== clock.round + 1 || !Array.isArray(card.peers) || !card.peers.length) return null;
  if (!card.peers.every((p) => p && typeof p.id === 'string' && typeof p.polite === 'boolean')) return null;
  return card;
}

/**
 * What to do with the prepared connections (`prepared`: {round, peers: [{id, polite}]}) for
 * `card` (or null): `reset` closes them all (another round, or nothing to prepare); else `drop`
 * the ids no longer on the card (or with another role) and `add` the card's people not prepared.
 */
export function plan(prepared, card) {
  const had = prepared && prepared.round !== null ? prepared.peers : [];
  if (!card) return { reset: Boolean(prepared && prepared.round !== null), drop: [], add: [] };
  if (prepared && prepared.round !== null && prepared.round !== card.round) {
    return { reset: true, drop: [], add: card.peers };
  }
  const wanted = new Map(card.peers.map((p) => [p.id, p]));
  const drop = had.filter((p) => !wanted.has(p.id) || wanted.get(p.id).polite !== p.polite)
    .map((p) => p.id);
  const kept = new Set(had.map((p) => p.id).filter((id) => !drop.includes(id)));
  return { reset: false, drop, add: card.peers.filter((p) => !kept.has(p.id)) };
}

/**
 * Whether a prepared connection (`{polite, state, closed}`) may serve round `round`'s call with
 * a partner of role `polite`: the same round, the same role, and not failed or closed.
 */
export function adoptable(prepared, round, peer, polite) {
  return Boolean(prepared && peer && prepared.round === round && !peer.closed
    && peer.polite === polite && !GONE.has(peer.state));
}

/**
 * How long before a break's end the prepared calls start sending: the first pictures cross the
 * relay and a key frame is decoded before the round starts, so that at the start only the
 * picture switches (through a relay 150 ms away, page to page takes 300 ms and more). What
 * arrives is still not shown nor played before the round's assignment.
 */
export const LEAD_MS = 1000;

/**
 * In how many ms the prepared calls should start sending (`left`: ms left of this phase):
 * only a break that counts down says when the round starts; a paused break, not before it
 * resumes (Infinity: what was sent early stops); null outside breaks (the lobby waits for the
 * host; at a round's start its assignment decides).
 */
export function leadIn(clock, left) {
  if (!clock || clock.phase !== 'break') return null;
  if (clock.paused) return Infinity;
  if (typeof left !== 'number') return null;
  return Math.max(0, left - LEAD_MS);
}

const QUIET = {
  track: () => {},  // not shown before the round
  state: () => {},
  error: (id, err) => console.warn('speedmeet: prepared call with', id, err),
};

/** The prepared connections of one card. `send(to, data, round)` relays a `signal {next}`. */
export class Preparation extends Mesh {
  constructor({ send, mesh }) {
    super({ send: null, report: () => {}, hooks: QUIET });
    this.relay = (to, data) => send(to, data, this.round);
    this.mesh = mesh;     // the room's calls: its camera and microphone, and who takes over
    this.round = null;
    this.early = false;   // sending already, in the last moments of the break (LEAD_MS)
    this.leadTimer = null;
  }

  /**
   * Start sending on the prepared calls in `ms` (see `leadIn`; Infinity: not until the clock
   * says; null: leave it to the round's assignment). Sending that started too early (the host
   * added time, or paused) stops again.
   */
  lead(ms) {
    clearTimeout(this.leadTimer);
    this.leadTimer = null;
    if (ms === null) return;
    if (ms > 0 && this.early) this.sendMedia(false);
    if (Number.isFinite(ms)) this.leadTimer = setTimeout(() => this.sendMedia(true), ms);
  }

  /** The prepared calls send our camera and microphone (`on`), or nothing. */
  sendMedia(on) {
    this.early = on;
    const stream = on ? this.mesh.stream : null;
    for (const peer of this.peers.values()) {
      if (peer.closed) continue;
      peer.useTrack('audio', stream ? stream.getAudioTracks()[0] || null : null);
      peer.useTrack('video', stream ? stream.getVideoTracks()[0] || null : null);
    }
  }

  /** Prepare the calls of `card` (see `upcoming`), or close them all (null). */
  prepare(card) {
    const { reset, drop, add } = plan(this.summary(), card);
    if (reset) this.close();
    for (const id of drop) this.drop(id);
    if (!card || !add.length) return;
    if (this.round === null) {
      this.round = card.round;
      this.room = `next-${card.round}`;
      this.iceServers = Array.isArray(card.ice_servers) ? card.ice_servers : [];
      this.policy = card.ice_transport_policy === 'relay' ? 'relay' : 'all';
    }
    this.stream = this.mesh.stream;  // the m-lines the round's call would have
    for (const info of add) this.add(info, info.polite);
  }

  /** {round, peers: [{id, polite}]} of what is prepared. */
  summary() {
    return { round: this.round, peers: [...this.peers.values()].map((p) => ({ id: p.id, polite: p.polite })) };
  }

  /**
   * A prepared connection sends nothing until the round (or the break's last moments, when it
   * is made after they began): its senders carry no track.
   */
  add(info, polite, remoteSession = null) {
    const peer = super.add(info, polite, remoteSession);
    if (this.early) return peer;
    for (const sender of peer.pc.getSenders()) {
      sender.replaceTrack(null).catch((err) => peer.fail(err));
    }
    return peer;
  }

  /** A `signal` marked `next`: ours while we prepare that call, else the room's (taken over). */
  onSignal(message) {
    if (!message) return;
    if (!this.peers.has(message.from) && this.mesh.peers.has(message.from)) {
      this.mesh.onSignal(message);
      return;
    }
    super.onSignal(message);
  }

  /**
   * At the round's start (from `Mesh.enter`): give `mesh` the prepared connection to `info`
   * if it can serve that call, with its signals not sent yet; whether it did.
   */
  handOver(mesh, info, polite, round) {
    const peer = this.peers.get(info.id);
    const alive = peer && { polite: peer.polite, closed: peer.closed, state: peer.state() };
    if (!adoptable(this, round, alive, polite)) return false;
    this.peers.delete(info.id);
    const mine = this.outbox.filter((o) => o.to === info.id);
    this.outbox = this.outbox.filter((o) => o.to !== info.id);
    mesh.adopt(peer, info);
    for (const o of mine) mesh.send(o.to, o.data);
    return true;
  }

  /**
   * The round's assignment came: the prepared calls it names start sending at once, before the
   * page draws the room (`Mesh.enter` then takes them over, their tracks already on).
   */
  begin(assignment) {
    if (!assignment || !assignment.room || assignment.round !== this.round) return;
    const stream = this.mesh.stream;
    for (const info of assignment.peers || []) {
      const peer = this.peers.get(info.id);
      const alive = peer && { polite: peer.polite, closed: peer.closed, state: peer.state() };
      if (!adoptable(this, assignment.round, alive, info.polite)) continue;
      peer.useTrack('audio', stream ? stream.getAudioTracks()[0] || null : null);
      peer.useTrack('video', stream ? stream.getVideoTracks()[0] || null : null);
    }
  }

  /** No link reports: nothing happens on a prepared call. */
  collect() {}

  /** Close every prepared connection. */
  close() {
    clearTimeout(this.leadTimer);
    this.leadTimer = null;
    this.early = false;
    this.leave();
    this.pending.clear();
    this.round = null;
  }
}
