"""The one owner of every live event: load, apply a core command, persist, deliver."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from . import engine
from .errors import NotFound
from .model import EventState
from .settings import Settings
from .store import Store

log = logging.getLogger(__name__)

Command = Callable[[EventState, int, frozenset[str]], engine.Outcome]


class Emitter(Protocol):
    """Delivers the core's messages (implemented over Socket.IO by ``server.sockets``)."""

    async def deliver(self, event_id: str, messages: list[engine.Message]) -> None:
        """Send each message to its target."""


class Listener(Protocol):
    """Told after every change of an event (the conductor and the board refresher)."""

    def changed(self, state: EventState) -> None:
        """``state`` is the event's newest version."""


class Watcher(Protocol):
    """Told when who is online or their link reports change (the board refresher only)."""

    def touched(self, event_id: str) -> None:
        """Something outside the event's state changed."""


class Events:
    """Every change to an event goes through ``apply``, one at a time per event."""

    def __init__(self, store: Store, settings: Settings, now: Callable[[], int]) -> None:
        self.store = store
        self.settings = settings
        self.now = now
        self.emitter: Emitter | None = None
        self.listeners: list[Listener] = []
        self.watchers: list[Watcher] = []
        self._locks: dict[str, asyncio.Lock] = {}

    def lock(self, event_id: str) -> asyncio.Lock:
        """The lock that serialises changes to one event."""
        return self._locks.setdefault(event_id, asyncio.Lock())

    async def get(self, event_id: str) -> EventState:
        """The event, or ``NotFound``."""
        state = await self.store.load(event_id)
        if state is None:
            raise NotFound("unknown_event", f"No event {event_id!r}.")
        return state

    async def apply(self, event_id: str, command: Command) -> engine.Outcome:
        """Run ``command`` on the latest state, store the result, then deliver its messages."""
        async with self.lock(event_id):
            state = await self.get(event_id)
            online = await self.store.online(event_id)
            # The core is pure, so it can run in a worker thread: pairing a big round must not
            # stall the event loop (sockets would miss their pings).
            loop = asyncio.get_running_loop()
            outcome = await loop.run_in_executor(None, command, state, self.now(), online)
            if outcome.state is not state:
                await self.store.save(outcome.state)
                self._notify(outcome.state)
            # Delivered under the lock so that clients see changes in the order they happened.
            if self.emitter is not None and outcome.messages:
                await self.emitter.deliver(event_id, outcome.messages)
        return outcome

    async def update(self, event_id: str, change: Callable[[EventState], EventState]) -> EventState:
        """Apply a change that sends nothing (registration, wishes)."""
        outcome = await self.apply(event_id, lambda s, _now, _online: engine.Outcome(change(s), []))
        return outcome.state

    async def create(self, state: EventState) -> None:
        """Store a new event."""
        await self.store.create(state)
        self._notify(state)

    def _notify(self, state: EventState) -> None:
        for listener in self.listeners:
            listener.changed(state)

    def touch(self, event_id: str) -> None:
        """Tell watchers that presence or link stats changed (the state itself did not)."""
        for watcher in self.watchers:
            watcher.touched(event_id)


async def guarded(name: str, body: Callable[[], Awaitable[Any]]) -> None:
    """Run a background loop body; log anything but cancellation and keep the loop alive."""
    try:
        await body()
    except asyncio.CancelledError:
        raise
    except Exception:
        log.exception("%s failed; carrying on", name)
