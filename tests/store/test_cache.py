"""The records kept in memory between two reads: bounded by their size, least recently used
first out. On main the Redis store kept every record it ever read, for ever (a process came to
hold every retained event; a big one is about 5 MB)."""

from __future__ import annotations

import msgspec

from server.store.cache import Records, weight
from server.store.redis import RedisStore
from tests.conftest import DATA_KEY
from tests.core.states import event, in_round


def one(n: int, people: int = 4) -> object:
    pids = [f"c{i}" for i in range(people // 2)] + [f"s{i}" for i in range(people // 2)]
    return msgspec.structs.replace(event(pids), id=f"ev{n}")


def test_a_record_weighs_its_people_wishes_and_rooms() -> None:
    state = in_round(event(["c1", "c2", "s1", "s2"]), [["c1", "s1"], ["c2", "s2"]])
    assert weight(state) == 1 + 4 + 0 + 2


def test_the_least_recently_used_go_first() -> None:
    kept = Records(parts=20)
    for n in range(4):
        kept.put(one(n))  # type: ignore[arg-type]  # 5 parts each
    assert len(kept) == 4 and kept.parts == 20
    assert kept.get("ev0") is not None  # used: now the most recent
    kept.put(one(9))  # type: ignore[arg-type]
    assert kept.get("ev1") is None and kept.get("ev0") is not None and kept.parts == 20
    kept.put(one(10, people=40))  # type: ignore[arg-type]  # bigger than the bound: not kept
    assert kept.get("ev10") is None and kept.parts <= 20
    kept.drop("ev0")
    assert kept.get("ev0") is None and kept.parts == 15
    kept.clear()
    assert len(kept) == 0 and kept.parts == 0


async def test_the_redis_store_keeps_no_more_than_its_bound(
    redis_url: str, redis_prefix: str
) -> None:
    store = RedisStore(redis_url, proc="a", prefix=redis_prefix, key=DATA_KEY, cache_parts=50)
    await store.open()
    try:
        for n in range(30):
            await store.create(one(n))  # type: ignore[arg-type]
        for n in range(30):
            loaded = await store.load(f"ev{n}")
            assert loaded is not None and loaded.id == f"ev{n}"  # read from Redis when not kept
        assert store._cache.parts <= 50 and len(store._cache) == 10
    finally:
        await store.close()
