"""The Socket.IO contract over a real server and real clients: every event of docs/protocol.md."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
import socketio

from server.core.matching import PlannedRoom, RoundPlan
from server.http.keys import OWNER
from tests.conftest import PEOPLE, Client, Running
from tests.procs import eventually
from tests.transport.gathering import gather


def error(ack: dict[str, Any]) -> str:
    """The error code of a refused command (and a check of the error's shape)."""
    assert ack["ok"] is False, ack
    assert set(ack["error"]) >= {"code", "message"} and ack["error"]["message"]
    return str(ack["error"]["code"])


# --- connecting -----------------------------------------------------------------------------


async def test_time_on_every_namespace(server: Running) -> None:
    g = await gather(server, started=False)
    participant = next(iter(g.people.values()))
    for client in (participant, g.host, g.mod):
        before = (await client.call("time"))["server_ms"]
        ack = await client.call("time")
        assert ack["ok"] is True
        assert isinstance(ack["server_ms"], int) and ack["server_ms"] >= before


async def refused(server: Running, namespace: str, auth: Any) -> Any:
    """Connect and expect a refusal; the ``connect_error`` data the server gave (``err.data``)."""
    sio = socketio.AsyncClient(reconnection=False)
    errors: list[Any] = []
    sio.on("connect_error", errors.append, namespace=namespace)
    with pytest.raises(socketio.exceptions.ConnectionError):
        await sio.connect(
            server.url, namespaces=[namespace], auth=auth, transports=["websocket"], wait_timeout=10
        )
    assert not sio.connected
    (packet,) = errors
    # the CONNECT_ERROR packet is {message, data}; socket.io-client exposes data as err.data
    assert packet["message"] == packet["data"]["message"]
    return packet["data"]


@pytest.mark.parametrize(
    ("namespace", "token", "code"),
    [
        ("/participant", "wrong", "bad_token"),
        ("/host", "wrong", "bad_token"),
        ("/moderator", "wrong", "bad_token"),
        ("/participant", None, "bad_token"),
        ("/host", "participant", "wrong_role"),
        ("/moderator", "participant", "wrong_role"),
        ("/moderator", "host", "wrong_role"),
        ("/host", "moderator", "wrong_role"),
        ("/participant", "host", "wrong_role"),
    ],
)
async def test_connect_refused(
    server: Running, namespace: str, token: str | None, code: str
) -> None:
    ev = await server.event(PEOPLE[:1])
    tokens = {
        "wrong": "not-a-token",
        "participant": ev.person(0)[1],
        "host": ev.host_token,
        "moderator": ev.moderator_token,
    }
    auth = {"token": tokens[token]} if token is not None else None
    data = await refused(server, namespace, auth)
    assert data["code"] == code and data["message"]
    # the refusals are counted, and the server goes on accepting good tokens
    status, metrics = await server.api("GET", "/metrics")
    assert status == 200 and "speedmeet_connections_refused_total{reason=" in metrics
    host = await server.connect("/host", ev.host_token)
    assert (await host.call("time"))["ok"]


async def test_state_on_connect(server: Running) -> None:
    g = await gather(server, started=False)
    pid, client = next(iter(g.people.items()))
    first, second = client.received[0], client.received[1]
    assert first[0] == "clock" and first[1]["phase"] == "lobby"
    assert second[0] == "assignment"
    assert second[1]["room"] is None and second[1]["peers"] == [] and second[1]["round"] == 0
    assert second[1]["ice_servers"] == []
    for staff in (g.host, g.mod):
        snap = await staff.wait_for("snapshot")
        assert {"clock", "event", "rooms", "waiting", "help", "participants", "seq"} <= set(snap)
        assert snap["clock"]["phase"] == "lobby" and snap["rooms"] == []
        assert snap["event"]["sides"] == ["commune", "solution"]
        assert [staff.received[0][0], staff.received[1][0]] == ["clock", "snapshot"]
    assert pid in {p["id"] for p in (await g.mod.wait_board())["participants"]}


async def test_a_client_that_missed_changes_gets_the_state_and_is_counted(
    server: Running,
) -> None:
    g = await gather(server)
    pid = next(iter(g.people))
    seen = g.rooms[pid]["seq"]
    await g.people[pid].close()
    assert (await g.host.call("pause"))["ok"]  # a change it does not hear
    again = await g.server.connect("/participant", g.tokens[pid], seq=seen)
    clock = await again.wait_for("clock")
    assert clock["paused"] is True and clock["seq"] > seen
    assert (await again.wait_for("assignment"))["room"] == g.room(pid)
    _, metrics = await server.api("GET", "/metrics")
    assert "speedmeet_reconnects_behind_total 1.0" in metrics
    up_to_date = await g.server.connect("/participant", g.tokens[pid], seq=clock["seq"])
    await up_to_date.wait_for("assignment")
    _, metrics = await server.api("GET", "/metrics")
    assert "speedmeet_reconnects_behind_total 1.0" in metrics


# --- the host's commands --------------------------------------------------------------------


def clock_after(seq: int) -> Callable[[Any], bool]:
    return lambda c: c["seq"] > seq


async def test_open_and_start(server: Running) -> None:
    g = await gather(server, started=False)
    someone = next(iter(g.people.values()))
    ack = await g.host.call("open")
    assert ack["ok"] and ack["clock"]["opened"] is True and ack["clock"]["phase"] == "lobby"
    clock = await someone.wait_for("clock", lambda c: c["opened"])
    assert clock["seq"] == ack["clock"]["seq"]
    await g.mod.wait_for("clock", lambda c: c["opened"])
    await g.mod.wait_board(lambda d: sum(p["online"] for p in d["participants"]) == 4)

    ack = await g.host.call("start")
    assert ack["ok"], ack
    clock = ack["clock"]
    assert (clock["phase"], clock["round"], clock["rounds"], clock["paused"]) == (
        "round",
        1,
        3,
        False,
    )
    assert clock["ends_at"] == clock["server_ms"] + 300_000
    await g.assigned(1)
    for client in g.people.values():
        # one message each: the assignment, which carries the new clock
        (a,) = [d for e, d in client.received if e == "assignment" and d["round"] == 1]
        assert a["clock"] == clock
        assert not [d for e, d in client.received if e == "clock" and d["phase"] == "round"]
    assert (await g.mod.wait_for("clock", lambda c: c["phase"] == "round")) == clock
    for pid, a in g.rooms.items():
        (peer,) = a["peers"]
        assert g.side(peer["id"]) != g.side(pid)  # bipartite: across sides only
        assert g.rooms[peer["id"]]["room"] == a["room"]
        assert {"id", "name", "organization", "side", "polite"} <= set(peer)
        assert a["polite"] != g.rooms[peer["id"]]["polite"]  # exactly one side is polite
        assert a["ice_servers"] == []
    board = await g.mod.wait_board(lambda d: len(d["rooms"]) == 2)
    assert {m["id"] for r in board["rooms"] for m in r["members"]} == set(g.people)


async def test_nothing_changed_since_the_cards_so_the_round_pairs_as_they_said(
    server: Running,
) -> None:
    g = await gather(server, started=False)
    said = await g.cards()
    await g.start()
    assert {pid: [p["id"] for p in a["peers"]] for pid, a in g.rooms.items()} == said


async def test_a_round_starts_with_the_plan_already_made_for_it(server: Running) -> None:
    g = await gather(server, started=False)
    await g.cards()
    store = server.server.app[OWNER].store
    key, made = await eventually(lambda: store.plan(g.ev.id))
    # another plan, as valid, under the same key: the round must follow it, not pair again
    communes = sorted(p for p in g.people if g.side(p) == "commune")
    solutions = sorted(p for p in g.people if g.side(p) == "solution")
    first = {r.members for r in made.rooms}
    other = [tuple(sorted((c, s))) for c, s in zip(communes, reversed(solutions), strict=True)]
    if {tuple(sorted(m)) for m in first} == set(other):
        other = [tuple(sorted((c, s))) for c, s in zip(communes, solutions, strict=True)]
    rooms = tuple(PlannedRoom(members=m, reason="fill") for m in other)
    await store.put_plan(g.ev.id, key, RoundPlan(rooms=rooms, waiting=()))
    await g.start()
    got = {tuple(sorted([pid, a["peers"][0]["id"]])) for pid, a in g.rooms.items()}
    assert got == set(other)


async def test_pause_resume_extend(server: Running) -> None:
    g = await gather(server)
    someone = next(iter(g.people.values()))

    paused = (await g.host.call("pause"))["clock"]
    assert paused["paused"] is True and paused["ends_at"] is None
    assert 0 < paused["remaining_ms"] <= 300_000
    got = await someone.wait_for("clock", lambda c: c["paused"])
    assert got["remaining_ms"] == paused["remaining_ms"]

    extended = (await g.host.call("extend", {"seconds": 30}))["clock"]
    assert extended["paused"] and extended["remaining_ms"] == paused["remaining_ms"] + 30_000

    resumed = (await g.host.call("resume"))["clock"]
    assert resumed["paused"] is False and resumed["remaining_ms"] is not None
    assert resumed["ends_at"] == resumed["server_ms"] + extended["remaining_ms"]
    await someone.wait_for("clock", lambda c: c["seq"] == resumed["seq"] and not c["paused"])

    more = (await g.host.call("extend", {"seconds": 60}))["clock"]
    assert more["ends_at"] == resumed["ends_at"] + 60_000
    await g.mod.wait_for("clock", lambda c: c["seq"] == more["seq"])


async def test_end_round_next_and_end(server: Running) -> None:
    g = await gather(server)
    first = {pid: g.partner(pid) for pid in g.people}

    brk = (await g.host.call("end_round"))["clock"]
    assert (brk["phase"], brk["round"]) == ("break", 1)
    assert brk["ends_at"] == brk["server_ms"] + 60_000
    for client in g.people.values():
        out = await client.wait_for("assignment", lambda a: a["seq"] >= brk["seq"])
        assert out["room"] is None  # out of the room during the break

    nxt = (await g.host.call("next"))["clock"]
    assert (nxt["phase"], nxt["round"]) == ("round", 2)
    await g.assigned(2)
    assert all(g.partner(pid) != first[pid] for pid in g.people)  # never the same pair twice

    end = (await g.host.call("end"))["clock"]
    assert end["phase"] == "ended" and end["ends_at"] is None
    for pid, client in g.people.items():
        summary = await client.wait_for("summary")
        assert [m["round"] for m in summary["meetings"]] == [1, 2]
        assert [m["peers"][0]["id"] for m in summary["meetings"]] == [first[pid], g.partner(pid)]
    await g.mod.wait_for("clock", lambda c: c["phase"] == "ended")


async def test_last_round_end_ends_the_event(server: Running) -> None:
    g = await gather(server, rounds=1)
    ack = await g.host.call("end_round")
    assert ack["clock"]["phase"] == "ended"
    for client in g.people.values():
        await client.wait_for("summary")


async def test_no_break_goes_straight_on(server: Running) -> None:
    g = await gather(server, break_seconds=0)
    ack = await g.host.call("end_round")
    assert (ack["clock"]["phase"], ack["clock"]["round"]) == ("round", 2)
    await g.assigned(2)


@pytest.mark.parametrize(
    ("when", "command", "payload", "code"),
    [
        ("lobby", "pause", {}, "bad_phase"),
        ("lobby", "resume", {}, "bad_phase"),
        ("lobby", "extend", {"seconds": 10}, "bad_phase"),
        ("lobby", "end_round", {}, "bad_phase"),
        ("lobby", "next", {}, "bad_phase"),
        ("lobby", "move", {"participant": "p1", "room": None}, "bad_phase"),
        ("lobby", "repair", {}, "bad_phase"),
        ("round", "open", {}, "bad_phase"),
        ("round", "start", {}, "bad_phase"),
        ("round", "resume", {}, "bad_phase"),
        ("round", "next", {}, "bad_phase"),
        ("break", "end_round", {}, "bad_phase"),
        ("break", "move", {"participant": "p1", "room": None}, "bad_phase"),
        ("ended", "start", {}, "ended"),
        ("ended", "end", {}, "ended"),
        ("ended", "pause", {}, "ended"),
        ("ended", "extend", {"seconds": 10}, "ended"),
    ],
)
async def test_host_command_refused(
    server: Running, when: str, command: str, payload: dict[str, Any], code: str
) -> None:
    g = await gather(server, started=when != "lobby")
    if when == "break":
        assert (await g.host.call("end_round"))["ok"]
    if when == "ended":
        assert (await g.host.call("end"))["ok"]
    before = (await g.host.wait_for("snapshot"))["seq"]
    assert error(await g.host.call(command, payload)) == code
    status, body = await server.api("GET", f"/api/events/{g.ev.id}")
    assert status == 200 and body["clock"]["phase"] == when
    assert body["clock"]["seq"] >= before


async def test_notice(server: Running) -> None:
    g = await gather(server, started=False)
    ack = await g.host.call("notice", {"text": "Coffee break at 10:30"})
    assert ack == {"ok": True}
    for client in (*g.people.values(), g.host, g.mod):
        got = await client.wait_for("notice")
        assert (got["text"], got["from"]) == ("Coffee break at 10:30", "host")
        assert isinstance(got["at"], int)
    assert error(await g.host.call("notice", {"text": ""})) == "bad_payload"
    assert error(await g.host.call("notice", {"text": "   "})) == "bad_payload"


async def test_move(server: Running) -> None:
    g = await gather(server)
    pid = next(iter(g.people))
    partner, room = g.partner(pid), g.room(pid)

    ack = await g.host.call("move", {"participant": pid, "room": None})
    assert ack == {"ok": True, "affected": sorted([pid, partner])}
    waiting = await g.people[pid].wait_for(
        "assignment", lambda a: a["round"] == 1 and a["room"] is None
    )
    assert waiting["peers"] == []
    alone = await g.people[partner].wait_for(
        "assignment", lambda a: a["room"] == room and a["peers"] == []
    )
    assert alone["round"] == 1
    board = await g.mod.wait_board(lambda d: [w["id"] for w in d["waiting"]] == [pid])
    assert "alone" in next(r["flags"] for r in board["rooms"] if r["id"] == room)

    # refused moves: the room of someone on the same side, rooms and people that do not exist
    same_side = next(other for other in g.people if other != pid and g.side(other) == g.side(pid))
    assert (
        error(await g.host.call("move", {"participant": pid, "room": g.room(same_side)}))
        == "same_side"
    )
    assert error(await g.host.call("move", {"participant": pid, "room": "r9-9"})) == "unknown_room"
    assert (
        error(await g.host.call("move", {"participant": "p99", "room": room}))
        == "unknown_participant"
    )
    assert error(await g.host.call("move", {"participant": partner, "room": room})) == "same_room"

    ack = await g.host.call("move", {"participant": pid, "room": room})
    assert ack["ok"], ack
    back = await g.people[pid].wait_for("assignment", lambda a: a["seq"] > waiting["seq"])
    assert (back["room"], back["reason"]) == (room, "moved")
    assert [p["id"] for p in back["peers"]] == [partner]


async def test_move_refuses_a_repeat(server: Running) -> None:
    g = await gather(server)
    first = {pid: g.room(pid) for pid in g.people}
    assert (await g.host.call("end_round"))["ok"]
    assert (await g.host.call("next"))["ok"]
    await g.assigned(2)
    pid = next(iter(g.people))
    met = next(o for o in g.people if o != pid and first[o] == first[pid])
    # leave the person pid met in round 1 alone in their room, then try to put pid with them
    assert (await g.host.call("move", {"participant": g.partner(met), "room": None}))["ok"]
    assert error(await g.host.call("move", {"participant": pid, "room": g.room(met)})) == "repeat"


async def test_repair(server: Running) -> None:
    g = await gather(server)
    pid, lonely = await g.orphan_two()
    ack = await g.host.call("repair")
    assert ack == {
        "ok": True,
        "paired": sorted([pid, lonely]),
        "left": [],  # nobody is alone any more: no reason, no other room to offer
        "why": [],
        "alternatives": {},
    }
    a = await g.people[pid].wait_for("assignment", lambda a: a["reason"] == "repaired")
    b = await g.people[lonely].wait_for("assignment", lambda a: a["reason"] == "repaired")
    assert a["room"] == b["room"] == "r1-3"
    assert [p["id"] for p in a["peers"]] == [lonely] and [p["id"] for p in b["peers"]] == [pid]
    assert a["polite"] != b["polite"]
    # nobody left alone: a second repair pairs nobody
    assert await g.host.call("repair") == {
        "ok": True,
        "paired": [],
        "left": [],
        "why": [{"code": "nobody"}],  # said in words by the console
        "alternatives": {},
    }


# --- the moderator's board ------------------------------------------------------------------


async def test_board_follows_presence_help_and_stats(server: Running) -> None:
    g = await gather(server)
    pid = next(iter(g.people))
    partner, room = g.partner(pid), g.room(pid)

    def mine(d: dict[str, Any]) -> dict[str, Any]:
        return next((r for r in d["rooms"] if r["id"] == room), {"members": [], "flags": []})

    board = await g.mod.wait_board(lambda d: len(d["rooms"]) == 2)
    assert {"id", "round", "reason", "members", "flags"} <= set(mine(board))
    assert all(m["online"] for m in mine(board)["members"])
    # calls get a moment to connect before a room is flagged, but a failed call shows at once
    assert "alone" not in mine(board)["flags"] and "no_video" not in mine(board)["flags"]
    assert await g.people[pid].call("stats", {"room": room, "ice": "failed"}) == {"ok": True}
    await g.mod.wait_board(lambda d: "no_video" in mine(d)["flags"])

    # link reports: both connected, one slow
    for who, rtt in ((pid, 35.0), (partner, 800.0)):
        ack = await g.people[who].call(
            "stats", {"room": room, "ice": "connected", "rtt_ms": rtt, "loss": 0.0, "kbps": 1200.0}
        )
        assert ack == {"ok": True}
    board = await g.mod.wait_board(
        lambda d: [m["ice"] for m in mine(d)["members"]] == ["connected"] * 2
    )
    rtts = {m["id"]: m["rtt_ms"] for m in mine(board)["members"]}
    assert rtts == {pid: 35.0, partner: 800.0}
    assert mine(board)["flags"] == ["poor_link"]
    assert error(await g.people[pid].call("stats", {"room": room, "loss": 2})) == "bad_payload"

    # a call for help: the staff hear it at once, the board flags the room
    assert await g.people[pid].call("help", {"text": "No sound"}) == {"ok": True}
    for staff in (g.host, g.mod):
        helped = await staff.wait_for("help")
        assert (helped["participant"], helped["room"], helped["text"]) == (pid, room, "No sound")
    board = await g.mod.wait_board(lambda d: "help" in mine(d)["flags"])
    assert [h["participant"] for h in board["help"]] == [pid]
    seen = len(g.mod.received)
    assert await g.mod.call("resolve_help", {"participant": pid}) == {"ok": True}
    await g.people[pid].wait_for("notice", lambda n: n.get("kind") == "help_resolved")
    await g.mod.wait_board(lambda d: "help" not in mine(d)["flags"] and not d["help"], after=seen)
    assert error(await g.mod.call("resolve_help", {"participant": pid})) == "no_help_request"

    # the partner leaves: the room is flagged alone, the member shown offline
    await g.people[partner].close()
    board = await g.mod.wait_board(lambda d: "alone" in mine(d)["flags"])
    assert {m["id"]: m["online"] for m in mine(board)["members"]} == {pid: True, partner: False}


async def test_moderator_joins_a_room(server: Running) -> None:
    g = await gather(server)
    pid = next(iter(g.people))
    ack = await g.mod.call("join_room", {"room": g.room(pid)})
    assert ack["ok"] and ack["room"]["id"] == g.room(pid)
    for who in (pid, g.partner(pid)):
        await g.people[who].wait_for("notice", lambda n: n.get("kind") == "moderator_joining")
    assert not any(
        n.get("kind") == "moderator_joining"
        for e, n in g.people[g.stranger(pid)].received
        if e == "notice"
    )
    assert error(await g.mod.call("join_room", {"room": "r7-7"})) == "unknown_room"


async def test_a_late_moderator_gets_the_whole_board(server: Running) -> None:
    g = await gather(server)
    late = await server.connect("/moderator", g.ev.moderator_token)
    snap = await late.wait_for("snapshot")
    assert snap["clock"]["phase"] == "round"
    assert sorted(r["id"] for r in snap["rooms"]) == ["r1-1", "r1-2"]
    assert all(m["online"] for r in snap["rooms"] for m in r["members"])


# --- participants ---------------------------------------------------------------------------


async def test_signal_is_relayed_to_the_partner_only(server: Running) -> None:
    g = await gather(server)
    pid = next(iter(g.people))
    partner, stranger = g.partner(pid), g.stranger(pid)
    offer = {"description": {"type": "offer", "sdp": "v=0 fake"}}
    assert await g.people[pid].call("signal", {"to": partner, "data": offer}) == {"ok": True}
    got = await g.people[partner].wait_for("signal")
    assert got == {"from": pid, "data": offer}
    answer = {"description": {"type": "answer", "sdp": "v=0 back"}}
    assert (await g.people[partner].call("signal", {"to": pid, "data": answer}))["ok"]
    assert await g.people[pid].wait_for("signal") == {"from": partner, "data": answer}

    assert (
        error(await g.people[pid].call("signal", {"to": stranger, "data": offer}))
        == "not_your_peer"
    )
    assert error(await g.people[pid].call("signal", {"to": pid, "data": offer})) == "not_your_peer"
    assert (
        error(await g.people[pid].call("signal", {"to": "p99", "data": offer})) == "not_your_peer"
    )
    big = {"blob": "x" * (70 * 1024)}
    assert error(await g.people[pid].call("signal", {"to": partner, "data": big})) == "too_big"
    assert not any(e == "signal" for e, _ in g.people[stranger].received)


async def test_signal_outside_a_round(server: Running) -> None:
    g = await gather(server, started=False)
    pid, other = list(g.people)[:2]
    data = {"candidate": None}
    assert error(await g.people[pid].call("signal", {"to": other, "data": data})) == "no_round"
    await g.mod.wait_board(lambda d: sum(p["online"] for p in d["participants"]) == 4)
    await g.start()
    assert (await g.host.call("end_round"))["ok"]
    partner = g.partner(pid)
    assert error(await g.people[pid].call("signal", {"to": partner, "data": data})) == "no_round"


async def test_signal_while_waiting(server: Running) -> None:
    three = PEOPLE[:3]  # two communes, one solution: with odd=wait a commune waits
    g = await gather(
        server,
        three,
        started=False,
        matching={"mode": "bipartite", "sides": ["commune", "solution"], "odd": "wait"},
    )
    await g.mod.wait_board(lambda d: sum(p["online"] for p in d["participants"]) == 3)
    assert (await g.host.call("start"))["ok"]
    waiting = {}
    for pid, client in g.people.items():
        waiting[pid] = await client.wait_for("assignment", lambda a: a["round"] == 1)
    (idle,) = [pid for pid, a in waiting.items() if a["room"] is None]
    other = next(pid for pid in g.people if pid != idle)
    assert error(await g.people[idle].call("signal", {"to": other, "data": {}})) == "not_in_room"
    board = await g.mod.wait_board(lambda d: len(d["rooms"]) == 1)
    assert [w["id"] for w in board["waiting"]] == [idle]


async def test_peer_goes_and_comes_back(server: Running) -> None:
    g = await gather(server)
    pid = next(iter(g.people))
    partner, stranger = g.partner(pid), g.stranger(pid)
    await g.people[partner].close()
    assert await g.people[pid].wait_for("peer") == {"id": partner, "online": False}

    again = await g.reconnect(partner)
    a = await again.wait_for("assignment")
    assert (a["round"], a["room"], [p["id"] for p in a["peers"]]) == (1, g.room(pid), [pid])
    assert await g.people[pid].wait_for("peer", lambda p: p["online"]) == {
        "id": partner,
        "online": True,
    }
    assert not any(e == "peer" for e, _ in g.people[stranger].received)


async def sockets_at(server: Running, namespace: str, count: int) -> None:
    """A bounded poll of the server's socket gauge until it shows ``count``."""
    line = f'speedmeet_sockets{{namespace="{namespace}"}} {float(count)}'
    for _ in range(1000):  # at most ~10 s
        if line in (await server.api("GET", "/metrics"))[1]:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"{namespace} never had {count} sockets")


