"""The staff board travels as changes: a client that applies every ``rooms_delta`` holds exactly
the board the server last sent; a client that missed one asks for the whole board and goes on."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.conftest import BOARD_KEYS, Client, Running
from tests.procs import eventually
from tests.transport.gathering import Gathering, gather


def stats(g: Gathering, pid: str, rtt_ms: float) -> dict[str, Any]:
    return {"room": g.room(pid), "ice": "connected", "rtt_ms": rtt_ms, "loss": 0.0, "kbps": 800}


async def settled(g: Gathering, client: Client) -> dict[str, Any]:
    """Once the server has sent the board of the event as it is now, and the client holds it:
    that board (asked for whole)."""

    async def same() -> dict[str, Any] | None:
        _, event = await g.server.api("GET", f"/api/events/{g.ev.id}")
        whole = await client.call("board")
        held = client.board or {}
        current = whole["seq"] == event["clock"]["seq"]
        return whole if current and held.get("board_seq") == whole.get("board_seq") else None

    whole = await eventually(same)
    return {k: whole[k] for k in BOARD_KEYS if k in whole}


def events(client: Client, name: str) -> list[Any]:
    return [d for n, d in client.received if n == name]


async def test_every_delta_applied_gives_the_whole_board(server: Running) -> None:
    g = await gather(server)
    for staff in (g.mod, g.host):  # the round's board is sent: a late snapshot is that board
        await settled(g, staff)  # (a page that came before it asked for it at its first delta)
    late = await server.connect("/moderator", g.ev.moderator_token)
    await late.wait_for("snapshot")
    caught_up = {id(c): c.catch_ups for c in (g.mod, late, g.host)}
    pids = list(g.people)
    for i, pid in enumerate(pids):  # link reports, each room in turn
        assert (await g.people[pid].call("stats", stats(g, pid, 30.0 + i)))["ok"]
    await g.mod.wait_board(
        lambda d: (
            len(d["rooms"]) == 2 and all(m["rtt_ms"] for r in d["rooms"] for m in r["members"])
        )
    )
    assert (await g.people[pids[0]].call("help", {"text": "no sound"}))["ok"]
    await g.mod.wait_board(lambda d: len(d["help"]) == 1)
    gone = g.stranger(pids[0])
    await g.people[gone].close()  # someone leaves: their room is alone, their line offline
    await g.mod.wait_board(lambda d: any("alone" in r["flags"] for r in d["rooms"]))
    ack = await g.host.call("move", {"participant": pids[0], "room": None})  # and one waits
    assert ack["ok"], ack
    await g.mod.wait_board(lambda d: [w["id"] for w in d["waiting"]] == [pids[0]])
    for client in (g.mod, late, g.host):
        assert client.board == await settled(g, client)
        assert client.catch_ups == caught_up[id(client)]  # every later delta came, in order
    assert len(events(g.mod, "rooms_delta")) >= 3
    assert len(events(late, "rooms_delta")) >= 3


async def test_a_delta_is_only_what_changed(server: Running) -> None:
    g = await gather(server)
    await settled(g, g.mod)
    pid = next(iter(g.people))
    before = len(g.mod.received)
    assert (await g.people[pid].call("stats", stats(g, pid, 77.0)))["ok"]
    delta = await g.mod.wait_for(
        "rooms_delta",
        lambda d: any(r["id"] == g.room(pid) for r in d.get("rooms", [])),
        after=before,
    )
    assert [r["id"] for r in delta["rooms"]] == [g.room(pid)]
    assert set(delta) <= {"seq", "board_seq", "base_seq", "rooms"}
    assert delta["base_seq"] == delta["board_seq"] - 1
    # a new round changes every room: the whole board comes instead
    ack = await g.host.call("end_round")
    assert ack["ok"], ack
    ack = await g.host.call("next")
    assert ack["ok"], ack
    whole = await g.mod.wait_for(
        "rooms", lambda d: bool(d["rooms"]) and d["rooms"][0]["round"] == 2, after=before
    )
    assert whole["board_seq"] > delta["board_seq"]


async def test_a_missed_delta_is_caught_up_with_the_whole_board(server: Running) -> None:
    g = await gather(server)
    await settled(g, g.mod)
    first, second = list(g.people)[:2]
    g.mod.drop_deltas = 1  # lost on the way
    assert (await g.people[first].call("stats", stats(g, first, 51.0)))["ok"]
    await eventually(lambda: _true(g.mod.drop_deltas == 0))
    assert (await g.people[second].call("stats", stats(g, second, 52.0)))["ok"]
    board = await g.mod.wait_board(
        lambda d: (
            {m["id"]: m["rtt_ms"] for r in d["rooms"] for m in r["members"]}.get(second) == 52.0
        )
    )
    assert g.mod.catch_ups == 1
    rtts = {m["id"]: m["rtt_ms"] for r in board["rooms"] for m in r["members"]}
    assert rtts[first] == 51.0  # what the lost delta said is in the whole board
    assert g.mod.board == await settled(g, g.mod)


async def test_a_late_moderator_goes_on_from_its_snapshot(server: Running) -> None:
    g = await gather(server)
    await settled(g, g.mod)
    late = await server.connect("/moderator", g.ev.moderator_token)
    snap = await late.wait_for("snapshot")
    assert isinstance(snap["board_seq"], int)  # the board last sent: deltas apply to it
    pid = next(iter(g.people))
    assert (await g.people[pid].call("stats", stats(g, pid, 63.0)))["ok"]
    await late.wait_for("rooms_delta", lambda d: d["base_seq"] == snap["board_seq"])
    assert late.board == await settled(g, late)
    assert late.catch_ups == 0
    assert events(late, "rooms") == []  # one snapshot, then only changes


async def _true(value: bool) -> bool:
    return value


async def test_a_whole_board_older_than_the_one_held_changes_nothing() -> None:
    """The test client keeps the board as staff.js does: the answer to ``board`` may have been
    read before a whole board that came while it was on its way (CI saw two catch-ups for one
    lost delta when the older answer replaced the newer board)."""
    client = Client("/moderator")
    answer: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()

    async def call(event: str, payload: Any = None, **kw: Any) -> Any:
        assert event == "board"
        return await answer

    client.call = call  # type: ignore[method-assign]
    empty = {"rooms": [], "waiting": [], "help": [], "participants": []}
    client._follow("snapshot", {**empty, "seq": 1, "board_seq": 5})
    client._follow("rooms_delta", {"seq": 1, "board_seq": 7, "base_seq": 6})  # 6 was lost
    catching_up = client._catching_up
    assert catching_up is not None
    client._follow("rooms", {**empty, "seq": 2, "board_seq": 8})  # whole, while asking
    answer.set_result({**empty, "seq": 1, "board_seq": 7})  # read before 8 was sent
    await catching_up
    client._follow("rooms_delta", {"seq": 2, "board_seq": 9, "base_seq": 8})
    assert client.board is not None and client.board["board_seq"] == 9
    assert client.catch_ups == 1
