"""The embedded store when its file cannot be written for a while (a full disk, a file turned
read-only, an I/O error): every write fails as ``Unavailable`` (the documented 503, "nothing was
changed"), and once the file takes writes again the store takes them too, without a restart.
The faults are SQLite's own: a page limit that makes the file "full" (a transaction begins, and
its first write that needs a page fails), and a connection opened read-only on the same file (as
root, a file's mode would not stop a write)."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from server.errors import Unavailable
from server.store import EmbeddedStore
from server.store.sqlite import Tables
from tests.store.test_contract import new_event, step


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[EmbeddedStore]:
    store = EmbeddedStore(tmp_path / "speedmeet.sqlite3")
    await store.open()
    try:
        yield store
    finally:
        await store.close()


async def read_only(store: EmbeddedStore, on: bool) -> None:
    """Give the store's tables a read-only connection to their file (or their own back)."""
    tables = store._tables
    assert tables is not None and store._path is not None and store._db is not None
    if on:
        uri = f"file:{store._path}?mode=ro"
        ro = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
        await store._sql(lambda t: setattr(t, "db", ro))
    else:
        ro, own = tables.db, store._db
        await store._sql(lambda t: setattr(t, "db", own))
        ro.close()


async def full(store: EmbeddedStore, on: bool) -> None:
    """Let the file grow no more (a full disk), or again."""

    def limit(t: Tables) -> None:
        (pages,) = t.db.execute("PRAGMA page_count").fetchone()
        t.db.execute(f"PRAGMA max_page_count = {pages if on else 1073741823}")

    await store._sql(limit)


async def test_a_full_disk_does_not_lock_the_store(store: EmbeddedStore, tmp_path: Path) -> None:
    await store.create(new_event("small"))
    await full(store, True)
    big = new_event("big", people=400)
    with pytest.raises(Unavailable) as refused:  # on main: a bare sqlite3.OperationalError
        await store.create(big)
    assert "cannot be written" in refused.value.message
    assert await store.load("big") is None
    await full(store, False)
    await store.check()  # on main: "cannot start a transaction within a transaction"
    await store.create(big)
    await store.close()
    again = EmbeddedStore(tmp_path / "speedmeet.sqlite3")
    await again.open()
    try:
        assert (await again.load("big")) == big
    finally:
        await again.close()


async def test_a_read_only_file_fails_the_health_check_until_it_is_writable(
    store: EmbeddedStore,
) -> None:
    state = new_event()
    await store.create(state)
    await read_only(store, True)
    with pytest.raises(Unavailable):
        await store.check()
    await read_only(store, False)
    await store.check()
    state = await step(store, state)
    assert (await store.load(state.id)) == state


async def test_a_failed_write_is_unavailable_and_the_next_one_goes_through(
    store: EmbeddedStore, tmp_path: Path
) -> None:
    state = new_event()
    await store.create(state)
    await read_only(store, True)
    with pytest.raises(Unavailable):
        await step(store, state)
    assert (await store.load(state.id)) == state  # nothing was changed
    with pytest.raises(Unavailable):  # the first credit is written at once
        await store.add_connected(state.id, {("r1-1", "p1", "p2"): 1000})
    await read_only(store, False)
    state = await step(store, state)
    await store.close()
    again = EmbeddedStore(tmp_path / "speedmeet.sqlite3")
    await again.open()
    try:
        assert (await again.load(state.id)) == state
        assert await again.connected(state.id) == {("r1-1", "p1", "p2"): 1000}  # kept to retry
    finally:
        await again.close()


async def test_health_writes_at_most_every_few_seconds(store: EmbeddedStore) -> None:
    writes: list[str] = []
    await store._sql(lambda t: t.db.set_trace_callback(writes.append))
    for _ in range(20):
        await store.check()
    assert sum("INSERT OR REPLACE INTO health" in w for w in writes) == 1
