"""What one client may send, whatever the transport: how often (token buckets by key: a socket,
a person, an address, an event; the error that says when to try again), how deep its JSON may
nest, and who a client is (its address)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable, Hashable
from typing import Any

from .errors import SpeedmeetError

IDLE_S = 600.0  # a bucket not used for this long is forgotten (it would be full anyway)


class RateLimited(SpeedmeetError):
    """Too many requests: the message says when to try again."""

    status = 429


class Rate:
    """A token bucket per key: ``per_second`` on average, ``burst`` at once."""

    def __init__(
        self, per_second: float, burst: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._rate = per_second
        self._burst = max(burst, 1.0)
        self._clock = clock
        self._buckets: dict[Hashable, tuple[float, float]] = {}  # key -> (tokens, when)

    def take(self, key: Hashable, cost: float = 1.0) -> float:
        """Use ``cost`` tokens of ``key`` (one request; or its bytes, for a budget of bytes): 0
        when allowed, else the seconds until they are back."""
        now = self._clock()
        tokens, when = self._buckets.get(key, (self._burst, now))
        tokens = min(self._burst, tokens + (now - when) * self._rate)
        cost = min(cost, self._burst)  # what is more than a burst waits for a full bucket
        if tokens >= cost:
            self._buckets[key] = (tokens - cost, now)
            if len(self._buckets) > 10_000:
                self._forget_idle(now)
            return 0.0
        self._buckets[key] = (tokens, now)
        return (cost - tokens) / self._rate if self._rate > 0 else IDLE_S

    def forget(self, key: Hashable) -> None:
        """Drop a key (its socket is gone)."""
        self._buckets.pop(key, None)

    def _forget_idle(self, now: float) -> None:
        for key in [k for k, (_, when) in self._buckets.items() if now - when > IDLE_S]:
            del self._buckets[key]

    def check(self, key: Hashable, what: str, cost: float = 1.0, **detail: Any) -> None:
        """Raise ``RateLimited`` (``rate_limited``, with ``retry_after_ms`` and ``detail``)
        when over."""
        wait = self.take(key, cost)
        if wait > 0:
            raise RateLimited(
                "rate_limited",
                f"Too many {what} at once; try again in {max(1, round(wait))} s.",
                retry_after_ms=int(wait * 1000) + 1,
                **detail,
            )


class Gate:
    """At most ``at_once`` runs of a costly kind of work at a time in this process, at most
    ``waiting`` more queued for their turn; past that a request is refused (``busy``, 429) at
    once, rather than held in memory."""

    def __init__(self, at_once: int, waiting: int) -> None:
        self._slots = asyncio.Semaphore(at_once)
        self._most_waiting = waiting
        self.waiting = 0

    @contextlib.asynccontextmanager
    async def turn(self, what: str) -> AsyncIterator[None]:
        """Wait for a turn (or be refused), run, give the turn back."""
        if self._slots.locked() and self.waiting >= self._most_waiting:
            raise RateLimited(
                "busy",
                f"The server is handling many {what} right now; try again in a few seconds.",
                retry_after_ms=2000,
            )
        self.waiting += 1
        try:
            await self._slots.acquire()
        finally:
            self.waiting -= 1
        try:
            yield
        finally:
            self._slots.release()


def client_address(remote: str | None, forwarded: str | None, trust_forwarded: bool) -> str:
    """Who is asking: the peer's address, or behind a trusted proxy the first of
    ``X-Forwarded-For``."""
    if trust_forwarded and forwarded:
        return forwarded.split(",")[0].strip() or (remote or "?")
    return remote or "?"


MAX_DEPTH = 32  # nesting of any payload (signal data is free-form JSON)


def too_deep(data: Any, limit: int = MAX_DEPTH) -> bool:
    """Whether ``data`` nests lists and objects deeper than ``limit``."""
    stack = [(data, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth > limit:
                return True
            values = item.values() if isinstance(item, dict) else item
            stack.extend((v, depth + 1) for v in values if isinstance(v, dict | list))
    return False
