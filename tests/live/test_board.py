"""The board on its own, on a store that fails: a board that could not be made is made at the
next interval, not when something else changes."""

from __future__ import annotations

import asyncio

from server.errors import Unavailable
from server.live.board import Board
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
