"""TURN credentials where the browsers get them: every assignment (fresh each time), a
moderator's call, the self-test's boot data and its aiortc peer."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from server.http.selftest import ECHO
from server.live.turn import COVER_MARGIN_S, credential
from tests.conftest import PEOPLE
from tests.transport.gathering import gather

URLS = ["turn:turn.example.org:3478?transport=udp", "turns:turn.example.org:443?transport=tcp"]
STUN = {"urls": ["stun:turn.example.org:3478"]}
SECRET = "a shared secret"
TTL = 900
BOOT = re.compile(r'<script type="application/json" id="boot">(.*?)</script>', re.S)


def turn_of(servers: list[dict[str, Any]]) -> dict[str, Any]:
    assert servers[0] == STUN, servers
    (turn,) = [s for s in servers if s["urls"] == URLS]
    return turn


def check(turn: dict[str, Any], now_ms: int, who: str, ttl: int = TTL) -> None:
    assert turn["username"] == f"{now_ms // 1000 + ttl}:{who}"
    assert turn["credential"] == credential(SECRET, turn["username"])


def lasting(assignment: dict[str, Any]) -> int:
    """How long an assignment's credentials last: ``TTL``, or the rest of its round and a
    margin when that is longer (a call must not outlive its credentials)."""
    return max(TTL, -(-assignment["clock"]["remaining_ms"] // 1000) + COVER_MARGIN_S)


async def test_turn_credentials_are_fresh_in_assignments_calls_and_the_self_test(
    start: Callable[..., Any],
) -> None:
    now = [1_800_000_000_000]
    server = await start(
        now=lambda: now[0],
        board_interval_ms=20,
        ice_servers=[STUN],
        turn_urls=URLS,
        turn_secret=SECRET,
        turn_ttl_seconds=TTL,
    )
    g = await gather(server, [PEOPLE[0], PEOPLE[2]])
    a, b = g.people
    check(turn_of(g.rooms[a]["ice_servers"]), now[0], a, lasting(g.rooms[a]))
    check(turn_of(g.rooms[b]["ice_servers"]), now[0], b, lasting(g.rooms[b]))

    # later, the next assignment (here: after a reconnect) carries new ones
    now[0] += 120_000
    again = await g.reconnect(a)
    fresh = await again.wait_for("assignment")
    check(turn_of(fresh["ice_servers"]), now[0], a, lasting(fresh))

    # a moderator's call, with its staff id, lasting the round as the members' do
    ack = await g.mod.call("join_room", {"room": g.room(a)})
    assert ack["ok"], ack
    staff_id = ack["staff"]["id"]
    check(turn_of(ack["ice_servers"]), now[0], staff_id, lasting(fresh))

    # the self-test page's boot data, and the aiortc peer that answers it
    async with server.http.get(server.url + "/check") as r:
        page = await r.text()
    found = BOOT.search(page)
    assert found is not None
    boot = json.loads(found[1])
    check(turn_of(boot["ice_servers"]), now[0], "check")
    config = server.server.app[ECHO]._configuration()
    (relay,) = [s for s in config.iceServers if s.urls == URLS]
    assert relay.username == f"{now[0] // 1000 + TTL}:check"
    assert relay.credential == credential(SECRET, relay.username)


async def test_without_turn_the_configured_servers_alone(start: Callable[..., Any]) -> None:
    server = await start(board_interval_ms=20, ice_servers=[STUN])
    g = await gather(server, [PEOPLE[0], PEOPLE[2]])
    for assignment in g.rooms.values():
        assert assignment["ice_servers"] == [STUN]
