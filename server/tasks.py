"""Background tasks with an owner: kept by reference, cancelled and awaited on close."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Iterable
from typing import Any


async def stop(tasks: Iterable[asyncio.Task[Any]]) -> None:
    """Cancel ``tasks`` and wait until every one has ended.

    A cancellation can be lost inside a library's timeout handling (Python 3.11's ``wait_for``
    race, seen in redis-py): a task still running after a moment is cancelled again.
    """
    pending = {t for t in tasks if not t.done()}
    while pending:
        for task in pending:
            task.cancel()
        _, pending = await asyncio.wait(pending, timeout=0.5)


async def together(*coros: Coroutine[Any, Any, Any]) -> None:
    """Run loops side by side until one fails or the caller is cancelled; then stop them all.

    Unlike ``asyncio.TaskGroup``, whose exit cancels its children only once, this goes on
    cancelling a child that lost its cancellation: a background loop never holds up a shutdown.
    """
    children = [asyncio.create_task(coro) for coro in coros]
    try:
        await asyncio.gather(*children)
    finally:
        interrupted = False
        while True:
            try:
                await stop(children)
                break
            except asyncio.CancelledError:  # cancelled again while waiting: finish first
                interrupted = True
        if interrupted:
            raise asyncio.CancelledError


class Tasks:
    """A set of running tasks (greetings, loops) that ``close`` stops."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()

    def start(self, coro: Coroutine[Any, Any, Any], name: str) -> asyncio.Task[Any]:
        """Run ``coro`` as a task kept until it ends."""
        task = asyncio.create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def close(self) -> None:
        """Cancel every task and wait for them to end."""
        await stop(list(self._tasks))
