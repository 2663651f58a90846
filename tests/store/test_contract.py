"""The store contract: every implementation of ``server.store.Store`` passes the same suite.

To add an implementation, add a maker to ``MAKERS``: it builds a store kept under ``where``
(a folder of the test), and building it again with the same ``where`` must reopen the same data.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import msgspec
import pytest

from server.errors import Conflict
from server.model import Clock, EventState, LinkStats, Participant, Phase, Settings, TokenRef
from server.store import MemoryStore, Store

Maker = Callable[[Path], Store]

MAKERS: dict[str, Maker] = {
    "memory": lambda where: MemoryStore(where / "speedmeet.sqlite3"),
}

Open = Callable[[], Awaitable[Store]]


@pytest.fixture(params=sorted(MAKERS))
async def reopen(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Open]:
    """Open a store (again) on the same data; every store opened is closed at the end."""
    maker = MAKERS[request.param]
    opened: list[Store] = []

    async def _open() -> Store:
        store = maker(tmp_path)
        await store.open()
        opened.append(store)
        return store

    yield _open
    for store in opened:
        await store.close()


@pytest.fixture
async def store(reopen: Open) -> Store:
    return await reopen()


def new_event(event_id: str = "ev1", created_at: int = 1000, people: int = 2) -> EventState:
    return EventState(
        id=event_id,
        settings=Settings(title=f"Event {event_id}", round_seconds=300, break_seconds=60, rounds=3),
        host_token=f"host-{event_id}",
        moderator_token=f"mod-{event_id}",
        created_at=created_at,
        clock=Clock(rounds=3),
        participants={
            f"p{i}": Participant(id=f"p{i}", name=f"Person {i}", token=f"tok-{event_id}-{i}")
            for i in range(1, people + 1)
        },
    )


def bumped(state: EventState, **changes: object) -> EventState:
    return msgspec.structs.replace(state, version=state.version + 1, **changes)


async def test_create_then_load(store: Store) -> None:
    state = new_event()
    assert await store.load("ev1") is None
    await store.create(state)
    assert await store.load("ev1") == state
    assert await store.event_ids() == ["ev1"]


async def test_create_twice_conflicts(store: Store) -> None:
    await store.create(new_event())
    with pytest.raises(Conflict):
        await store.create(new_event())


async def test_save_the_next_version(store: Store) -> None:
    state = new_event()
    await store.create(state)
    v1 = bumped(state, clock=Clock(rounds=3, opened=True))
    await store.save(v1)
    assert await store.load("ev1") == v1
    v2 = bumped(v1, clock=Clock(phase=Phase.ROUND, round=1, rounds=3, ends_at=99))
    await store.save(v2)
    loaded = await store.load("ev1")
    assert loaded is not None and loaded.version == 2 and loaded.clock.ends_at == 99


@pytest.mark.parametrize("version", [0, 1, 3, 9], ids=["stale", "same", "skipped", "far"])
async def test_save_a_stale_or_skipped_version_conflicts(store: Store, version: int) -> None:
    state = new_event()
    await store.create(state)
    await store.save(bumped(state))  # now at version 1
    with pytest.raises(Conflict):
        await store.save(msgspec.structs.replace(state, version=version))
    loaded = await store.load("ev1")
    assert loaded is not None and loaded.version == 1


async def test_two_writers_from_the_same_version_one_wins(store: Store) -> None:
    state = new_event()
    await store.create(state)
    first = bumped(state, clock=Clock(rounds=3, opened=True))
    second = bumped(state, clock=Clock(phase=Phase.ENDED, rounds=3))
    await store.save(first)
    with pytest.raises(Conflict):
        await store.save(second)
    assert await store.load("ev1") == first


async def test_save_of_an_unknown_event_conflicts(store: Store) -> None:
    with pytest.raises(Conflict):
        await store.save(bumped(new_event("nope")))


async def test_event_ids_oldest_first(store: Store) -> None:
    for event_id, created in (("b", 1), ("a", 2), ("c", 3)):
        await store.create(new_event(event_id, created_at=created))
    assert await store.event_ids() == ["b", "a", "c"]


async def test_tokens_resolve(store: Store) -> None:
    await store.create(new_event("ev1"))
    await store.create(new_event("ev2"))
    assert await store.resolve("host-ev1") == TokenRef(event_id="ev1", role="host")
    assert await store.resolve("mod-ev2") == TokenRef(event_id="ev2", role="moderator")
    assert await store.resolve("tok-ev1-2") == TokenRef(
        event_id="ev1", role="participant", participant_id="p2"
    )
    assert await store.resolve("nope") is None
    assert await store.resolve("") is None


async def test_tokens_of_people_registered_later_resolve(store: Store) -> None:
    state = new_event(people=1)
    await store.create(state)
    late = Participant(id="p9", name="Late", token="tok-late")
    await store.save(bumped(state, participants={**state.participants, "p9": late}))
    assert await store.resolve("tok-late") == TokenRef(
        event_id="ev1", role="participant", participant_id="p9"
    )
    assert await store.resolve("tok-ev1-1") is not None


async def test_presence_counts_every_socket(store: Store) -> None:
    await store.create(new_event())
    assert await store.online("ev1") == frozenset()
    assert await store.connect("ev1", "p1", "sid-a") is True  # came online
    assert await store.connect("ev1", "p1", "sid-b") is False  # a second tab
    assert await store.connect("ev1", "p2", "sid-c") is True
    assert await store.online("ev1") == {"p1", "p2"}
    assert await store.disconnect("ev1", "p1", "sid-a") is False  # still one tab open
    assert await store.online("ev1") == {"p1", "p2"}
    assert await store.disconnect("ev1", "p1", "sid-b") is True  # went offline
    assert await store.online("ev1") == {"p2"}
    assert await store.connect("ev1", "p1", "sid-d") is True  # and back
    assert await store.online("ev1") == {"p1", "p2"}


async def test_disconnecting_an_unknown_socket_changes_nothing(store: Store) -> None:
    await store.create(new_event())
    await store.connect("ev1", "p1", "sid-a")
    assert await store.disconnect("ev1", "p1", "sid-zzz") is False
    assert await store.disconnect("ev1", "p2", "sid-a") is False
    assert await store.disconnect("ev1", "p1", "sid-a") is True
    assert await store.disconnect("ev1", "p1", "sid-a") is False  # twice: still False
    assert await store.online("ev1") == frozenset()


async def test_presence_is_per_event(store: Store) -> None:
    await store.create(new_event("ev1"))
    await store.create(new_event("ev2"))
    await store.connect("ev1", "p1", "sid-a")
    assert await store.connect("ev2", "p1", "sid-b") is True
    assert await store.online("ev1") == {"p1"}
    assert await store.disconnect("ev2", "p1", "sid-b") is True
    assert await store.online("ev1") == {"p1"}
    assert await store.online("ev2") == frozenset()


async def test_stats_keep_the_latest_report_per_person(store: Store) -> None:
    await store.create(new_event("ev1"))
    await store.create(new_event("ev2"))
    assert await store.stats("ev1") == {}
    first = LinkStats(room="r1-1", ice="checking", at=1)
    latest = LinkStats(room="r1-1", ice="connected", rtt_ms=42.0, loss=0.01, kbps=900.0, at=2)
    other = LinkStats(room="r1-2", ice="connected", at=3)
    await store.put_stats("ev1", "p1", first)
    await store.put_stats("ev1", "p1", latest)
    await store.put_stats("ev1", "p2", other)
    assert await store.stats("ev1") == {"p1": latest, "p2": other}
    assert await store.stats("ev2") == {}
    # what a caller does with the answer does not change the store
    (await store.stats("ev1")).clear()
    assert len(await store.stats("ev1")) == 2


async def test_reopening_gets_the_same_events_back(store: Store, reopen: Open) -> None:
    a = new_event("a", created_at=5)
    b = new_event("b", created_at=7, people=3)
    await store.create(a)
    await store.create(b)
    a1 = bumped(a, clock=Clock(phase=Phase.ROUND, round=1, rounds=3, ends_at=123_456, opened=True))
    await store.save(a1)
    await store.close()

    again = await reopen()
    assert await again.event_ids() == ["a", "b"]
    assert await again.load("a") == a1
    assert await again.load("b") == b
    assert await again.resolve("tok-b-3") == TokenRef(
        event_id="b", role="participant", participant_id="p3"
    )
    assert await again.resolve("host-a") == TokenRef(event_id="a", role="host")
    # versioning carries on where it stopped
    with pytest.raises(Conflict):
        await again.save(bumped(a))
    await again.save(bumped(a1))
    loaded = await again.load("a")
    assert loaded is not None and loaded.version == 2
