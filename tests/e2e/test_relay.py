"""Calls through a real TURN relay (coturn, the ``turn`` fixture) in real Chromium: a relay-only
event connects with live video both ways over relay candidates only, no candidate of another type
ever crosses the server, and expired credentials leave a page that says what to do.

The pages are watched from the inside (an init script keeps the RTCPeerConnections the page
makes, and every `signal` frame it sends or receives over the websocket); nothing in the
production code is there for the tests.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import ADMIN, PEOPLE, TURN_SECRET, Running, stop
from tests.e2e.test_calls import _flowing, two_in_a_room

SPY = """
(() => {
  const Native = window.RTCPeerConnection;
  const spy = window.__spy = { pcs: [], configs: [], sent: [], received: [], errors: [] };
  window.RTCPeerConnection = class extends Native {
    constructor(...args) {
      super(...args);
      spy.pcs.push(this);
      spy.configs.push(JSON.parse(JSON.stringify(args[0] ?? null)));
      this.addEventListener('icecandidateerror',
        (e) => spy.errors.push({ code: e.errorCode, url: e.url }));
    }
  };
  const signal = (frame) => {
    if (typeof frame !== 'string' || !frame.includes('["signal",')) return null;
    try { return JSON.parse(frame.slice(frame.indexOf('['))); } catch { return null; }
  };
  const NativeSocket = window.WebSocket;
  window.WebSocket = class extends NativeSocket {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', ({ data }) => {
        const m = signal(data);
        if (m) spy.received.push(m[1].data);
      });
    }
    send(frame) {
      const m = signal(frame);
      if (m) spy.sent.push(m[1].data);
      return super.send(frame);
    }
  };
})();
"""

# The selected candidate pair of each connection that has one: its local and remote types.
SELECTED = """async () => {
  const out = [];
  for (const pc of window.__spy.pcs) {
    if (pc.connectionState !== 'connected') continue;
    const stats = await pc.getStats();
    let pair = null;
    stats.forEach((s) => {
      if (s.type === 'transport' && s.selectedCandidatePairId) pair = stats.get(s.selectedCandidatePairId);
    });
    if (!pair) continue;
    out.push({ local: stats.get(pair.localCandidateId).candidateType,
               remote: stats.get(pair.remoteCandidateId).candidateType,
               protocol: stats.get(pair.localCandidateId).relayProtocol });
  }
  return out;
}"""


def _candidate_lines(signals: list[dict[str, Any]]) -> list[str]:
    """Every ICE candidate a list of signal payloads carries (trickled, and in SDPs)."""
    lines = []
    for data in signals:
        candidate = data.get("candidate")
        if isinstance(candidate, dict) and candidate.get("candidate"):
            lines.append(candidate["candidate"])
        description = data.get("description")
        if isinstance(description, dict):
            sdp = str(description.get("sdp", ""))
            lines += [x for x in sdp.splitlines() if x.startswith("a=candidate")]
    return lines


async def _relay_event(server: Running, browser: Any) -> tuple[Any, dict[str, Any]]:
    """A relay-only event of two people, each on their page; the host started round 1."""
    return await two_in_a_room(server, browser, SPY, ice_transport_policy="relay")


async def test_a_relay_only_call_goes_through_the_relay(
    start: Callable[..., Any], browser: Any, turn: Any
) -> None:
    server = await start(turn_urls=turn.urls(), turn_secret=TURN_SECRET)
    _, pages = await _relay_event(server, browser)
    a, b = pages
    partner = {a: b, b: a}
    for pid, page in pages.items():
        await _flowing(page, partner[pid], frames=10, timeout=30_000)

    for pid, page in pages.items():
        configs = await page.evaluate("() => window.__spy.configs")
        assert configs and all(c["iceTransportPolicy"] == "relay" for c in configs), configs
        assert all(c["iceServers"][-1]["urls"] == turn.urls() for c in configs), configs
        pairs = await page.evaluate(SELECTED)
        assert pairs, (pid, "no connected pair")
        assert all(p["local"] == "relay" and p["remote"] == "relay" for p in pairs), (pid, pairs)
        print(f"[{pid}] selected pairs: {pairs}")
        spied = await page.evaluate(
            "() => ({ sent: window.__spy.sent, got: window.__spy.received })"
        )
        # what this page sent through the server, and what reached it from its partner
        for way in ("sent", "got"):
            lines = _candidate_lines(spied[way])
            assert lines, (pid, way, "no candidate at all went through the server")
            assert all(" typ relay" in x for x in lines), (pid, way, lines)
            assert "127.0.0.1" in json.dumps(lines)  # the relay's address (turn listens there)


async def test_expired_credentials_are_explained(
    start: Callable[..., Any], browser: Any, turn: Any
) -> None:
    """The server's clock runs two hours behind: the credentials it hands out (valid one hour,
        ``turn_ttl_seconds``) expired an hour ago by coturn's clock, which refuses them (401). Each
        page says so in plain words, and the moderators' board shows the room as it shows a failed
    connection (flagged ``no_video``, each member's link ``relay_refused``)."""
    behind_ms = 2 * 3600 * 1000
    server = await start(
        turn_urls=turn.urls(),
        turn_secret=TURN_SECRET,
        now=lambda: time.time_ns() // 1_000_000 - behind_ms,
    )
    ev, pages = await _relay_event(server, browser)
    mod = await server.connect("/moderator", ev.moderator_token)
    for pid, page in pages.items():
        await page.wait_for_function(
            """() => [...document.querySelectorAll('.tile.remote')]
                 .some((t) => t.dataset.ice === 'relay_refused' && !t.querySelector('.tile-status').hidden)""",
            timeout=30_000,
        )
        text = await page.locator(".tile.remote .tile-status").first.inner_text()
        assert text == (
            "The relay server refused the connection: reload this page to get a new access."
        ), (pid, text)
        errors = await page.evaluate("() => window.__spy.errors")
        assert {e["code"] for e in errors} == {401}, errors
        sent = _candidate_lines(await page.evaluate("() => window.__spy.sent"))
        assert sent == [], (pid, "a candidate was gathered and sent", sent)
    # shown as a failed connection is: the room flagged without video, each member's link named
    await mod.wait_board(
        lambda d: any(
            "no_video" in r["flags"] and [m["ice"] for m in r["members"]] == ["relay_refused"] * 2
            for r in d["rooms"]
        ),
        timeout=30,
    )


@pytest.mark.parametrize(
    ("relay", "lang", "said"),
    [
        ("running", "fr", "joignable (UDP et TCP)"),
        ("stopped", "en", "unreachable — your network blocks the event’s relay server"),
    ],
)
async def test_the_self_test_says_whether_the_relay_can_be_reached(
    turn: Any, start: Callable[..., Any], browser: Any, relay: str, lang: str, said: str
) -> None:
    """The self-test gathers relay candidates over UDP and over TCP: from a real coturn, or from
    its port with nothing listening any more (stopped). (``turn`` first: it stops after the
    server, whose echo may hold a relay address on it.)"""
    server = await start(turn_urls=turn.urls(), turn_secret=TURN_SECRET)
    ev = await server.event(PEOPLE[:1])
    if relay == "stopped":
        turn.halt()
    context = await browser.new_context(viewport={"width": 1000, "height": 700})
    await context.add_init_script(SPY)
    page = await context.new_page()
    await page.goto(f"{server.url}/e/{ev.id}/p/{ev.person(0)[1]}/check?lang={lang}")
    node = page.locator('[data-testid="check-relay"]')
    await page.wait_for_function(
        """() => { const n = document.querySelector('[data-testid="check-relay"]');
                   return n && !n.hidden && !['', 'checking'].includes(n.dataset.relay); }""",
        timeout=30_000,
    )
    text = await node.inner_text()
    assert text.startswith(said), text
    assert await node.get_attribute("data-relay") == ("both" if relay == "running" else "none")
    label = page.locator("dt", has=page.locator("text=Relais" if lang == "fr" else "text=Relay"))
    assert await label.is_visible()
    configs = await page.evaluate("() => window.__spy.configs")
    probes = [c for c in configs if c["iceTransportPolicy"] == "relay"]
    assert [c["iceServers"][0]["urls"] for c in probes] == [[u] for u in turn.urls()], configs


async def test_the_server_stops_when_its_relay_is_gone(
    start: Callable[..., Any], browser: Any, turn: Any
) -> None:
    """The self-test's aiortc echo took a relay address on coturn, then coturn stopped: the
    server still stops (aioice retried its goodbye to the relay for about 30 s, and the test
    server's stop timed out at ``STOP_S``)."""
    server = await start(turn_urls=turn.urls(), turn_secret=TURN_SECRET)
    ev = await server.event(PEOPLE[:1])
    context = await browser.new_context(viewport={"width": 1000, "height": 700})
    page = await context.new_page()
    await page.goto(f"{server.url}/e/{ev.id}/p/{ev.person(0)[1]}/check")
    await page.wait_for_function(
        """() => { const v = document.querySelector('[data-testid="echo-video"]');
                   return v && v.videoWidth > 0; }""",
        timeout=30_000,
    )
    turn.halt()
    await stop(server)  # within STOP_S, or it raises


async def test_the_self_test_of_a_relay_only_event_goes_through_the_relay(
    turn: Any, start: Callable[..., Any], browser: Any
) -> None:
    """The echo call of a relay-only event's self-test uses the relay too: the video comes back
    over a pair whose local candidate is the relay's, and the page offered no other."""
    server = await start(turn_urls=turn.urls(), turn_secret=TURN_SECRET)
    ev = await server.event(PEOPLE[:1], ice_transport_policy="relay")
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
    assert configs and all(c["iceTransportPolicy"] == "relay" for c in configs), configs
    pairs = await page.evaluate(SELECTED)
    assert [p["local"] for p in pairs] == ["relay"], pairs
    print(f"self-test pair: {pairs}")


async def test_the_organiser_makes_an_event_relay_only(
    start: Callable[..., Any], browser: Any
) -> None:
    """On the event's settings: refused in plain words on a server without a relay (no setting
    name on the page), saved on one with a relay."""
    relay = {"turn_urls": ["turn:127.0.0.1:9?transport=udp"], "turn_secret": TURN_SECRET}
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    for settings, said in (
        ({}, "Calls through the relay only need a relay server (TURN)"),
        (relay, "Saved"),
    ):
        server = await start(**settings)  # one after the other: one data folder
        ev = await server.event()
        await page.goto(f"{server.url}/admin?lang=en#/e/{ev.id}")
        await page.fill('[data-testid="admin-token"]', ADMIN)
        await page.press('[data-testid="admin-token"]', "Enter")  # then the event's page
        await page.check('[data-testid="edit-relay"]')
        await page.click('[data-testid="save-settings"]')
        # refused: beside the box (field-error); saved: at the top
        message = page.locator(
            '[data-testid="message"]' if settings else '[data-testid="field-error"]'
        )
        await message.filter(has_text=said).wait_for(timeout=10_000)
        assert "turn_urls" not in await message.inner_text()
        _, body = await server.api("GET", f"/api/events/{ev.id}")
        assert body["ice_transport_policy"] == ("relay" if settings else "all")
        if settings:
            assert await page.is_checked('[data-testid="edit-relay"]')  # as saved, rendered
        await stop(server)
    await context.close()
