"""``Gate``: costly work (a photo's decoding) one at a time, a bounded queue, then ``busy``."""

from __future__ import annotations

import asyncio

import pytest

from server.limits import Gate, RateLimited


async def test_one_at_a_time_a_bounded_queue_then_busy() -> None:
    gate = Gate(at_once=1, waiting=2)
    release = asyncio.Event()
    running: list[int] = []
    most = 0

    async def work(n: int) -> int:
        nonlocal most
        async with gate.turn("photos"):
            running.append(n)
            most = max(most, len(running))
            await release.wait()
            running.remove(n)
        return n

    first = asyncio.create_task(work(1))
    queued = [asyncio.create_task(work(n)) for n in (2, 3)]
    await asyncio.sleep(0)  # one pass of the loop: each task runs until it waits
    assert running == [1] and gate.waiting == 2
    with pytest.raises(RateLimited) as refused:
        async with gate.turn("photos"):
            pass
    assert refused.value.code == "busy" and refused.value.status == 429
    release.set()
    assert await asyncio.gather(first, *queued) == [1, 2, 3]
    assert most == 1 and gate.waiting == 0
    async with gate.turn("photos"):  # free again
        pass


async def test_a_cancelled_wait_gives_its_place_back() -> None:
    gate = Gate(at_once=1, waiting=1)
    held = asyncio.Event()
    release = asyncio.Event()

    async def hold() -> None:
        async with gate.turn("photos"):
            held.set()
            await release.wait()

    holder = asyncio.create_task(hold())
    await held.wait()
    waiter = asyncio.create_task(hold())
    await asyncio.sleep(0)  # one pass of the loop: the waiter queues
    assert gate.waiting == 1
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    assert gate.waiting == 0
    release.set()
    await holder
