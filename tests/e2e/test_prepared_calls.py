"""The next round's call is prepared in the break: connected before the round, sending nothing,
taken over at the round's start (no new RTCPeerConnection, the partner's video plays); when the
next partner changes in the break, the prepared call is closed and the new pair still connects.

Each page is watched from the inside (an init script keeps every RTCPeerConnection it makes);
nothing in the production code is there for the tests. The round-1 partners of the two pages are
Socket.IO clients (they never answer a call), so that the two pages meet first in round 2.
"""

from __future__ import annotations

import time
from typing import Any

from tests.conftest import PEOPLE, Client, Running

SPY = """
(() => {
  const Native = window.RTCPeerConnection;
  const spy = window.__spy = { pcs: [] };
  window.RTCPeerConnection = class extends Native {
    constructor(...args) {
      super(...args);
      spy.pcs.push(this);
    }
  };
})();
"""

# The page's last RTCPeerConnection: its state, what its senders carry, the media bytes sent.
LAST = """async () => {
  const pcs = window.__spy.pcs;
  const pc = pcs[pcs.length - 1];
  if (!pc) return { made: 0 };
  let bytes = 0;
  (await pc.getStats()).forEach((s) => { if (s.type === 'outbound-rtp') bytes += s.bytesSent || 0; });
  return {
    made: pcs.length,
    state: pc.connectionState,
    ice: pc.iceConnectionState,
    senders: pc.getSenders().map((s) => (s.track ? s.track.kind : null)),
    bytes,
  };
}"""

REMOTE = """(peer) => [...document.querySelectorAll('[data-testid="remote-video"]')]
              .find(v => v.dataset.peer === peer)"""

FLOWING = f"""([peer, frames]) => {{
  const v = ({REMOTE})(peer);
  return Boolean(v && v.srcObject && v.videoWidth > 0 && !v.paused
    && v.getVideoPlaybackQuality().totalVideoFrames >= frames);
}}"""


async def _screen(page: Any, name: str, timeout: float = 20_000) -> None:
    await page.wait_for_selector(f'[data-testid="screen"][data-screen="{name}"]', timeout=timeout)


async def _page(server: Running, browser: Any, ev: Any, index: int) -> tuple[str, Any]:
    pid, token = ev.person(index)
    context = await browser.new_context(viewport={"width": 1000, "height": 700})
    await context.add_init_script(SPY)
    page = await context.new_page()
    page.on("pageerror", lambda exc, who=pid: print(f"[{who}] page error: {exc}"))
    await page.goto(f"{server.url}/e/{ev.id}/p/{token}")
    return pid, page


async def _prepared(page: Any, timeout: float = 20_000) -> dict[str, Any]:
    """Wait until the page's last RTCPeerConnection is connected; what it sends then."""
    await page.wait_for_function(
        """() => { const pcs = window.__spy.pcs;
                   return pcs.length > 0 && pcs[pcs.length - 1].connectionState === 'connected'; }""",
        timeout=timeout,
        polling=50,
    )
    return dict(await page.evaluate(LAST))


