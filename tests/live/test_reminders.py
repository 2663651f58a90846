"""The reminders' timer on its own, through a lapse of its lease: a reminder whose commit was
refused under a fence this process no longer uses is sent under the new one, once."""

from __future__ import annotations

import asyncio

import msgspec

from server.core.logs import reminded
from server.live.leases import Leases
from server.live.owner import Owner
from server.mail.outbox import Outbox
from server.mail.reminders import Reminders
from server.metrics import Metrics
from server.settings import load
from tests.core.states import event
from tests.live.faults import FakeClock, Faulty, eventually

T = 1_800_000_000_000
STARTS = T + 3_600_000


async def test_a_reminder_refused_for_an_older_fence_is_sent_once_under_the_new_one() -> None:
    clock = FakeClock(T)
    store = Faulty()
    await store.open()
    metrics = Metrics()
    owner = Owner(store, clock, metrics)
    leases = Leases(store, 4_000, metrics)
    settings = load(None, env={}, smtp_host="127.0.0.1", smtp_from="sm@example.org")
    outbox = Outbox(settings, owner, clock)
    reminders = Reminders(owner, outbox, clock, lambda: "tok", "http://x", leases)
    leases.stewards.append(reminders)
    store.subscribe(reminders)
    state = event(["c1", "s1"])
    settings_ = msgspec.structs.replace(state.settings, starts_at=STARTS, reminder_minutes=30)
    await store.create(msgspec.structs.replace(state, settings=settings_))
    await leases.renew()
    task = asyncio.create_task(reminders.run())
    try:
        gate = store.gate("commit")
        clock.ms = STARTS - 30 * 60_000
        reminders.poke()
        await gate.entered.wait()  # the reminder is on its way under fence 1
        store.lapse("ev1")
        await leases.renew()  # this process takes it again: fence 2
        gate.open()
        await eventually(lambda: _reminded(store))
        # the e-mails are queued just after the commit that logs them: wait for that too
        await eventually(lambda: _queued(outbox, 2))
        assert leases.fences == {"ev1": 2}
        assert outbox.pending() == 2  # both people, once
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        owner.pools.close()
        await store.close()


async def _queued(outbox: Outbox, count: int) -> bool:
    return outbox.pending() >= count


async def _reminded(store: Faulty) -> bool:
    return reminded(await store.entries("ev1", "mail"), STARTS)
