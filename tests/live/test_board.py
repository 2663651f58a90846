"""The board on its own, on a store that fails: a board that could not be made is made at the
next interval, not when something else changes."""

from __future__ import annotations

import asyncio
from typing import Any

from server.core import rounds
from server.core.clock import ClockCommand
from server.errors import Unavailable
from server.live.board import Board
from server.live.leases import Leases
from server.live.owner import Owner
from server.metrics import Metrics
from server.store import Note
from tests.core.states import T0, event, in_round
from tests.live.faults import FakeClock, Faulty, eventually


class Ear:
    def __init__(self) -> None:
        self.events: list[str] = []

    async def on_note(self, note: Note) -> None:
        self.events += [m.event for m in note.messages]

    async def on_link(self, up: bool) -> None:
        pass


async def test_a_board_the_store_could_not_read_is_pushed_at_the_next_interval() -> None:
    """On main the board marked itself clean before it read the store: when the read failed,
    the staff saw no board until the event changed again."""
    store = Faulty()
    await store.open()
    ear = Ear()
    store.subscribe(ear)
    owner = Owner(store, FakeClock(T0 + 1_000), Metrics())
    board = Board(owner, interval_ms=20)
    await store.create(in_round(event(["c1", "c2", "s1", "s2"]), [["c1", "s1"], ["c2", "s2"]]))
    store.fail("load", Unavailable("unavailable", "Redis is away"))
    await board.gained("ev1", 1)
    task = asyncio.create_task(board.run())
    try:
        await eventually(lambda: _heard(ear, "rooms"))
        assert store.calls["load"] >= 2  # the failed read, then the one that made the board
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        owner.pools.close()
        await store.close()


async def _heard(ear: Ear, event_name: str) -> bool:
    return event_name in ear.events


class Heard(Ear):
    """An ear that keeps what the staff were sent of the board."""

    def __init__(self) -> None:
        super().__init__()
        self.boards: list[dict[str, Any]] = []

    async def on_note(self, note: Note) -> None:
        await super().on_note(note)
        self.boards += [m.data for m in note.messages if m.event in ("rooms", "rooms_delta")]


async def test_an_event_ended_mid_round_gets_a_last_board_before_it_is_let_go() -> None:
    """On main the leases let an ended event go (it is no longer live) and the board forgot it
    at once: when that came before the board's next push, the host console kept "2 in rooms"
    after the end. The board that says nobody is in a room goes out first."""
    store = Faulty()
    await store.open()
    ear = Heard()
    store.subscribe(ear)
    owner = Owner(store, FakeClock(T0 + 1_000), Metrics())
    board = Board(owner, interval_ms=60_000)  # one push when gained, then only what is asked
    leases = Leases(store, 4_000, Metrics())
    leases.stewards.append(board)
    await store.create(in_round(event(["c1", "c2", "s1", "s2"]), [["c1", "s1"], ["c2", "s2"]]))
    await leases.renew()
    task = asyncio.create_task(board.run())
    try:
        await eventually(lambda: _heard(ear, "rooms"))
        assert any(p["room"] for p in ear.boards[-1]["participants"])
        await owner.apply(
            "ev1", lambda s, c: rounds.move_clock(s, ClockCommand.END, c.now, c.online, "host")
        )
        await leases.renew()  # the event is no longer live: let go
        assert "ev1" not in leases.fences
        last = ear.boards[-1]
        assert last.get("rooms") == [] and "participants" in last, last
        assert not any(p["room"] for p in last["participants"])
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        owner.pools.close()
        await store.close()
