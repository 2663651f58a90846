"""The hourly sweeps (the retention rule, the summaries' catch-up) read only the events that
may be due: on main each process loaded every event of the deployment every hour (and, on
Redis, came to keep every retained event in memory)."""

from __future__ import annotations

import msgspec

from server.core.model import Clock, Phase
from server.live.owner import Owner
from server.live.purge import Purge
from server.mail.outbox import Outbox
from server.mail.summaries import Summaries
from server.metrics import Metrics
from server.settings import load
from tests.core.states import event
from tests.live.faults import FakeClock, Faulty

DAY = 86_400_000
NOW = 1_900_000_000_000


def ended(n: int, at: int) -> object:
    state = event(["c1", "s1"])
    clock = Clock(phase=Phase.ENDED, round=3, rounds=3, ended_at=at, opened=True, started_at=at)
    return msgspec.structs.replace(state, id=f"ev{n}", clock=clock, created_at=at - DAY)


async def many(store: Faulty) -> None:
    """40 events that ended long ago but within the retention, one a year ago, one an hour
    ago, and a live one."""
    for n in range(40):
        await store.create(ended(n, NOW - 30 * DAY))  # type: ignore[arg-type]
    await store.create(ended(100, NOW - 365 * DAY))  # type: ignore[arg-type]
    await store.create(ended(101, NOW - 3_600_000))  # type: ignore[arg-type]
    await store.create(msgspec.structs.replace(event(["c1", "s1"]), id="live"))


async def test_the_retention_sweep_reads_the_events_due_only() -> None:
    store = Faulty()
    await store.open()
    await many(store)
    owner = Owner(store, FakeClock(NOW), Metrics())
    before = store.calls.get("load", 0)
    assert await Purge(owner, days=90).due() == ["ev100"]
    assert store.calls.get("load", 0) - before <= 2
    await store.close()


async def test_the_summaries_catch_up_reads_the_events_ended_within_a_day_only() -> None:
    store = Faulty()
    await store.open()
    await many(store)
    clock = FakeClock(NOW)
    owner = Owner(store, clock, Metrics())
    settings = load(None, env={}, smtp_host="127.0.0.1", smtp_from="sm@example.org")
    summaries = Summaries(owner, Outbox(settings, owner, clock), lambda: "t", "http://x", 15)
    before = store.calls.get("load", 0)
    await summaries.catch_up()
    assert store.calls.get("load", 0) - before <= 2
    assert summaries._timers.when("ev101") == NOW - 3_600_000 + 15 * 60_000
    assert len(summaries._timers) == 1
    await store.close()