async def test_a_second_tab_does_not_flap_presence(server: Running) -> None:
    g = await gather(server)
    pid = next(iter(g.people))
    partner = g.partner(pid)
    first = g.people[partner]
    second = await g.reconnect(partner)
    await second.wait_for("assignment")
    await first.close()  # one tab closed, the other still open
    await sockets_at(server, "/participant", 4)  # the server has seen it go
    status, people = await server.api("GET", f"/api/events/{g.ev.id}/participants")
    assert status == 200 and next(p for p in people if p["id"] == partner)["online"] is True
    assert not any(e == "peer" for e, _ in g.people[pid].received)
    await second.close()
    assert await g.people[pid].wait_for("peer") == {"id": partner, "online": False}
    assert [p for e, p in g.people[pid].received if e == "peer"] == [
        {"id": partner, "online": False}
    ]


async def test_feedback(server: Running) -> None:
    g = await gather(server)
    pid = next(iter(g.people))
    partner, stranger = g.partner(pid), g.stranger(pid)
    room, other_room = g.room(pid), g.room(stranger)
    ok = {"room": room, "rating": 5, "follow_up": True, "note": "Let's talk again"}
    # the meeting has only just begun (the no-show check may still replace a partner)
    assert error(await g.people[pid].call("feedback", ok)) == "too_early"
    await g.end_round()
    assert await g.people[pid].call("feedback", ok) == {"ok": True}
    assert await g.people[pid].call("feedback", {**ok, "rating": 4}) == {"ok": True}  # replaces
    for bad in (0, 6, "5", 4.5, None):
        assert error(await g.people[pid].call("feedback", {**ok, "rating": bad})) == "bad_payload"
    assert error(await g.people[pid].call("feedback", {"room": room})) == "bad_payload"
    assert (
        error(await g.people[pid].call("feedback", {**ok, "room": other_room})) == "not_your_room"
    )
    assert error(await g.people[pid].call("feedback", {**ok, "room": "r9-9"})) == "not_your_room"

    assert (await g.people[partner].call("feedback", {**ok, "rating": 3}))["ok"]
    assert (await g.host.call("end"))["ok"]
    summary = await g.people[pid].wait_for("summary")
    (meeting,) = summary["meetings"]
    assert (meeting["room"], meeting["rating"], meeting["follow_up"]) == (room, 4, True)
    (peer,) = meeting["peers"]
    assert peer["id"] == partner and peer["mutual_follow_up"] is True
    assert peer["email"] == next(p["email"] for p in g.ev.people if p["id"] == partner)
    theirs = await g.people[stranger].wait_for("summary")
    assert theirs["meetings"][0]["peers"][0]["mutual_follow_up"] is False
    assert "email" not in theirs["meetings"][0]["peers"][0]


