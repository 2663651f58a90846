"""The lease on each live event: exactly one process runs its conductor and its board.

Every quarter of ``lease_ms`` this process takes or renews the lease of every live event it can.
A lease lasts three quarters of ``lease_ms``: when its holder dies, another process takes it
within ``lease_ms`` at most, and the overdue deadline fires then. Each new holder gets a higher
fencing version. A holder that cannot renew (the store is away) stops acting once its lease has
surely run out.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import time
from typing import Protocol

from ..metrics import Metrics
from ..store.base import LeaseStore
from .owner import guarded

log = logging.getLogger(__name__)


class Steward(Protocol):
    """What runs for the events whose lease this process holds (the conductor, the board)."""

    async def gained(self, event_id: str, fence: int) -> None:
        """This process now holds the event's lease, with this fencing version."""

    def lost(self, event_id: str) -> None:
        """This process no longer holds the event's lease."""

    async def ended(self, event_id: str) -> None:
        """The event ended and is let go: say its last word (the board), then forget it."""


class Leases:
    """Takes, renews and gives up this process's leases; tells the stewards."""

    def __init__(self, store: LeaseStore, lease_ms: int, metrics: Metrics) -> None:
        self._store = store
        self._ttl_ms = lease_ms * 3 // 4
        self._tick = lease_ms / 4 / 1000
        self._metrics = metrics
        self.stewards: list[Steward] = []
        self.fences: dict[str, int] = {}
        self._until: dict[str, float] = {}  # monotonic time our lease surely lasts until
        self._wake = asyncio.Event()

    def holds(self, event_id: str) -> bool:
        """Whether this process runs the event's conductor and board."""
        return event_id in self.fences

    def poke(self) -> None:
        """Look at the live events now (one was created)."""
        self._wake.set()

    async def run(self) -> None:
        """Keep the leases until cancelled."""
        while True:
            self._wake.clear()
            await guarded("leases", self.renew)
            with contextlib.suppress(TimeoutError):  # not wait_for: see Timers.run
                async with asyncio.timeout(self._tick):
                    await self._wake.wait()

    async def renew(self) -> None:
        """One round: take or renew every live event's lease we can; drop the ones we lost."""
        try:
            live = await self._store.live_ids()
        except Exception:
            await self._expire()
            raise
        for event_id in live:
            started = time.monotonic()
            try:
                fence = await self._store.lease(event_id, self._ttl_ms)
            except Exception:
                await self._expire()
                raise
            if fence is None:
                if event_id in self.fences:
                    log.warning("lease of event %s taken by another process", event_id)
                    await self._lose(event_id)
                continue
            self._until[event_id] = started + self._ttl_ms / 1000
            if self.fences.get(event_id) != fence:
                self.fences[event_id] = fence
                self._metrics.leases.inc()
                self._metrics.held.set(len(self.fences))
                log.info("holding event %s (fence %d)", event_id, fence)
                for steward in self.stewards:
                    await steward.gained(event_id, fence)
        for event_id in set(self.fences) - set(live):
            await self._store.release(event_id)  # the event ended
            for steward in self.stewards:
                await guarded(f"end of {event_id}", functools.partial(steward.ended, event_id))
            await self._lose(event_id)

    async def refused(self, event_id: str, fence: int | None) -> bool:
        """A commit under ``fence`` was refused (``Fenced``): whether the event is let go.

        If that is still this process's fence, another process holds the event now: every
        steward forgets it, and the leases are looked at again at once (a free lease is taken
        again, with a new fence). A refusal of an older fence changes nothing: this process
        holds the event under a newer one, and the steward goes on from the record."""
        if fence is None or self.fences.get(event_id) != fence:
            return False
        log.warning("lease of event %s refused (fence %d): another process has it", event_id, fence)
        await self._lose(event_id)
        self.poke()
        return True

    async def _expire(self) -> None:
        now = time.monotonic()
        for event_id in [e for e, until in self._until.items() if until <= now]:
            log.warning("lease of event %s ran out (store unreachable)", event_id)
            await self._lose(event_id)

    async def _lose(self, event_id: str) -> None:
        self.fences.pop(event_id, None)
        self._until.pop(event_id, None)
        self._metrics.held.set(len(self.fences))
        for steward in self.stewards:
            steward.lost(event_id)

    async def close(self) -> None:
        """Give up every lease (another process takes over at once)."""
        for event_id in list(self.fences):
            try:
                await self._store.release(event_id)
            except Exception:
                log.warning("could not release the lease of %s; it runs out by itself", event_id)
            await self._lose(event_id)
