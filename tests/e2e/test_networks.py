"""Calls on networks as people have them, with one participant's Chromium in a network
namespace of the test's own (``tests/net``): UDP blocked with only the TURN server's TCP port
open, a path to the TURN server that adds 150 ms each way and loses 2 % of datagrams, and a
network change mid-call (the namespace's link, address and route swapped, as Wi-Fi to 4G).

Each test prints the time from the round's start (on the server's clock) to the partner's first
video frame on each page, and the network change its recovery time.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from server.app import create_app
from tests.conftest import PEOPLE, TURN_SECRET, Running, settings_for, stop
from tests.e2e.test_calls import _flowing, _screen
from tests.net.chromium import launch
from tests.net.frames import PAIRS, first_frame_ms, watch
from tests.net.lab import Lab
from tests.net.namespace import Namespace

ROUND_S = 300
RECOVER_S = 5  # the bound for a network change, both sides


@pytest.fixture
async def serve(lab: Lab, tmp_path: Path) -> AsyncIterator[Any]:
    """Start the server on the lab's address (namespaces reach it there)."""
    running: list[Running] = []

    async def _serve(**settings: Any) -> Running:
        app = create_app(settings_for(tmp_path, **settings))
        server = TestServer(app, host=lab.address, port=0)
        # a connection from an address that went away (the network change) never closes: do
        # not wait the default minute for its handler when the server stops
        await server.start_server(shutdown_timeout=2)
        url = f"http://{lab.address}:{server.port}"
        running.append(Running(url=url, http=aiohttp.ClientSession(), server=server))
        return running[-1]

    yield _serve
    for r in running:
        await stop(r)