async def test_the_call_is_ready_before_the_round_and_only_the_picture_switches(
    server: Running, browser: Any
) -> None:
    # A (commune) and B (solution) are pages; X (solution) and Y (commune) are sockets. Round 1
    # pairs A-X and Y-B (wishes), so round 2 can only pair A-B and Y-X: each other's next.
    ev = await server.event(PEOPLE, rounds=3)
    ids = [p["id"] for p in ev.people]
    a, y, x, b = ids
    wishes = [{"from": a, "to": x, "level": "must"}, {"from": y, "to": b, "level": "must"}]
    assert (await server.api("POST", f"/api/events/{ev.id}/wishes", json=wishes))[0] == 201
    pages = dict([await _page(server, browser, ev, 0), await _page(server, browser, ev, 3)])
    sockets: list[Client] = []
    for i in (1, 2):
        sockets.append(await server.connect("/participant", ev.person(i)[1]))
    for page in pages.values():
        await _screen(page, "lobby")
    host = await server.connect("/host", ev.host_token)
    assert (await host.call("open"))["ok"]
    await host.wait_board(lambda d: sum(p["online"] for p in d["participants"]) == 4)
    assert (await host.call("start"))["ok"]
    for page in pages.values():
        await _screen(page, "room")
    assert (await host.call("end_round"))["ok"]
    partner = {a: b, b: a}

    before: dict[str, dict[str, Any]] = {}
    for pid, page in pages.items():
        await _screen(page, "break")
        before[pid] = await _prepared(page)
    for pid, page in pages.items():
        # connected in the break; nothing sent, the partner's picture not shown
        seen = await page.evaluate(LAST)
        assert seen["state"] == "connected", (pid, seen)
        assert seen["senders"] == [None, None], (pid, "a track is sent before the round", seen)
        assert seen["bytes"] == 0, (pid, "media sent before the round", seen)
        assert await page.evaluate(f"(p) => !({REMOTE})(p)", partner[pid]), (pid, "picture shown")

    started = time.monotonic()
    assert (await host.call("next"))["ok"]  # the break is skipped: round 2 starts now
    for pid, page in pages.items():
        await page.wait_for_function(FLOWING, arg=[partner[pid], 1], timeout=15_000, polling=20)
        print(f"[{pid}] round start to the partner's first frame: "
              f"{(time.monotonic() - started) * 1000:.0f} ms (prepared call)")  # fmt: skip
    for pid, page in pages.items():
        await page.wait_for_function(FLOWING, arg=[partner[pid], 10], timeout=15_000)
        after = await page.evaluate(LAST)
        assert after["made"] == before[pid]["made"], (pid, "a new RTCPeerConnection", after)
        assert sorted(after["senders"]) == ["audio", "video"], (pid, after)
        assert after["bytes"] > 0, (pid, after)


async def test_a_next_partner_who_changes_in_the_break_is_called_anew(
    server: Running, browser: Any
) -> None:
    # A (commune) meets X (a socket) in round 1 while B waits; in the break A's next is B. B
    # leaves; D arrives: A's next is D. (The host cannot move people during a break: the server
    # takes moves in rounds only; a changed card is what a move, a departure or an arrival does.)
    people = [
        PEOPLE[0],
        PEOPLE[2],
        PEOPLE[3],
        {**PEOPLE[2], "name": "Denis Roy", "email": "d@x.example"},
    ]
    matching = {"mode": "bipartite", "sides": ["commune", "solution"], "odd": "wait"}
    ev = await server.event(people, rounds=3, matching=matching)
    a, x, _b, d = (p["id"] for p in ev.people)
    wishes = [{"from": a, "to": x, "level": "must"}]
    assert (await server.api("POST", f"/api/events/{ev.id}/wishes", json=wishes))[0] == 201
    _, page_a = await _page(server, browser, ev, 0)
    _, page_b = await _page(server, browser, ev, 2)
    sock_x = await server.connect("/participant", ev.person(1)[1])
    host = await server.connect("/host", ev.host_token)
    assert (await host.call("open"))["ok"]
    await host.wait_board(lambda data: sum(p["online"] for p in data["participants"]) == 3)
    assert (await host.call("start"))["ok"]
    await _screen(page_a, "room")
    assert (await host.call("end_round"))["ok"]
    await _screen(page_a, "break")
    to_b = await _prepared(page_a)
    await _prepared(page_b)

    await page_b.context.close()  # B leaves during the break
    await page_a.wait_for_function(
        "(n) => window.__spy.pcs[n - 1].connectionState === 'closed'",
        arg=to_b["made"],
        timeout=20_000,
    )
    d_id, page_d = await _page(server, browser, ev, 3)
    assert d_id == d
    await page_a.wait_for_function(
        "(n) => window.__spy.pcs.length > n", arg=to_b["made"], timeout=20_000
    )
    to_d = await _prepared(page_a)
    assert to_d["senders"] == [None, None] and to_d["bytes"] == 0, to_d

    assert (await host.call("next"))["ok"]
    await page_a.wait_for_function(FLOWING, arg=[d, 10], timeout=20_000)
    await page_d.wait_for_function(FLOWING, arg=[a, 10], timeout=20_000)
    assert (await page_a.evaluate(LAST))["made"] == to_d["made"]
    await sock_x.close()
