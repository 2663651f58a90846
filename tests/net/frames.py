"""What a page saw, measured from the inside (init scripts; nothing in the production code is
there for this): when each round started on the server's clock, when each partner's first video
frame was shown, the page's RTCPeerConnections and the candidate pair each one uses."""

from __future__ import annotations

from typing import Any

# Installed before any script of the page. `__rounds[n]`: round n's start in epoch ms (its
# deadline minus the round's length, from the first clock of that round the page is sent);
# `__frames[peer]`: when the first frame of that peer's video was shown (a frame callback, so
# the moment it was painted), `__gaps`: [peer, from, to] for each pause of over half a second in
# its video; `__assignments`: [when, round, room] of each assignment sent; `__pcs`: every RTCPeerConnection, newest last (`__made`: when each was made); `__restarts`: when
# the page restarted ICE. Same machine, so
# the server's and the page's epoch milliseconds are one clock.
WATCH = """
((roundMs) => {
  const rounds = window.__rounds = {};
  const frames = window.__frames = {};
  const gaps = window.__gaps = [];
  const assignments = window.__assignments = [];
  const GAP_MS = 500;
  const pcs = window.__pcs = [];
  const made = window.__made = [];  // when each of them was made
  const restarts = window.__restarts = [];
  const log = window.__log = [];
  const note = (...what) => log.push([Date.now(), ...what]);
  window.addEventListener('online', () => note('online'));
  window.addEventListener('offline', () => note('offline'));
  if (navigator.connection) navigator.connection.addEventListener('change', () => note('connection', navigator.connection.type, navigator.connection.effectiveType));
  const Native = window.RTCPeerConnection;
  window.RTCPeerConnection = class extends Native {
    constructor(...args) {
      super(...args);
      const n = pcs.push(this);
      made.push(Date.now());
      this.addEventListener('iceconnectionstatechange', () => note('ice', n, this.iceConnectionState));
      this.addEventListener('connectionstatechange', () => note('pc', n, this.connectionState));
    }
    restartIce() { restarts.push(Date.now()); return super.restartIce(); }
  };
  const seen = (clock) => {
    if (clock && clock.phase === 'round' && clock.ends_at && !(clock.round in rounds)) {
      rounds[clock.round] = clock.ends_at - roundMs;
    }
  };
  const NativeSocket = window.WebSocket;
  window.WebSocket = class extends NativeSocket {
    constructor(...args) {
      super(...args);
      note('ws new');
      this.addEventListener('open', () => note('ws open'));
      this.addEventListener('close', () => note('ws close'));
      this.addEventListener('message', ({ data }) => {
        if (typeof data !== 'string' || !data.includes('"ends_at"')) return;  // clock, assignment
        try {
          const [name, body] = JSON.parse(data.slice(data.indexOf('[')));
          if (name === 'assignment') assignments.push([Date.now(), body.round, body.room]);
          seen(name === 'clock' ? body : body && body.clock);
        } catch {
          // not a whole event
        }
      });
    }
  };
  const hook = (video) => {
    if (video.__hooked) return;
    video.__hooked = true;
    const look = () => video.requestVideoFrameCallback(() => {
      const peer = video.dataset.peer;
      const now = Date.now();
      if (peer && !(peer in frames) && video.videoWidth > 0) frames[peer] = now;
      if (peer && video.__last && now - video.__last > GAP_MS) gaps.push([peer, video.__last, now]);
      video.__last = now;
      look();
    });
    look();
  };
  setInterval(() => document.querySelectorAll('[data-testid="remote-video"]').forEach(hook), 5);
})(%d);
"""

# The pair each connection uses: its state and the local and remote candidates' types and
# protocols (`relayProtocol`: how the page reaches its TURN server).
PAIRS = """async () => Promise.all(window.__pcs.map(async (pc) => {
  const stats = [...(await pc.getStats()).values()];
  const byId = Object.fromEntries(stats.map((s) => [s.id, s]));
  const transport = stats.find((s) => s.type === 'transport' && s.selectedCandidatePairId);
  const pair = transport && byId[transport.selectedCandidatePairId];
  const side = (id) => {
    const c = id && byId[id];
    return c && { type: c.candidateType, protocol: c.protocol, relay: c.relayProtocol ?? null,
                  address: c.address, port: c.port };
  };
  return { state: pc.connectionState, ice: pc.iceConnectionState,
           local: pair ? side(pair.localCandidateId) : null,
           remote: pair ? side(pair.remoteCandidateId) : null };
}))"""

# Force every connection of the page to relay only (as `iceTransportPolicy: "relay"` would),
# for measurements made before the server can ask for it.
RELAY_ONLY = """
(() => {
  const Native = window.RTCPeerConnection;
  window.RTCPeerConnection = class extends Native {
    constructor(config, ...rest) { super({ ...(config || {}), iceTransportPolicy: 'relay' }, ...rest); }
    setConfiguration(config) { return super.setConfiguration({ ...config, iceTransportPolicy: 'relay' }); }
  };
})();
"""


def watch(round_seconds: int) -> str:
    """The init script that measures (see ``WATCH``), for rounds of ``round_seconds``."""
    return WATCH % (round_seconds * 1000)


async def first_frame_ms(page: Any, round_no: int, peer: str, timeout: float = 60_000) -> int:
    """Milliseconds from round ``round_no``'s start to the first frame of ``peer`` on ``page``
    (waits for both to be known)."""
    handle = await page.wait_for_function(
        """([r, peer]) => (r in window.__rounds && peer in window.__frames)
                          ? window.__frames[peer] - window.__rounds[r] : null""",
        arg=[round_no, peer],
        timeout=timeout,
        polling=20,
    )
    return int(await handle.json_value())
