"""This process's side of the feed: every note, and every loss or return of the feed, handed to
each part in order (the room index first, so a relayed signal never sees an older round).

Notes wait in a queue that one task works through: a command is answered as soon as its change
is committed, and the event's lock is not held while thousands of messages go out.

While the feed is lost the event is *degraded* here: clients are told, and once the feed is back
they get their state again. They are told all is well only when python-socketio's own listener
hears again too (it backs off for up to a minute after Redis returns; until then signals from
other processes would be lost).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol

from ..metrics import Metrics
from ..store import Note, Subscriber
from ..tasks import Tasks

log = logging.getLogger(__name__)

READY_POLL_S = 0.25


class Announcer(Protocol):
    """Tells this process's clients whether the event is degraded."""

    async def status(self, degraded: bool) -> None:
        """Send ``status {degraded}`` to every socket of this process."""


class Feed:
    """The store's one subscriber: fans each note out to this process's parts."""

    def __init__(
        self,
        parts: Sequence[Subscriber],
        announcer: Announcer,
        ready: Callable[[], Awaitable[bool]],
        metrics: Metrics,
    ) -> None:
        self._parts = list(parts)
        self._announcer = announcer
        self._ready = ready
        self._metrics = metrics
        self._tasks = Tasks()
        self._queue: asyncio.Queue[Note | bool] = asyncio.Queue()
        self.up = True

    async def on_note(self, note: Note) -> None:
        """Queue the note (the store's listener or commit goes on at once)."""
        self._queue.put_nowait(note)

    async def on_link(self, up: bool) -> None:
        """Queue the news that the feed was lost or is back, in order with the notes."""
        self._queue.put_nowait(up)

    async def run(self) -> None:
        """Hand each note to every part, in order, until cancelled."""
        while True:
            item = await self._queue.get()
            if isinstance(item, bool):
                await self._link(item)
            else:
                await self._note(item)

    async def _note(self, note: Note) -> None:
        self._metrics.notes.inc()
        for part in self._parts:
            try:
                await part.on_note(note)
            except Exception:
                log.exception("%s failed on a note of %s", type(part).__name__, note.event_id)

    async def _link(self, up: bool) -> None:
        log.warning("feed %s", "back: resynchronising" if up else "lost: clients told")
        if not up:
            await self._degraded(True)
        for part in self._parts:
            try:
                await part.on_link(up)
            except Exception:
                log.exception("%s failed when the feed went %s", type(part).__name__, up)
        if up:
            await self._tasks.close()
            self._tasks.start(self._recovered(), name="feed recovery")

    async def _recovered(self) -> None:
        # nothing tells when python-socketio's listener resubscribes: ask Redis now and then
        while not await self._ready():  # noqa: ASYNC110
            await asyncio.sleep(READY_POLL_S)
        await self._degraded(False)

    async def _degraded(self, degraded: bool) -> None:
        self.up = not degraded
        self._metrics.degraded.set(1 if degraded else 0)
        await self._announcer.status(degraded)

    async def close(self) -> None:
        """Stop waiting for the manager."""
        await self._tasks.close()
