"""The feed on its own: every note to every part in order, a part that fails stopping no
other, the event degraded while the feed is lost, and told well again only once the
processes hear each other again."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from server.live.feed import Feed
from server.metrics import Metrics
from server.store import Note
from tests.live.faults import eventually


class Part:
    def __init__(self, fail_on: int | None = None) -> None:
        self.heard: list[object] = []
        self.fail_on = fail_on

    async def on_note(self, note: Note) -> None:
        self.heard.append(note.version)
        if note.version == self.fail_on:
            raise RuntimeError("a bug of this part")

    async def on_link(self, up: bool) -> None:
        self.heard.append("up" if up else "down")


class Clients:
    def __init__(self) -> None:
        self.told: list[bool] = []

    async def status(self, degraded: bool) -> None:
        self.told.append(degraded)


class Listener:
    """Whether python-socketio's own listener hears Redis again (the test says when)."""

    def __init__(self) -> None:
        self.ready = False

    async def __call__(self) -> bool:
        return self.ready


@pytest.fixture
async def running() -> AsyncIterator[tuple[Feed, list[Part], Clients, Listener]]:
    parts = [Part(fail_on=2), Part()]
    clients, listener = Clients(), Listener()
    feed = Feed(parts, clients, listener, Metrics())
    task = asyncio.create_task(feed.run())
    yield feed, parts, clients, listener
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    await feed.close()


async def test_notes_reach_every_part_in_order_even_past_a_failing_part(
    running: tuple[Feed, list[Part], Clients, Listener],
) -> None:
    feed, parts, _, _ = running
    for version in (1, 2, 3):
        await feed.on_note(Note(event_id="ev1", version=version))
    await eventually(lambda: _heard(parts[1], 3))
    assert parts[0].heard == [1, 2, 3] and parts[1].heard == [1, 2, 3]


async def test_lost_then_back_in_order_with_the_notes(
    running: tuple[Feed, list[Part], Clients, Listener],
) -> None:
    feed, parts, clients, listener = running
    await feed.on_note(Note(event_id="ev1", version=1))
    await feed.on_link(False)
    await feed.on_note(Note(event_id="ev1", version=2))
    await feed.on_link(True)
    await eventually(lambda: _heard(parts[1], 4))
    assert parts[1].heard == [1, "down", 2, "up"]
    assert clients.told == [True] and not feed.up  # still degraded: socketio's listener is deaf
    listener.ready = True
    await eventually(lambda: _told(clients, [True, False]), timeout=3)
    assert feed.up


async def _heard(part: Part, count: int) -> bool:
    return len(part.heard) >= count


async def _told(clients: Clients, told: list[bool]) -> bool:
    return clients.told == told
