"""Background loops stop on shutdown even when a cancellation is lost on the way (Python
3.11's ``wait_for`` race, seen in a teardown that hung for two minutes)."""

from __future__ import annotations

import asyncio

import pytest

from server.tasks import stop, together


async def forever() -> None:
    await asyncio.Event().wait()


async def stubborn(started: asyncio.Event, ended: asyncio.Event) -> None:
    """A loop that loses its first cancellation, as a library's timeout handling can."""
    started.set()
    try:
        await asyncio.Event().wait()
    except asyncio.CancelledError:
        pass
    try:
        await asyncio.Event().wait()
    finally:
        ended.set()


async def test_a_child_that_lost_its_cancellation_is_cancelled_again() -> None:
    started, ended = asyncio.Event(), asyncio.Event()
    parent = asyncio.create_task(together(stubborn(started, ended), forever()))
    await started.wait()
    await stop([parent])
    assert parent.cancelled()
    assert ended.is_set()


async def test_a_failing_loop_stops_the_others_and_its_error_comes_out() -> None:
    started, ended = asyncio.Event(), asyncio.Event()

    async def broken() -> None:
        await started.wait()
        raise RuntimeError("broken loop")

    with pytest.raises(RuntimeError, match="broken loop"):
        await together(stubborn(started, ended), broken())
    assert ended.is_set()