async def test_summary_again_on_reconnect_after_the_end(server: Running) -> None:
    g = await gather(server)
    assert (await g.host.call("end"))["ok"]
    pid = next(iter(g.people))
    await g.people[pid].close()
    again = await g.reconnect(pid)
    summary = await again.wait_for("summary")
    assert summary["meetings"][0]["room"] == g.room(pid)
    assert (await again.wait_for("clock"))["phase"] == "ended"


# --- malformed input ------------------------------------------------------------------------

NO_DATA = object()


@pytest.mark.parametrize(
    ("namespace", "event", "data", "code"),
    [
        ("/participant", "time", "hello", "bad_payload"),
        ("/participant", "time", NO_DATA, "bad_payload"),
        ("/participant", "time", ({}, {}), "bad_payload"),
        ("/participant", "time", [1, 2], "bad_payload"),
        ("/participant", "signal", {"to": "p2"}, "bad_payload"),
        ("/participant", "signal", {"to": 5, "data": {}}, "bad_payload"),
        ("/participant", "signal", {"to": "p2", "data": "sdp"}, "bad_payload"),
        ("/participant", "help", {"text": 42}, "bad_payload"),
        ("/participant", "help", "help me", "bad_payload"),
        ("/participant", "stats", {"rtt_ms": "fast"}, "bad_payload"),
        ("/participant", "feedback", NO_DATA, "bad_payload"),
        ("/participant", "start", {}, "unknown_event"),
        ("/participant", "nonsense", {}, "unknown_event"),
        ("/host", "extend", {}, "bad_payload"),
        ("/host", "extend", {"seconds": "ten"}, "bad_payload"),
        ("/host", "extend", {"seconds": 0}, "bad_payload"),
        ("/host", "extend", {"seconds": 99999}, "bad_payload"),
        ("/host", "notice", None, "bad_payload"),
        ("/host", "move", {"participant": "p1"}, "bad_payload"),
        ("/host", "start", "now", "bad_payload"),
        ("/host", "signal", {"to": "p1", "data": {}}, "unknown_event"),
        ("/moderator", "join_room", {}, "bad_payload"),
        ("/moderator", "start", {}, "unknown_event"),
        ("/moderator", "time", 3, "bad_payload"),
    ],
)
async def test_malformed_payloads(
    server: Running, namespace: str, event: str, data: Any, code: str
) -> None:
    g = await gather(server, started=False)
    client: Client = {"/host": g.host, "/moderator": g.mod}.get(namespace) or next(
        iter(g.people.values())
    )
    if data is NO_DATA:
        ack = await client.sio.call(event, namespace=namespace, timeout=10)
    else:
        ack = await client.sio.call(event, data, namespace=namespace, timeout=10)
    assert error(ack) == code
    # the server shrugs it off: same socket, next command works
    assert (await client.call("time"))["ok"]
    assert (await g.host.call("open"))["ok"]
    status, metrics = await server.api("GET", "/metrics")
    assert status == 200 and f'outcome="{code}"' in metrics


async def test_unknown_fields_are_ignored(server: Running) -> None:
    g = await gather(server, started=False)
    assert (await g.host.call("open", {"please": True}))["ok"]
    assert (await g.host.call("time", {"extra": [1, 2]}))["ok"]
