"""The conductor: fires each event's deadlines (round end, break end) from the stored clock."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from functools import partial

from . import engine
from .clock import ClockCommand
from .errors import SpeedmeetError
from .model import EventState, Phase
from .service import Events, guarded

log = logging.getLogger(__name__)


def due_at(state: EventState, not_before: int) -> int | None:
    """When this event next needs the conductor (``None``: nothing scheduled).

    A break that ends starts a round, which is paired for the people present: after a restart
    that waits until ``not_before`` so that browsers have had time to reconnect. A round also
    needs its no-show check ``no_show_seconds`` after it started.
    """
    c = state.clock
    if c.paused or c.ends_at is None or c.phase not in (Phase.ROUND, Phase.BREAK):
        return None
    if c.phase is Phase.BREAK:
        return max(c.ends_at, not_before)
    no_show = _no_show_due(state)
    return c.ends_at if no_show is None else min(c.ends_at, max(no_show, not_before))


def _no_show_due(state: EventState) -> int | None:
    record = state.current()
    if record is None or record.no_shows_checked:
        return None
    return record.started_at + state.settings.no_show_seconds * 1000


def due_command(state: EventState, now: int) -> str | None:
    """What is due at ``now``: ``"no_shows"``, ``"deadline"`` or nothing."""
    c = state.clock
    if c.paused or c.ends_at is None:
        return None
    no_show = _no_show_due(state) if c.phase is Phase.ROUND else None
    if c.ends_at <= now:
        return "deadline"
    if no_show is not None and no_show <= now:
        return "no_shows"
    return None


class Conductor:
    """One task for every event of this process: sleeps until the earliest deadline, fires it."""

    def __init__(self, events: Events, now: Callable[[], int], grace_ms: int) -> None:
        self._events = events
        self._now = now
        self._not_before = now() + grace_ms
        self._due: dict[str, int] = {}
        self._wake = asyncio.Event()

    def changed(self, state: EventState) -> None:
        """Re-arm for an event whose clock may have moved."""
        when = due_at(state, self._not_before)
        if when is None:
            self._due.pop(state.id, None)
        else:
            self._due[state.id] = when
        self._wake.set()

    def poke(self) -> None:
        """Look at the time again now (the clock jumped, or a test moved its fake clock)."""
        self._wake.set()

    async def load(self) -> None:
        """Arm every stored event (at start, and after a restart)."""
        for event_id in await self._events.store.event_ids():
            state = await self._events.store.load(event_id)
            if state is not None:
                self.changed(state)

    async def run(self) -> None:
        """Fire deadlines until cancelled."""
        while True:
            self._wake.clear()
            now = self._now()
            for event_id, when in [(e, w) for e, w in self._due.items() if w <= now]:
                await guarded(f"deadline of {event_id}", partial(self._fire, event_id))
                if self._due.get(event_id) == when:
                    del self._due[event_id]  # it failed: do not spin on it
            delay = (min(self._due.values()) - self._now()) / 1000 if self._due else None
            if delay is None or delay > 0:
                try:
                    await asyncio.wait_for(self._wake.wait(), timeout=delay)
                except TimeoutError:
                    pass

    async def _fire(self, event_id: str) -> None:
        def command(state: EventState, now: int, online: frozenset[str]) -> engine.Outcome:
            if due_command(state, now) == "no_shows":
                return engine.check_no_shows(state, online, now)
            return engine.move_clock(state, ClockCommand.DEADLINE, now, online, "clock")

        try:
            await self._events.apply(event_id, command)
        except SpeedmeetError as exc:
            # Someone moved the clock first (pause, end): re-read and re-arm.
            log.debug("deadline of %s skipped: %s", event_id, exc.message)
            state = await self._events.store.load(event_id)
            if state is None:
                self._due.pop(event_id, None)
            else:
                self.changed(state)
