"""A whole small event over real Socket.IO clients: the foundation's happy path."""

from __future__ import annotations

from typing import Any

from tests.conftest import PEOPLE, Running


async def test_two_rounds_with_four_people(server: Running) -> None:
    ev = await server.event(PEOPLE)
    host = await server.connect("/host", ev.host_token)
    snap = await host.wait_for("snapshot")
    assert snap["event"]["title"] == "Test event"
    people = []
    for i in range(4):
        pid, token = ev.person(i)
        people.append((pid, await server.connect("/participant", token)))
    for _, c in people:
        await c.wait_for("clock")
    assert (await host.call("open"))["ok"]
    ack = await host.call("start")
    assert ack["ok"], ack
    assert ack["clock"]["phase"] == "round"
    rooms: dict[str, Any] = {}
    for pid, c in people:
        a = await c.wait_for("assignment", lambda d: d["round"] == 1 and d["room"] is not None)
        rooms[pid] = a
        assert len(a["peers"]) == 1
    # partners agree
    for pid, a in rooms.items():
        peer = a["peers"][0]["id"]
        assert rooms[peer]["room"] == a["room"]
        assert rooms[peer]["peers"][0]["id"] == pid
    assert (await host.call("end_round"))["ok"]
    assert (await host.call("next"))["ok"]
    for pid, c in people:
        a = await c.wait_for("assignment", lambda d: d["round"] == 2 and d["room"] is not None)
        assert a["peers"][0]["id"] != rooms[pid]["peers"][0]["id"]
