"""Calls in real browsers survive what signaling goes through: a partner's Socket.IO connection
that drops and comes back costs nothing, and a reload brings the video back quickly.

WebRTC media flows peer to peer: it does not need the signaling socket. The pages are watched
from the inside (an init script counts RTCPeerConnections and records the ``peer`` events that
arrive over the websocket); nothing in the production code is there for the tests.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from server.app import NAMESPACES, SIO
from tests.conftest import PEOPLE, Running

# Installed before any script of the page: counts the RTCPeerConnections the page makes, keeps
# their configurations and connection states, and every `peer` event the server sends over the
# websocket.
SPY = """
(() => {
  const Native = window.RTCPeerConnection;
  const spy = window.__spy = { made: 0, configs: [], states: [], peer: [] };
  window.RTCPeerConnection = class extends Native {
    constructor(...args) {
      super(...args);
      const n = ++spy.made;
      spy.configs.push(JSON.parse(JSON.stringify(args[0] ?? null)));
      this.addEventListener('connectionstatechange',
        () => spy.states.push({ pc: n, state: this.connectionState }));
    }
  };
  const NativeSocket = window.WebSocket;
  window.WebSocket = class extends NativeSocket {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', ({ data }) => {
        if (typeof data !== 'string' || !data.includes('["peer",')) return;
        try {
          spy.peer.push(JSON.parse(data.slice(data.indexOf('[')))[1]);
        } catch {
          // not a whole event
        }
      });
    }
  };
})();
"""

REMOTE = """(peer) => [...document.querySelectorAll('[data-testid="remote-video"]')]
              .find(v => v.dataset.peer === peer)"""

# Watch the remote video of `peer` and its tile's status line from now on: any moment without a
# picture, a replaced element or stream, a clock going back, and every status text shown.
WATCH = f"""(peer) => {{
  const remote = {REMOTE};
  const video = remote(peer);
  const status = video.closest('.tile').querySelector('.tile-status');
  const w = window.__watch = {{
    made: window.__spy.made, states: window.__spy.states.length, src: video.srcObject,
    last: video.currentTime, frames: video.getVideoPlaybackQuality().totalVideoFrames,
    problems: [], shown: [],
  }};
  const problem = (what) => {{ if (!w.problems.includes(what)) w.problems.push(what); }};
  const shown = () => {{ if (!status.hidden && status.textContent) w.shown.push(status.textContent); }};
  shown();
  new MutationObserver(shown).observe(status,
    {{ childList: true, characterData: true, subtree: true, attributes: true }});
  const look = () => {{
    const v = remote(peer);
    if (v !== video) problem('video element replaced');
    if (!v) return;
    if (v.srcObject !== w.src) problem('stream replaced');
    if (!(v.videoWidth > 0)) problem('no picture');
    if (v.paused) problem('paused');
    if (v.currentTime < w.last) problem('clock went back');
    w.last = v.currentTime;
  }};
  w.timer = setInterval(look, 50);
}}"""

REPORT = """() => {
  const w = window.__watch;
  clearInterval(w.timer);
  return {
    problems: w.problems,
    shown: w.shown,
    made: window.__spy.made - w.made,
    states: window.__spy.states.slice(w.states),
  };
}"""


async def _screen(page: Any, name: str, timeout: float = 20_000) -> None:
    await page.wait_for_selector(f'[data-testid="screen"][data-screen="{name}"]', timeout=timeout)


async def _flowing(page: Any, peer: str, frames: int, timeout: float) -> None:
    """Wait until the remote video of ``peer`` shows ``frames`` new frames of one stream (a
    frozen picture does not count; a new stream starts counting again)."""
    await page.evaluate("() => { window.__flow = null; }")
    await page.wait_for_function(
        f"""([peer, frames]) => {{
              const v = ({REMOTE})(peer);
              if (!v || !v.srcObject || !(v.videoWidth > 0) || v.paused) return false;
              const n = v.getVideoPlaybackQuality().totalVideoFrames;
              const s = window.__flow;
              if (!s || s.src !== v.srcObject || n < s.base) {{
                window.__flow = {{ src: v.srcObject, base: n }};
                return false;
              }}
              return n - s.base >= frames;
            }}""",
        arg=[peer, frames],
        timeout=timeout,
        polling=50,
    )


async def two_in_a_room(
    server: Running, browser: Any, spy: str = SPY, **event: Any
) -> tuple[Any, dict[str, Any]]:
    """An event (``event``: its settings) of two people of opposite sides, each on their page
    (watched by the init script ``spy``); the host started round 1 and both pages show the
    room."""
    ev = await server.event([PEOPLE[0], PEOPLE[3]], rounds=2, **event)
    pages: dict[str, Any] = {}
    for i in range(2):
        pid, token = ev.person(i)
        context = await browser.new_context(viewport={"width": 1000, "height": 700})
        await context.add_init_script(spy)
        page = await context.new_page()
        page.on("pageerror", lambda exc, who=pid: print(f"[{who}] page error: {exc}"))
        await page.goto(f"{server.url}/e/{ev.id}/p/{token}")
        pages[pid] = page
    for page in pages.values():
        await _screen(page, "lobby")
    host = await server.connect("/host", ev.host_token)
    assert (await host.call("open"))["ok"]
    assert (await host.call("start"))["ok"]
    for page in pages.values():
        await _screen(page, "room")
    return ev, pages


async def _pair(server: Running, browser: Any) -> tuple[dict[str, Any], dict[str, str]]:
    """Two people of opposite sides in round 1, each with live video of the other."""
    _, pages = await two_in_a_room(server, browser)
    a, b = pages
    partner = {a: b, b: a}
    for pid, page in pages.items():
        await _flowing(page, partner[pid], frames=10, timeout=30_000)
    return pages, partner


@pytest.mark.parametrize("side", ["polite", "impolite"])
async def test_a_dropped_socket_keeps_the_call(server: Running, browser: Any, side: str) -> None:
    pages, partner = await _pair(server, browser)
    # the server makes the greater id the polite side (server/signaling.py roles)
    gone = max(pages) if side == "polite" else min(pages)
    stays = partner[gone]
    for pid, page in pages.items():
        await page.evaluate(WATCH, partner[pid])

    app = server.server.app
    ns = app[NAMESPACES].participants
    sids = [sid for sid, ref in ns.who.items() if ref.participant_id == gone]
    assert len(sids) == 1, sids
    await app[SIO].disconnect(sids[0], namespace="/participant")

    # The partner hears that they went and came back (the page reconnects by itself) ...
    await pages[stays].wait_for_function(
        """(id) => {
             const seen = window.__spy.peer.filter(m => m && m.id === id);
             const off = seen.findIndex(m => !m.online);
             return off >= 0 && seen.slice(off).some(m => m.online);
           }""",
        arg=gone,
        timeout=20_000,
    )
    assert len([s for s, r in ns.who.items() if r.participant_id == gone]) == 1
    # ... and both keep seeing each other (a restart would replace the stream): a few more
    # seconds of new frames after the partner's return, time for any reaction to it.
    for pid, page in pages.items():
        await _flowing(page, partner[pid], frames=20, timeout=15_000)  # 2 s at 10 fps

    for pid, page in pages.items():
        seen = await page.evaluate(REPORT)
        assert seen["problems"] == [], (pid, seen)
        assert seen["made"] == 0, (pid, "the call was started over", seen)
        assert all(s["state"] == "connected" for s in seen["states"]), (pid, seen)
        assert seen["shown"] == [], (pid, "the tile showed a status", seen)

    # A real reload is a new connection on that side: video is back on both sides within 5 s of
    # the reloaded page's load (the old stream on the other side is frozen: it does not count).
    await pages[gone].reload()
    await asyncio.gather(
        *(_flowing(page, partner[pid], frames=4, timeout=5000) for pid, page in pages.items())
    )


async def test_self_test_uses_the_ice_servers(start: Callable[..., Any], browser: Any) -> None:
    """The self-test calls with the STUN/TURN servers of the rooms (here one that never answers:
    the test still completes on host candidates)."""
    ice = [{"urls": ["stun:127.0.0.1:9"]}]
    server = await start(ice_servers=ice)
    ev = await server.event(PEOPLE[:1])
    context = await browser.new_context(viewport={"width": 1000, "height": 700})
    await context.add_init_script(SPY)
    page = await context.new_page()
    await page.goto(f"{server.url}/e/{ev.id}/p/{ev.person(0)[1]}/check")
    await page.wait_for_function(
        """() => { const v = document.querySelector('[data-testid="echo-video"]');
                   return v && v.videoWidth > 0; }""",
        timeout=30_000,
    )
    configs = await page.evaluate("() => window.__spy.configs")
    assert configs == [{"iceServers": ice, "iceTransportPolicy": "all"}], configs
