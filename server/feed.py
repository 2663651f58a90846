"""This process's side of the feed: every note and every loss or return of the feed, handed to
each part in order (the room index first, so a relayed signal never sees an older round)."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from .metrics import Metrics
from .store import Note, Subscriber

log = logging.getLogger(__name__)


class Feed:
    """The store's one subscriber: fans each note out to this process's parts."""

    def __init__(self, parts: Sequence[Subscriber], metrics: Metrics) -> None:
        self._parts = list(parts)
        self._metrics = metrics
        self.up = True

    async def on_note(self, note: Note) -> None:
        """Hand the note to every part; one part's failure does not stop the others."""
        self._metrics.notes.inc()
        for part in self._parts:
            try:
                await part.on_note(note)
            except Exception:
                log.exception("%s failed on a note of %s", type(part).__name__, note.event_id)

    async def on_link(self, up: bool) -> None:
        """The feed was lost, or is back: each part forgets or resynchronises."""
        self.up = up
        self._metrics.degraded.set(0 if up else 1)
        log.warning("feed %s", "back: resynchronising" if up else "lost: clients told")
        for part in self._parts:
            try:
                await part.on_link(up)
            except Exception:
                log.exception("%s failed when the feed went %s", type(part).__name__, up)
