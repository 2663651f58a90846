"""Leases under faults: a holder lets an event go only when its own fence was refused, and
whatever holds an event (the conductor, the reminders) keeps running it through a lapse."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from server.core.model import Phase
from server.live.conductor import Conductor
from server.live.leases import Leases
from server.live.owner import Owner
from server.metrics import Metrics
from tests.core.states import ROUND_S, T0, event, in_round
from tests.live.faults import FakeClock, Faulty, eventually

LEASE_MS = 4_000
PEOPLE = ["c1", "c2", "s1", "s2"]


@dataclass
class Live:
    """One process's live layer on a faulty store: the owner, its leases and its conductor."""

    clock: FakeClock
    store: Faulty
    owner: Owner
    leases: Leases
    conductor: Conductor


@pytest.fixture
async def live() -> AsyncIterator[Live]:
    clock = FakeClock(T0)
    store = Faulty()
    await store.open()
    metrics = Metrics()
    owner = Owner(store, clock, metrics)
    leases = Leases(store, LEASE_MS, metrics)
    conductor = Conductor(owner, clock, 0, metrics, leases)
    leases.stewards.append(conductor)
    store.subscribe(conductor)
    task = asyncio.create_task(conductor.run())
    try:
        yield Live(clock, store, owner, leases, conductor)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await store.close()


async def in_a_round(live: Live) -> str:
    state = in_round(event(PEOPLE), [["c1", "s1"], ["c2", "s2"]])
    await live.store.create(state)
    await live.leases.renew()
    assert live.leases.fences == {state.id: 1}
    return state.id


async def phase(live: Live, event_id: str) -> Phase:
    state = await live.store.load(event_id)
    assert state is not None
    return state.clock.phase


async def test_a_lease_taken_again_while_a_deadline_commits_keeps_the_clock(live: Live) -> None:
    """The lease lapses (Redis slow, or the loop stalled) while the round's end is being
    committed under fence 1, and this process takes it again (fence 2): the commit is refused,
    yet the round ends and the next deadlines fire (once, the conductor dropped the event)."""
    event_id = await in_a_round(live)
    gate = live.store.gate("commit")
    live.clock.ms = T0 + ROUND_S * 1000
    live.conductor.poke()
    await gate.entered.wait()  # the round's end is on its way under fence 1
    live.store.lapse(event_id)
    await live.leases.renew()
    assert live.leases.fences == {event_id: 2}
    gate.open()  # fence 1 is refused now
    await eventually(lambda: _is(live, event_id, Phase.BREAK))
    assert live.leases.fences == {event_id: 2}
    live.clock.ms += 60_000  # the break's end fires too: the event is still armed
    live.conductor.poke()
    await eventually(lambda: _is(live, event_id, Phase.ROUND))


async def test_a_fence_refused_for_good_lets_the_event_go_until_it_is_taken_again(
    live: Live,
) -> None:
    """Another process took the lease: this one stops firing, tells its leases, and takes the
    event again once it is free (with a new fence)."""
    event_id = await in_a_round(live)
    live.store.lapse(event_id, to="another")
    live.clock.ms = T0 + ROUND_S * 1000
    live.conductor.poke()
    await eventually(lambda: _let_go(live, event_id))
    assert await phase(live, event_id) is Phase.ROUND  # the other process ends the round
    live.store.lapse(event_id)  # that process died: the lease is free
    await live.leases.renew()
    assert live.leases.fences == {event_id: 3}
    await eventually(lambda: _is(live, event_id, Phase.BREAK))


async def _is(live: Live, event_id: str, wanted: Phase) -> bool:
    return await phase(live, event_id) is wanted


async def _let_go(live: Live, event_id: str) -> bool:
    return event_id not in live.leases.fences
