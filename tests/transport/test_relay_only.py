"""Relay-only events over a real server and real Socket.IO clients: the organiser's choice (refused
on a server without a TURN relay), the policy in every payload with ICE servers, and a relay
that passes on no candidate but the TURN server's, whatever the page sends."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import Running
from tests.transport.gathering import gather

TURN = {"turn_urls": ["turn:127.0.0.1:3478?transport=udp"], "turn_secret": "s3cret"}
HOST = "candidate:1 1 udp 2122260223 192.168.1.20 54321 typ host generation 0"
SRFLX = "candidate:3 1 udp 1686052607 203.0.113.7 40000 typ srflx raddr 192.168.1.20 rport 1"
RELAY = "candidate:6 1 udp 41885439 198.51.100.9 50000 typ relay raddr 203.0.113.7 rport 9"
SDP = (
    "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"
    f"c=IN IP4 192.168.1.20\r\na={HOST}\r\na={SRFLX}\r\na={RELAY}\r\n"
)


async def test_relay_only_needs_a_turn_relay(server: Running) -> None:
    """Refused with what to configure: the event's calls would all fail."""
    spec = {"title": "T", "round_seconds": 300, "rounds": 2, "ice_transport_policy": "relay"}
    status, body = await server.api("POST", "/api/events", json=spec)
    assert status == 409, body
    assert body["error"]["code"] == "needs_turn"
    assert "set turn_urls and turn_secret" in body["error"]["message"]
    ev = await server.event()
    assert ev.body["ice_transport_policy"] == "all"
    path = f"/api/events/{ev.id}"
    status, body = await server.api("PATCH", path, json={"ice_transport_policy": "relay"})
    assert (status, body["error"]["code"]) == (409, "needs_turn")


async def _relay_only(start: Callable[..., Any], **settings: Any) -> Any:
    server = await start(**TURN, **settings)
    return await gather(server, ice_transport_policy="relay")


async def test_every_payload_with_ice_servers_says_relay(start: Callable[..., Any]) -> None:
    g = await _relay_only(start)
    assert g.ev.body["ice_transport_policy"] == "relay"
    for pid, assignment in g.rooms.items():
        assert assignment["ice_transport_policy"] == "relay", pid
        assert assignment["ice_servers"][0]["urls"] == TURN["turn_urls"]
    pid = next(iter(g.rooms))
    ack = await g.mod.call("join_room", {"room": g.room(pid)})
    assert ack["ok"], ack
    assert ack["ice_transport_policy"] == "relay" and ack["ice_servers"]
    # the self-test of a relay-only event's participant calls through the relay too
    async with g.server.http.get(f"{g.server.url}/e/{g.ev.id}/p/{g.tokens[pid]}/check") as r:
        page = await r.text()
    assert '"ice_transport_policy": "relay"' in page


async def test_an_event_of_a_relay_only_server_is_relay_only(start: Callable[..., Any]) -> None:
    server = await start(**TURN, ice_transport_policy="relay")
    g = await gather(server)  # the event says nothing: the server's policy holds
    assert all(a["ice_transport_policy"] == "relay" for a in g.rooms.values())
    async with server.http.get(f"{server.url}/check") as r:
        assert '"ice_transport_policy": "relay"' in await r.text()


@pytest.mark.parametrize("policy", ["relay", "all"])
async def test_the_relay_passes_on_relay_candidates_only(
    start: Callable[..., Any], caplog: pytest.LogCaptureFixture, policy: str
) -> None:
    """An older page (or a hostile one) sends host and reflexive candidates: in a relay-only
    event they never reach the partner, and a log line counts them."""
    server = await start(**TURN)
    g = await gather(server, ice_transport_policy=policy)
    pid = next(iter(g.people))
    partner = g.partner(pid)
    sender, receiver = g.people[pid], g.people[partner]
    caplog.set_level(logging.INFO, logger="server.signaling")
    for line in (HOST, SRFLX, RELAY):
        data = {"candidate": {"candidate": line, "sdpMid": "0"}, "session": "a"}
        assert (await sender.call("signal", {"to": partner, "data": data}))["ok"]
    description = {"description": {"type": "offer", "sdp": SDP}, "session": "a"}
    assert (await sender.call("signal", {"to": partner, "data": description}))["ok"]
    await receiver.wait_for("signal", lambda m: "description" in m["data"])
    got = [m["data"] for name, m in receiver.received if name == "signal"]
    sdp = got[-1]["description"]["sdp"]
    if policy == "all":
        assert [d["candidate"]["candidate"] for d in got[:-1]] == [HOST, SRFLX, RELAY]
        assert sdp == SDP
        return
    # the relay candidate only, without the person's public address as its related address
    relayed = RELAY.replace("raddr 203.0.113.7 rport 9", "raddr 0.0.0.0 rport 0")
    assert [d["candidate"]["candidate"] for d in got[:-1]] == [relayed]
    assert "192.168.1.20" not in sdp and "203.0.113.7" not in sdp and "typ relay" in sdp
    said = [r.getMessage() for r in caplog.records if "relay-only event" in r.getMessage()]
    assert any("1 host" in s and "not passed on" in s for s in said), said
    assert any("1 address, 1 host, 1 related, 1 srflx" in s for s in said), said


async def test_a_long_round_gets_credentials_for_all_of_it(start: Callable[..., Any]) -> None:
    """turn_ttl_seconds is an hour; a round of two hours gets credentials valid past its end."""
    server = await start(**TURN)
    g = await gather(server, round_seconds=7200)
    for assignment in g.rooms.values():
        expiry_s = int(assignment["ice_servers"][-1]["username"].split(":")[0])
        end_s = assignment["clock"]["ends_at"] // 1000
        assert expiry_s > end_s, (expiry_s, end_s)


async def test_a_call_prepared_in_the_break_is_relay_only_too(start: Callable[..., Any]) -> None:
    """The next round's card carries the policy (the page prepares that call with it), and a
    prepared call's signal loses its host and reflexive candidates as any other."""
    g = await _relay_only(start)
    pid = next(iter(g.people))
    await g.end_round()
    cards = await g.cards()
    nxt = cards[pid][0]
    card = g.people[pid].last("next")
    assert card["ice_transport_policy"] == "relay"
    assert card["ice_servers"][0]["urls"] == TURN["turn_urls"]
    seen = len(g.people[nxt].received)
    offer = {"description": {"type": "offer", "sdp": SDP}, "session": "s1"}
    ack = await g.people[pid].call("signal", {"to": nxt, "data": offer, "next": 2})
    assert ack == {"ok": True}
    got = await g.people[nxt].wait_for("signal", after=seen)
    sdp = got["data"]["description"]["sdp"]
    assert "typ relay" in sdp and "typ host" not in sdp and "typ srflx" not in sdp
