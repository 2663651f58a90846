"""The retention rule at work: each process forgets, at start and then every hour, the events
whose ``retention_days`` are over (``retention.due``), keeping their figures anonymised.

Several processes on one Redis may sweep at once: an event another process forgot first is
skipped.
"""

from __future__ import annotations

import asyncio
import logging

from ..errors import NotFound, UserError
from ..results import retention
from .owner import Owner, guarded

log = logging.getLogger(__name__)

EVERY_S = 3600.0


class Purge:
    """Forgets the events due (``sweep``), every ``every_s`` while the server runs."""

    def __init__(self, owner: Owner, days: int, every_s: float = EVERY_S) -> None:
        self._owner = owner
        self._days = days
        self._every_s = every_s

    async def due(self) -> list[str]:
        """The events whose personal data is due to be forgotten now."""
        if self._days <= 0:
            return []
        store, now = self._owner.store, self._owner.now()
        found = []
        for event_id in await store.ended_between(0, now - self._days * retention.DAY_MS):
            state = await store.load(event_id)
            if state is not None and retention.due(state, now, self._days):
                found.append(event_id)
        return found

    async def sweep(self) -> list[str]:
        """Forget every event due; the ids of those forgotten."""
        done = []
        for event_id in await self.due():
            try:
                await self._owner.forget(event_id)
            except NotFound:
                continue  # another process forgot it first
            except UserError as exc:
                log.warning("event %s is due to be forgotten but %s", event_id, exc.message)
                continue
            done.append(event_id)
        return done

    async def run(self) -> None:
        """Sweep now, then every ``every_s``."""
        while True:
            await guarded("retention sweep", self.sweep)
            await asyncio.sleep(self._every_s)
