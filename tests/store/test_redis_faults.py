"""The Redis store when Redis answers late or not at all, on a real Redis with the faults put
between the store and it, and the store's clock faked: a write whose answer was lost is sent
again under its idempotency key until its outcome is known; what is not known is never
reported as "nothing was changed"."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from server.core.model import Feedback
from server.errors import Unavailable, Unknown
from server.store import Change
from server.store.redis import RedisStore
from tests.conftest import DATA_KEY
from tests.store.test_contract import new_event

SOCKET_TIMEOUT_S = 5.0  # what a lost answer costs: the client's socket timeout


class Time:
    """The store's clock, moved by the faults and by its own waits (no real sleep)."""

    def __init__(self) -> None:
        self.s = 1000.0

    def __call__(self) -> float:
        return self.s

    async def sleep(self, seconds: float) -> None:
        self.s += seconds


class Lost:
    """A script between the store and Redis: the first ``applied`` calls reach Redis and their
    answer is lost (a socket timeout); then ``unreached`` calls never reach it; then the rest
    go through."""

    def __init__(
        self, script: Any, time: Time, applied: int = 0, unreached: int = 0, lost: int = 0
    ) -> None:
        self.script, self.time = script, time
        self.applied, self.unreached, self.lost = applied, unreached, lost
        self.calls = 0

    async def __call__(self, **kw: Any) -> Any:
        self.calls += 1
        if self.applied:
            self.applied -= 1
            await self.script(**kw)
            self.time.s += SOCKET_TIMEOUT_S
            raise RedisTimeoutError("Timeout reading from socket")
        if self.lost:  # sent, and nobody knows whether it arrived: no answer ever
            self.time.s += SOCKET_TIMEOUT_S
            raise RedisTimeoutError("Timeout reading from socket")
        if self.unreached:
            self.unreached -= 1
            self.time.s += 0.01
            raise RedisConnectionError("Error connecting to 127.0.0.1:6379. Connection refused.")
        return await self.script(**kw)


@pytest.fixture
async def store(redis_url: str, redis_prefix: str) -> AsyncIterator[tuple[RedisStore, Time]]:
    time = Time()
    s = RedisStore(
        redis_url, proc="a", prefix=redis_prefix, key=DATA_KEY, clock=time, sleep=time.sleep
    )
    await s.open()
    yield s, time
    await s.close()


def rating(state: Any, n: int) -> Change:
    entry = Feedback(participant="p1", room="r1-1", peer="p2", rating=n, at=n)
    return Change(base=state, state=None, entries=[entry])


def fault(store: RedisStore, time: Time, **kw: int) -> Lost:
    lost = Lost(store._commit, time, **kw)
    store._commit = lost
    return lost


async def ratings(store: RedisStore) -> list[int]:
    return [e.rating for e in await store.entries("ev1", "feedback") if isinstance(e, Feedback)]


async def test_a_write_whose_answer_was_lost_is_sent_again_and_counted_once(
    store: tuple[RedisStore, Time],
) -> None:
    """The answer of a commit that Redis applied is lost after the socket's 5 s, which is past
    the 4 s of retries for a Redis that cannot be reached: on main the rating was stored and
    reported as "nothing was changed" (the person then sends it again)."""
    s, time = store
    state = new_event()
    await s.create(state)
    lost = fault(s, time, applied=1)
    await s.commit(rating(state, 4))  # no error: it was applied
    assert lost.calls == 2 and await ratings(s) == [4]


async def test_a_version_change_whose_answer_was_lost_is_known_applied(
    store: tuple[RedisStore, Time],
) -> None:
    s, time = store
    state = new_event()
    await s.create(state)
    import msgspec

    newer = msgspec.structs.replace(state, version=state.version + 1)
    fault(s, time, applied=1)
    await s.commit(Change(base=state, state=newer))  # sent again: applied once, not a conflict
    loaded = await s.load("ev1")
    assert loaded is not None and loaded.version == newer.version


async def test_a_write_that_never_reached_redis_says_nothing_was_changed(
    store: tuple[RedisStore, Time],
) -> None:
    s, time = store
    state = new_event()
    await s.create(state)
    fault(s, time, unreached=10_000)
    with pytest.raises(Unavailable) as refused:
        await s.commit(rating(state, 3))
    assert refused.value.code == "unavailable" and "nothing was changed" in refused.value.message
    assert await ratings(s) == []


async def test_a_write_whose_outcome_stays_unknown_says_so(
    store: tuple[RedisStore, Time],
) -> None:
    s, time = store
    state = new_event()
    await s.create(state)
    lost = fault(s, time, lost=10_000)
    started = time.s
    with pytest.raises(Unknown) as unknown:
        await s.commit(rating(state, 5))
    assert (
        unknown.value.code == "unconfirmed" and "nothing was changed" not in unknown.value.message
    )
    assert lost.calls > 2 and time.s - started >= 30  # sent again for as long as it may land


async def test_call_time_counted_once_when_an_answer_is_lost(
    store: tuple[RedisStore, Time],
) -> None:
    s, time = store
    await s.create(new_event())
    script: Callable[..., Awaitable[Any]] = s._add_connected
    s._add_connected = Lost(script, time, applied=1)
    await s.add_connected("ev1", {("r1-1", "p1", "p2"): 2_000})
    assert await s.connected("ev1") == {("r1-1", "p1", "p2"): 2_000}
