"""The threads that take CPU work off the event loop, in two pools, so that what runs an event
never waits behind what only reads it: ``commands`` (the owner's commands: every change, the
pairing of a round, a deadline) and ``work`` (reports, results files, schedules, board
payloads, summaries, import plans, photos). Each pool has a bound of threads; what waits for a
thread waits in its own pool's queue."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")

COMMAND_THREADS = 2
WORK_THREADS = 2


class Pools:
    """The two pools of one process."""

    def __init__(self, commands: int = COMMAND_THREADS, work: int = WORK_THREADS) -> None:
        self._commands = ThreadPoolExecutor(commands, thread_name_prefix="command")
        self._work = ThreadPoolExecutor(work, thread_name_prefix="work")

    async def command(self, fn: Callable[..., T], *args: Any) -> T:
        """Run one of the owner's commands in the command pool."""
        return await asyncio.get_running_loop().run_in_executor(self._commands, fn, *args)

    async def work(self, fn: Callable[..., T], *args: Any, **kw: Any) -> T:
        """Run a computation over a whole event (a report, a file, a plan) in the work pool."""
        call = functools.partial(fn, *args, **kw)
        return await asyncio.get_running_loop().run_in_executor(self._work, call)

    def close(self) -> None:
        """Stop the threads once what they run is done (at shutdown)."""
        self._commands.shutdown(wait=False, cancel_futures=True)
        self._work.shutdown(wait=False, cancel_futures=True)
