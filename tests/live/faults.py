"""The live layer's test bench: a fake clock, and a real store (the embedded one, in memory)
that has leases with fences as Redis does and fails where a test says: a call held at a gate
until the test opens it (a write delayed past another), refused before it writes, or lost after
it wrote (a timeout whose write was applied). Deterministic: no sleeps, no other process."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from server.errors import Fenced
from server.store import Change, EmbeddedStore

T0 = 1_800_000_000_000


class FakeClock:
    """The server's time, moved by the test (epoch milliseconds)."""

    def __init__(self, ms: int = T0) -> None:
        self.ms = ms

    def __call__(self) -> int:
        return self.ms


@dataclass
class Gate:
    """Holds the calls of one method until ``open``; ``entered`` is set once one waits."""

    entered: asyncio.Event = field(default_factory=asyncio.Event)
    opened: asyncio.Event = field(default_factory=asyncio.Event)
    calls: int = 0

    def open(self) -> None:
        self.opened.set()


@dataclass
class Fault:
    """What the next ``times`` calls of a method do: raise ``error`` before writing, or after
    the write was applied (``after``: the caller cannot know it was)."""

    error: Exception
    after: bool = False
    times: int = 1


class Faulty:
    """A real store with Redis's leases and faults on demand (see the module)."""

    def __init__(self, inner: Any | None = None, proc: str = "here") -> None:
        self.inner = inner if inner is not None else EmbeddedStore(None, proc=proc)
        self.proc = proc
        self.fences: dict[str, int] = {}  # event → the current fence
        self.holders: dict[str, str] = {}  # event → the process holding its lease
        self.gates: dict[str, Gate] = {}
        self.faults: dict[str, list[Fault]] = {}
        self.calls: dict[str, int] = {}

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self.inner, name)
        if not inspect.iscoroutinefunction(attr) or name.startswith("_"):
            return attr

        async def call(*args: Any, **kw: Any) -> Any:
            return await self._through(name, lambda: attr(*args, **kw))

        return call

    # --- the test's controls -------------------------------------------------------------------

    def gate(self, method: str) -> Gate:
        """Hold the next calls of ``method`` until the gate opens."""
        gate = self.gates[method] = Gate()
        return gate

    def fail(self, method: str, error: Exception, *, after: bool = False, times: int = 1) -> None:
        """Make the next ``times`` calls of ``method`` fail (``after``: once they have written)."""
        self.faults.setdefault(method, []).append(Fault(error, after, times))

    def lapse(self, event_id: str, to: str | None = None) -> None:
        """The event's lease runs out; ``to`` another process takes it (else it is free, and
        whoever asks next gets it with a new fence)."""
        if to is None:
            self.holders.pop(event_id, None)
        else:
            self.fences[event_id] = self.fences.get(event_id, 0) + 1
            self.holders[event_id] = to

    # --- leases and fences, as the Redis store keeps them -------------------------------------

    async def lease(self, event_id: str, ttl_ms: int) -> int | None:
        async def take() -> int | None:
            holder = self.holders.get(event_id)
            if holder is not None and holder != self.proc:
                return None
            if holder is None:
                self.fences[event_id] = self.fences.get(event_id, 0) + 1
                self.holders[event_id] = self.proc
            return self.fences[event_id]

        return await self._through("lease", take)

    async def release(self, event_id: str) -> None:
        async def free() -> None:
            if self.holders.get(event_id) == self.proc:
                del self.holders[event_id]

        await self._through("release", free)

    async def commit(self, change: Change) -> None:
        async def write() -> None:
            if change.fence is not None and change.fence != self.fences.get(change.event_id):
                raise Fenced("fenced", f"Event {change.event_id!r} is run by another process now.")
            await self.inner.commit(change)

        await self._through("commit", write)

    # --- every call goes through here -----------------------------------------------------------

    async def _through(self, name: str, call: Callable[[], Awaitable[Any]]) -> Any:
        self.calls[name] = self.calls.get(name, 0) + 1
        gate = self.gates.get(name)
        if gate is not None and not gate.opened.is_set():
            gate.calls += 1
            gate.entered.set()
            await gate.opened.wait()
        fault = self._fault(name)
        if fault is not None and not fault.after:
            raise fault.error
        result = await call()
        if fault is not None:
            raise fault.error
        return result

    def _fault(self, name: str) -> Fault | None:
        pending = self.faults.get(name)
        if not pending:
            return None
        fault = pending[0]
        fault.times -= 1
        if fault.times <= 0:
            pending.pop(0)
        return fault


async def eventually(check: Callable[[], Awaitable[Any]], timeout: float = 5.0) -> Any:
    """Poll ``check`` until it gives something truthy (bounded): for what a background task of
    the live layer does after the test's last step."""
    async with asyncio.timeout(timeout):
        while not (found := await check()):  # noqa: ASYNC110 - what it waits for tells nobody
            await asyncio.sleep(0.005)
        return found
