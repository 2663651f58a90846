"""The owner on its own: every change to an event through one lock per event, which it keeps
only while someone holds or waits for it."""

from __future__ import annotations

import asyncio
import threading

import msgspec

from server.core.staff import notice
from server.live.owner import Owner
from server.metrics import Metrics
from tests.core.states import event
from tests.live.faults import FakeClock, Faulty


async def test_the_locks_of_events_nobody_changes_now_are_forgotten() -> None:
    """On main a lock was kept for every event ever changed by the process, for ever."""
    store = Faulty()
    await store.open()
    owner = Owner(store, FakeClock(), Metrics())
    for n in range(50):
        await store.create(msgspec.structs.replace(event(["c1", "s1"]), id=f"ev{n}"))
        await owner.apply(f"ev{n}", lambda s, c: notice(s, "hello", c.now, "host"))
    assert owner._locks == {}
    await store.close()


async def test_changes_to_one_event_still_wait_for_each_other() -> None:
    store = Faulty()
    await store.open()
    owner = Owner(store, FakeClock(), Metrics())
    await store.create(event(["c1", "s1"]))
    gate = store.gate("commit")
    first = asyncio.create_task(owner.apply("ev1", lambda s, c: notice(s, "a", c.now, "host")))
    await gate.entered.wait()
    second = asyncio.create_task(owner.apply("ev1", lambda s, c: notice(s, "b", c.now, "host")))
    await asyncio.sleep(0)
    assert gate.calls == 1 and len(owner._locks) == 1  # the second waits for the first
    gate.open()
    await asyncio.gather(first, second)
    assert store.calls["commit"] == 2 and owner._locks == {}
    await store.close()


async def test_commands_do_not_wait_behind_reports() -> None:
    """Every command ran on the default thread pool, which also ran schedules, reports, files,
    boards and summaries: a few downloads on a 2-core machine delayed the clock's moves."""
    store = Faulty()
    await store.open()
    owner = Owner(store, FakeClock(), Metrics())
    await store.create(event(["c1", "s1"]))
    release = threading.Event()
    reports = [asyncio.create_task(owner.pools.work(release.wait)) for _ in range(8)]
    try:
        async with asyncio.timeout(5):
            await owner.apply("ev1", lambda s, c: notice(s, "the doors open", c.now, "host"))
        assert not any(r.done() for r in reports)  # the work pool was full all along
    finally:
        release.set()
        await asyncio.gather(*reports)
        owner.pools.close()
        await store.close()
