"""Timers by key: one task sleeps until the earliest is due and fires it (the conductor's
deadlines, the reminders, the summary e-mails). Times are server epoch milliseconds from the
clock given, so a test moves a fake clock and pokes."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)


class Timers(Generic[K]):
    """When each key is next due; ``run`` fires each one once as it falls due.

    A key is taken off before it fires: whoever fires it sets it again if it is to fire again
    (a retry, the next deadline). Holds one time per key, as many keys as are armed.
    """

    def __init__(self, now: Callable[[], int]) -> None:
        self._now = now
        self._due: dict[K, int] = {}
        self._wake = asyncio.Event()

    def set(self, key: K, when: int) -> None:
        """Fire ``key`` at ``when`` (instead of any time set before)."""
        self._due[key] = when
        self._wake.set()

    def drop(self, key: K) -> None:
        """Fire ``key`` no more (nothing happens if it is not set)."""
        self._due.pop(key, None)

    def when(self, key: K) -> int | None:
        """When ``key`` is due, if it is set."""
        return self._due.get(key)

    def __contains__(self, key: object) -> bool:
        return key in self._due

    def __len__(self) -> int:
        return len(self._due)

    def poke(self) -> None:
        """Look at the time again now (the clock jumped, or a test moved its fake clock)."""
        self._wake.set()

    async def run(self, fire: Callable[[K], Awaitable[None]]) -> None:
        """Fire keys as they fall due, until cancelled; ``fire`` handles its own errors."""
        while True:
            self._wake.clear()
            now = self._now()
            for key in [k for k, when in self._due.items() if when <= now]:
                if self._due.get(key, now + 1) <= now:  # an earlier firing may have moved it
                    del self._due[key]
                    await fire(key)
            delay = (min(self._due.values()) - self._now()) / 1000 if self._due else None
            if delay is None or delay > 0:
                # asyncio.timeout, not wait_for: 3.11's wait_for can swallow a cancellation,
                # and a TaskGroup that owns this loop never cancels it twice.
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(delay):
                        await self._wake.wait()