async def _meet(server: Running, browsers: list[Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """Two people of opposite sides, one in each browser, in round 1 with live video of each
    other; prints the time from the round's start to each page's first frame of the partner."""
    ev = await server.event([PEOPLE[0], PEOPLE[3]], rounds=2, round_seconds=ROUND_S)
    pages: dict[str, Any] = {}
    for i, browser in enumerate(browsers):
        pid, token = ev.person(i)
        context = await browser.new_context(viewport={"width": 800, "height": 600})
        await context.add_init_script(watch(ROUND_S))
        page = await context.new_page()
        page.on("pageerror", lambda exc, who=pid: print(f"[{who}] page error: {exc}"))
        await page.goto(f"{server.url}/e/{ev.id}/p/{token}")
        pages[pid] = page
    for pid, page in pages.items():
        try:
            await _screen(page, "lobby")
        except Exception:
            print(f"page {pid} at {page.url}: {await page.evaluate('() => window.__log')}")
            raise
    host = await server.connect("/host", ev.host_token)
    assert (await host.call("open"))["ok"]
    assert (await host.call("start"))["ok"]
    a, b = pages
    partner = {a: b, b: a}
    for pid, page in pages.items():
        await _screen(page, "room")
        try:
            await _flowing(page, partner[pid], frames=10, timeout=45_000)
        except Exception:
            for who, p in pages.items():
                print(f"page {who}: {await p.evaluate(CANDIDATES)}")
            raise
        ms = await first_frame_ms(page, 1, partner[pid])
        print(f"round start to first frame of the partner, page {pid}: {ms} ms")
        assert 0 < ms < 45_000, ms  # generous: the figures are recorded, not judged, here
    return pages, partner


CANDIDATES = """async () => Promise.all(window.__pcs.map(async (pc) => [pc.connectionState,
  ...[...(await pc.getStats()).values()].filter((s) => s.type.includes('candidate') || s.type.endsWith('rtp'))
    .map((s) => [s.type, s.kind, s.bytesReceived, s.bytesSent, s.framesDecoded, s.candidateType, s.protocol, s.relayProtocol, s.address, s.port, s.state,
                 s.url].filter((x) => x !== undefined).join(' '))])).then((x) => [x,
  [...document.querySelectorAll('video')].map((v) => [v.dataset.testid, v.dataset.peer, v.videoWidth, v.paused, v.readyState, !!v.srcObject])])"""


async def _pairs(page: Any) -> list[dict[str, Any]]:
    return list(await page.evaluate(PAIRS))


async def test_udp_blocked_the_call_goes_through_the_relay_over_tcp(
    lab: Lab, serve: Any, browser: Any, tmp_path: Path
) -> None:
    turn = await lab.turn()
    server = await serve(turn_urls=turn.urls(), turn_secret=TURN_SECRET)
    ns = lab.namespace()
    ns.only(("tcp", turn.port), ("tcp", server.server.port))  # no UDP at all
    inside = await launch(browser.browser_type, tmp_path, server.url, ns)
    outside = await launch(browser.browser_type, tmp_path, server.url)
    try:
        pages, partner = await _meet(server, [inside, outside])
        walled = next(iter(pages))
        (pair,) = [p for p in await _pairs(pages[walled]) if p["state"] == "connected"]
        assert pair["local"]["type"] == "relay", pair
        assert pair["local"]["relay"] == "tcp", pair
        (pair,) = [p for p in await _pairs(pages[partner[walled]]) if p["state"] == "connected"]
        assert pair["remote"]["type"] == "relay", pair
    finally:
        await inside.close()
        await outside.close()


async def test_a_slow_lossy_path_to_the_relay(
    lab: Lab, serve: Any, browser: Any, tmp_path: Path
) -> None:
    turn = await lab.turn()
    relay = await lab.delay(turn.port, delay=0.150, loss=0.02)
    through = [u.replace(f":{turn.port}?", f":{relay.port}?") for u in turn.urls()]
    server = await serve(turn_urls=through, turn_secret=TURN_SECRET)
    ns = lab.namespace()
    ns.only(("udp", relay.port), ("tcp", relay.port), ("tcp", server.server.port))
    inside = await launch(browser.browser_type, tmp_path, server.url, ns)
    outside = await launch(browser.browser_type, tmp_path, server.url)
    try:
        pages, _ = await _meet(server, [inside, outside])
        walled = next(iter(pages))
        (pair,) = [p for p in await _pairs(pages[walled]) if p["state"] == "connected"]
        assert pair["local"]["type"] == "relay", pair
        print(f"through the delaying relay: {relay.counts}")
        assert relay.counts.dropped > 0, relay.counts
    finally:
        await inside.close()
        await outside.close()


@pytest.mark.parametrize("side", ["impolite", "polite"])
async def test_a_network_change_mid_call_recovers_with_an_ice_restart(
    lab: Lab, serve: Any, browser: Any, tmp_path: Path, side: str
) -> None:
    """Mid-call, the namespace's link, address and route are swapped for new ones (Wi-Fi to
    4G): both pages see video again within 5 s of the change, through an ICE restart of the same
    connections, in the same round and room (no trip through the lobby).

    Before: nothing noticed the change until ICE said `disconnected` (about 5 s), the impolite
    side restarted ICE 4 s after that, and as ICE came back up while `connectionState` still
    said `disconnected` it started the call over: video was back after 10.8 to 12.2 s on a
    busy machine, on new connections (this test failed: "the call was started over")."""
    turn = await lab.turn()
    server = await serve(turn_urls=turn.urls(), turn_secret=TURN_SECRET)
    ns: Namespace = lab.namespace()
    inside = await launch(browser.browser_type, tmp_path, server.url, ns)
    outside = await launch(browser.browser_type, tmp_path, server.url)
    try:
        # the server makes the greater id (the second person) the polite side
        pages, partner = await _meet(server, [inside, outside][:: 1 if side == "impolite" else -1])
        walled = list(pages)[0 if side == "impolite" else 1]
        before = {pid: await _pairs(page) for pid, page in pages.items()}
        rooms = {
            pid: await page.evaluate("() => window.__assignments.at(-1)")
            for pid, page in pages.items()
        }
        changed = int(time.time() * 1000)
        ns.swap()  # Wi-Fi to 4G: the old link, address and route go; new ones come
        back: dict[str, int] = {}
        for pid, page in pages.items():
            await _flowing(page, partner[pid], frames=10, timeout=30_000)
            gaps = await page.evaluate("() => window.__gaps")
            # the first frame after the pause the change made (the longest pause since: a busy
            # machine also pauses a page's video now and then, for less than the change does)
            since = [(start, end) for _, start, end in gaps if end > changed]
            back[pid] = max(since, key=lambda g: g[1] - g[0])[1] - changed
        log = {pid: await page.evaluate("() => window.__log") for pid, page in pages.items()}
        for pid, entries in log.items():
            for entry in entries:
                print(pid, entry[0] - changed, *entry[1:])
        after = {pid: await _pairs(page) for pid, page in pages.items()}
        print(f"before the change: {before}\nafter the change: {after}")
        print(f"video back after the network change: {back} ms (pages {list(pages)})")
        for pid, page in pages.items():
            assert len(after[pid]) == len(before[pid]) == 1, (pid, "the call was started over")
            assert after[pid][0]["state"] == "connected", after[pid]
            assert await page.evaluate("() => Object.keys(window.__rounds)") == ["1"]
            since = await page.evaluate(
                "(t) => window.__assignments.filter(a => a[0] > t)", changed
            )
            assert all(a[1:] == rooms[pid][1:] for a in since), (pid, rooms[pid], since)
            screen = "() => document.querySelector('[data-testid=\"screen\"]').dataset.screen"
            assert await page.evaluate(screen) == "room", pid
        assert after[walled][0]["local"]["address"] == ns.address, after[walled]
        assert await pages[walled].evaluate("() => window.__restarts.length") >= 1
        assert max(back.values()) <= RECOVER_S * 1000, back
    finally:
        await inside.close()
        await outside.close()
