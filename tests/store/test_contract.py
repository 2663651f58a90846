"""The store contract: every implementation of ``server.store.Store`` passes the same suite.

``reopen(proc)`` opens a store (again) on the same data, as process ``proc``: the embedded store
on a folder of the test, ``RedisStore`` on a Redis started by the tests with a key prefix of the
test's own. Tests of several processes at once run on Redis only (the embedded store is one
process's by design).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import msgspec
import pytest

from server.core.matching import PlannedRoom, RoundPlan
from server.core.model import (
    AuditEntry,
    Clock,
    EventState,
    Feedback,
    HelpRequest,
    Inbound,
    LinkStats,
    Participant,
    Phase,
    Room,
    RoundRecord,
    Settings,
    TokenRef,
    Wish,
    wish_key,
)
from server.core.outcome import PARTICIPANTS, Message
from server.errors import Conflict, Fenced
from server.people.links import token_hash
from server.store import Change, EmbeddedStore, Note, Store
from tests.conftest import DATA_KEY
from tests.procs import eventually

Open = Callable[..., Awaitable[Store]]
STORES = ["embedded", "redis"]


class Ear:
    """A subscriber that records what the feed says."""

    def __init__(self) -> None:
        self.notes: list[Note] = []
        self.links: list[bool] = []
        self._heard = asyncio.Condition()

    async def on_note(self, note: Note) -> None:
        async with self._heard:
            self.notes.append(note)
            self._heard.notify_all()

    async def on_link(self, up: bool) -> None:
        self.links.append(up)

    async def wait(self, count: int, timeout: float = 10) -> list[Note]:
        async with asyncio.timeout(timeout), self._heard:
            await self._heard.wait_for(lambda: len(self.notes) >= count)
        return self.notes


@pytest.fixture(params=STORES)
async def reopen(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Open]:
    """Open a store (again) on the same data; every store opened is closed at the end."""
    kind = request.param
    opened: list[Store] = []

    async def _open(proc: str = "a", ear: Ear | None = None, timeout_ms: int = 5000) -> Store:
        store: Store
        if kind == "embedded":
            store = EmbeddedStore(tmp_path / "speedmeet.sqlite3", proc=proc)
        else:
            from server.store.redis import RedisStore

            url = request.getfixturevalue("redis_url")
            prefix = request.getfixturevalue("redis_prefix")
            store = RedisStore(
                url, proc=proc, prefix=prefix, presence_timeout_ms=timeout_ms, key=DATA_KEY
            )
        if ear is not None:
            store.subscribe(ear)
        await store.open()
        opened.append(store)
        return store

    _open.kind = kind  # type: ignore[attr-defined]
    yield _open
    for store in reversed(opened):
        await store.close()


@pytest.fixture
async def store(reopen: Open) -> Store:
    return await reopen()


def several(reopen: Open) -> None:
    if reopen.kind != "redis":  # type: ignore[attr-defined]
        pytest.skip("several processes share a store on Redis only")


def new_event(event_id: str = "ev1", created_at: int = 1000, people: int = 2) -> EventState:
    return EventState(
        id=event_id,
        settings=Settings(title=f"Event {event_id}", round_seconds=300, break_seconds=60, rounds=3),
        host_token_hash=token_hash(f"host-{event_id}"),
        moderator_token_hash=token_hash(f"mod-{event_id}"),
        created_at=created_at,
        clock=Clock(rounds=3),
        participants={
            f"p{i}": Participant(
                id=f"p{i}", name=f"Person {i}", token_hash=token_hash(f"tok-{event_id}-{i}")
            )
            for i in range(1, people + 1)
        },
    )


def bumped(state: EventState, **changes: Any) -> EventState:
    return msgspec.structs.replace(state, version=state.version + 1, **changes)


def rated(pid: str = "p1", rating: int = 4) -> Feedback:
    return Feedback(participant=pid, room="r1-1", rating=rating, at=5)


async def step(store: Store, state: EventState, **changes: Any) -> EventState:
    new = bumped(state, **changes)
    await store.commit(Change(base=state, state=new))
    return new


# --- the decided record --------------------------------------------------------------------


async def test_create_then_load(store: Store) -> None:
    state = new_event()
    assert await store.load("ev1") is None
    await store.create(state)
    assert await store.load("ev1") == state
    assert await store.event_ids() == ["ev1"]
    assert await store.live_ids() == ["ev1"]


async def test_create_twice_conflicts(store: Store) -> None:
    await store.create(new_event())
    with pytest.raises(Conflict):
        await store.create(new_event())


async def test_each_part_of_the_record_changes_on_its_own(store: Store) -> None:
    state = new_event(people=3)
    await store.create(state)
    state = await step(store, state, clock=Clock(rounds=3, opened=True))
    late = Participant(id="p10", name="Late", token_hash=token_hash("tok-late"))
    state = await step(store, state, participants={**state.participants, "p10": late})
    wishes = {wish_key("p1", "p2"): Wish(source="p1", target="p2", level="must")}
    state = await step(store, state, wishes=wishes)
    record = RoundRecord(
        round=1, started_at=7, rooms=(Room(id="r1-1", round=1, members=("p1", "p2")),)
    )
    state = await step(store, state, history=(record,))
    state = await step(store, state, wishes={})  # a wish withdrawn
    people = dict(state.participants)
    people["p2"] = msgspec.structs.replace(people["p2"], stopped=True)
    state = await step(store, state, participants=people)
    loaded = await store.load("ev1")
    assert loaded == state and loaded is not None
    assert list(loaded.participants) == ["p1", "p2", "p3", "p10"]  # registration order
    assert loaded.version == 6


async def test_a_person_removed_takes_their_link(store: Store) -> None:
    state = new_event(people=2)
    await store.create(state)
    assert await store.resolve("tok-ev1-2") is not None
    people = {k: v for k, v in state.participants.items() if k != "p2"}
    await step(store, state, participants=people)
    assert await store.resolve("tok-ev1-2") is None
    assert await store.resolve("tok-ev1-1") is not None
    loaded = await store.load("ev1")
    assert loaded is not None and list(loaded.participants) == ["p1"]


async def test_a_persons_link_is_kept_sealed(
    store: Store, reopen: Open, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """A participant's token is kept so that an e-mail can carry it again, sealed at rest like
    their address; a record of an earlier version has none (``""``: not recoverable)."""
    state = new_event(people=2)
    people = dict(state.participants)
    people["p1"] = msgspec.structs.replace(
        people["p1"],
        token="tok-ev1-1",
        email="kept.sealed@example.org",
        room_token="room-ev1-1",  # the link to their follow-up rooms alone, sealed as well
        room_token_hash=token_hash("room-ev1-1"),
    )
    state = msgspec.structs.replace(state, participants=people)
    await store.create(state)
    await store.close()
    reopened = await reopen()
    loaded = await reopened.load("ev1")
    assert loaded is not None
    assert loaded.participants["p1"].token == "tok-ev1-1"
    assert loaded.participants["p1"].room_token == "room-ev1-1"
    assert loaded.participants["p2"].token == ""  # made before tokens were kept
    ref = await reopened.resolve("room-ev1-1")
    assert ref is not None and (ref.role, ref.participant_id) == ("room", "p1")
    raw = await _raw(reopen, request, tmp_path)
    assert b"kept.sealed@example.org" not in raw and b"tok-ev1-1" not in raw
    assert b"room-ev1-1" not in raw
    assert token_hash("tok-ev1-1").encode() in raw  # what opens the page is there, hashed


def _in_files(folder: Path) -> bytes:
    return b"".join(f.read_bytes() for f in folder.rglob("speedmeet.sqlite3*"))


async def _raw(reopen: Open, request: pytest.FixtureRequest, tmp_path: Path) -> bytes:
    """Every byte the store keeps (the embedded store's files, or the test's Redis keys)."""
    if reopen.kind == "embedded":  # type: ignore[attr-defined]
        return _in_files(tmp_path)
    import redis.asyncio as aioredis

    client = aioredis.from_url(request.getfixturevalue("redis_url"))
    out: list[bytes] = []
    try:
        async for key in client.scan_iter(match=f"{request.getfixturevalue('redis_prefix')}*"):
            kind = (await client.type(key)).decode()
            if kind == "hash":
                out += [k + v for k, v in (await client.hgetall(key)).items()]
            elif kind == "string":
                out.append(await client.get(key) or b"")
            elif kind == "list":
                out += await client.lrange(key, 0, -1)
            elif kind == "set":
                out += list(await client.smembers(key))
    finally:
        await client.aclose()
    return b"\n".join(out)


async def test_delete_forgets_the_event_and_its_links(store: Store) -> None:
    keep, gone = new_event("keep"), new_event("gone", created_at=2000)
    await store.create(keep)
    await store.create(gone)
    await store.commit(Change(base=gone, state=None, entries=[rated()]))
    await store.connect("gone", "p1", "sid-1")
    await store.put_board("gone", {"rooms": [], "board_seq": 1})
    await store.add_connected("gone", {("r1-1", "p1", "p2"): 5000})
    await store.delete(gone)
    assert await store.board("gone") is None and await store.connected("gone") == {}
    assert await store.load("gone") is None
    assert await store.event_ids() == ["keep"] and await store.live_ids() == ["keep"]
    for token in ("host-gone", "mod-gone", "tok-gone-1"):
        assert await store.resolve(token) is None
    assert await store.entries("gone", "feedback") == []
    assert await store.online("gone") == frozenset()
    assert await store.resolve("tok-keep-1") is not None and await store.load("keep") == keep


# --- blobs: bytes beside the record ----------------------------------------------------------


async def test_blobs_live_beside_the_record(store: Store, reopen: Open) -> None:
    state = new_event(people=2)
    await store.create(state)
    photo = bytes(range(256)) * 200  # any bytes, NULs included
    assert await store.blob("ev1", "photo:p1:abc") is None
    await store.put_blob("ev1", "photo:p1:abc", photo)
    await store.put_blob("ev1", "photo:p2:def", b"\xff\xd8two")
    assert await store.blob("ev1", "photo:p1:abc") == photo
    # a blob is no part of the versioned record: writing one makes no new version
    loaded = await store.load("ev1")
    assert loaded is not None and loaded.version == state.version
    await store.put_blob("ev1", "photo:p1:abc", b"replaced")
    assert await store.blob("ev1", "photo:p1:abc") == b"replaced"
    await store.drop_blob("ev1", "photo:p1:abc")
    await store.drop_blob("ev1", "photo:p1:abc")  # twice: nothing to forget, no error
    assert await store.blob("ev1", "photo:p1:abc") is None
    assert await store.blob("other", "photo:p2:def") is None  # per event
    with pytest.raises(Conflict):
        await store.put_blob("nope", "photo:p1:x", b"no event to keep it for")
    await store.close()
    again = await reopen()
    assert await again.blob("ev1", "photo:p2:def") == b"\xff\xd8two"  # kept across a restart


async def test_deleting_an_event_forgets_its_blobs(store: Store) -> None:
    keep, gone = new_event("keep"), new_event("gone", created_at=2000)
    await store.create(keep)
    await store.create(gone)
    await store.put_blob("keep", "photo:p1:a", b"kept")
    await store.put_blob("gone", "photo:p1:a", b"forgotten")
    await store.delete(gone)
    assert await store.blob("gone", "photo:p1:a") is None
    assert await store.blob("keep", "photo:p1:a") == b"kept"


@pytest.mark.parametrize(
    ("base", "new"),
    [(0, 1), (1, 1), (1, 3), (9, 10)],
    ids=["stale", "same", "skipped", "far"],
)
async def test_commit_on_a_stale_or_skipped_version_conflicts(
    store: Store, base: int, new: int
) -> None:
    state = new_event()
    await store.create(state)
    current = await step(store, state)  # now at version 1
    read = msgspec.structs.replace(state, version=base)
    wrote = msgspec.structs.replace(state, version=new, clock=Clock(rounds=3, opened=True))
    with pytest.raises(Conflict):
        await store.commit(Change(base=read, state=wrote, entries=[rated()]))
    assert await store.load("ev1") == current
    assert await store.entries("ev1", "feedback") == []  # a refused commit appends nothing


async def test_two_writers_from_the_same_version_one_wins(store: Store) -> None:
    state = new_event()
    await store.create(state)
    first = bumped(state, clock=Clock(rounds=3, opened=True))
    second = bumped(state, clock=Clock(phase=Phase.ENDED, rounds=3))
    await store.commit(Change(base=state, state=first))
    with pytest.raises(Conflict):
        await store.commit(Change(base=state, state=second))
    assert await store.load("ev1") == first


async def test_commit_to_an_unknown_event_conflicts(store: Store) -> None:
    ghost = new_event("nope")
    with pytest.raises(Conflict):
        await store.commit(Change(base=ghost, state=bumped(ghost)))


async def test_events_oldest_first_and_ended_ones_are_not_live(store: Store) -> None:
    for event_id, created in (("b", 1), ("a", 2), ("c", 3)):
        await store.create(new_event(event_id, created_at=created))
    assert await store.event_ids() == ["b", "a", "c"]
    a = await store.load("a")
    assert a is not None
    await step(store, a, clock=Clock(phase=Phase.ENDED, rounds=3))
    assert await store.live_ids() == ["b", "c"]
    assert await store.event_ids() == ["b", "a", "c"]


async def test_events_found_by_when_their_retention_counts_from(store: Store, reopen: Open) -> None:
    """``ended_between``: by the end of an event, or the announced start of one that has not
    ended; followed through a new start time, the end, a deletion and a reopening."""
    plain = new_event("plain")  # no start time, not ended: kept until deleted
    dated = new_event("dated")
    dated = msgspec.structs.replace(
        dated, settings=msgspec.structs.replace(dated.settings, starts_at=5_000)
    )
    await store.create(plain)
    await store.create(dated)
    assert await store.ended_between(0, 10_000) == ["dated"]
    later = msgspec.structs.replace(dated.settings, starts_at=50_000)
    dated = await step(store, dated, settings=later)
    assert await store.ended_between(0, 10_000) == []
    assert await store.ended_between(40_000, 60_000) == ["dated"]
    plain = await step(store, plain, clock=Clock(phase=Phase.ENDED, rounds=3, ended_at=20_000))
    assert await store.ended_between(0, 60_000) == ["plain", "dated"]
    await store.close()
    again = await reopen()
    assert await again.ended_between(15_000, 25_000) == ["plain"]
    await again.delete(plain)
    assert await again.ended_between(0, 60_000) == ["dated"]


async def test_the_highest_id_given_is_kept(store: Store, reopen: Open) -> None:
    """What keeps an id from being given twice survives a reopening."""
    state = new_event()
    await store.create(state)
    await step(store, state, people_made=7)
    await store.close()
    again = await reopen()
    loaded = await again.load("ev1")
    assert loaded is not None and loaded.people_made == 7


async def test_tokens_resolve(store: Store) -> None:
    await store.create(new_event("ev1"))
    await store.create(new_event("ev2"))
    assert await store.resolve("host-ev1") == TokenRef(event_id="ev1", role="host")
    assert await store.resolve("mod-ev2") == TokenRef(event_id="ev2", role="moderator")
    assert await store.resolve("tok-ev1-2") == TokenRef(
        event_id="ev1", role="participant", participant_id="p2"
    )
    for wrong in ("nope", "", "été", "\udcff", "x" * 10_000):
        assert await store.resolve(wrong) is None


async def test_tokens_of_people_registered_later_resolve(store: Store) -> None:
    state = new_event(people=1)
    await store.create(state)
    late = Participant(id="p9", name="Late", token_hash=token_hash("tok-late"))
    await step(store, state, participants={**state.participants, "p9": late})
    assert await store.resolve("tok-late") == TokenRef(
        event_id="ev1", role="participant", participant_id="p9"
    )
    assert await store.resolve("tok-ev1-1") is not None


# --- append-only logs ----------------------------------------------------------------------


async def test_logs_grow_without_a_new_version(store: Store) -> None:
    state = new_event()
    await store.create(state)
    first, second = rated("p1", 3), rated("p2", 5)
    await store.commit(Change(base=state, state=None, entries=[first]))
    await store.commit(Change(base=state, state=None, entries=[second]))  # base may be old
    loaded = await store.load("ev1")
    assert loaded is not None and loaded.version == 0
    assert await store.entries("ev1", "feedback") == [first, second]
    assert await store.entries("ev1", "feedback", 1) == [second]
    assert await store.entries("ev1", "feedback", 5) == []
    assert await store.entries("ev1", "help") == []


async def test_entries_go_to_their_logs_with_the_change(store: Store) -> None:
    state = new_event()
    await store.create(state)
    audit = AuditEntry(at=1, actor="host", action="open")
    asked = HelpRequest(participant="p1", room=None, text="hello", at=2)
    new = bumped(state, clock=Clock(rounds=3, opened=True))
    await store.commit(Change(base=state, state=new, entries=[audit, asked, rated()]))
    assert await store.entries("ev1", "audit") == [audit]
    assert await store.entries("ev1", "help") == [asked]
    assert await store.entries("ev1", "feedback") == [rated()]
    assert await store.entries("ev1", "notices") == []


# --- transient data ------------------------------------------------------------------------


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


async def test_one_page_of_a_person_is_in_charge(store: Store) -> None:
    """The first page is in charge; a second is not, unless it takes over; a reload of the
    page in charge (the same tab, a new socket, the old one half-open) still is; when the page
    in charge has no socket left, another one is handed charge."""
    await store.create(new_event())
    await store.connect("ev1", "p1", "s1", "tab-a")
    first = (await store.claim_page("ev1", "p1", "tab-a", False, 1000))[0]
    assert (first.holder, first.tabs, first.switched_at) == ("tab-a", 1, None)
    await store.connect("ev1", "p1", "s2", "tab-b")  # the same link in another tab
    second = (await store.claim_page("ev1", "p1", "tab-b", False, 2000))[0]
    assert (second.holder, second.tabs) == ("tab-a", 2)  # held back
    await store.connect("ev1", "p1", "s3", "tab-a")  # tab a reloads: its old socket still open
    again = (await store.claim_page("ev1", "p1", "tab-a", False, 3000))[0]
    assert (again.holder, again.tabs, again.switched_at) == ("tab-a", 2, None)
    taken, changed = await store.claim_page("ev1", "p1", "tab-b", True, 4000)  # "continue here"
    assert changed
    assert (taken.holder, taken.before, taken.switched_at) == ("tab-b", "tab-a", 4000)
    assert (await store.pages("ev1"))["p1"] == taken
    back = (await store.claim_page("ev1", "p1", "tab-a", True, 5000))[0]  # and back
    assert (back.holder, back.before) == ("tab-a", "tab-b")
    # tab a closes (both its sockets): tab b is handed charge, no switch (nobody was left)
    assert await store.disconnect("ev1", "p1", "s1", "tab-a") is False
    assert await store.disconnect("ev1", "p1", "s3", "tab-a") is False
    handed = (await store.claim_page("ev1", "p1", None, False, 6000))[0]
    assert (handed.holder, handed.before, handed.tabs) == ("tab-b", "tab-a", 1)
    assert handed.switched_at == 5000
    # a page with no socket is never put in charge, even when it asks
    ghost, changed = await store.claim_page("ev1", "p1", "tab-z", True, 7000)
    assert ghost.holder == "tab-b" and not changed
    assert await store.disconnect("ev1", "p1", "s2", "tab-x") is False  # not its page
    assert await store.disconnect("ev1", "p1", "s2", "tab-b") is True
    nobody = (await store.claim_page("ev1", "p1", None, False, 8000))[0]
    assert (nobody.holder, nobody.tabs) == ("tab-b", 0)
    # the next page to come is in charge at once
    await store.connect("ev1", "p1", "s4", "tab-c")
    fresh = (await store.claim_page("ev1", "p1", "tab-c", False, 9000))[0]
    assert (fresh.holder, fresh.before, fresh.switched_at) == ("tab-c", "tab-b", 5000)
    assert (await store.pages("ev2")) == {}


async def test_presence_is_per_event(store: Store) -> None:
    await store.create(new_event("ev1"))
    await store.create(new_event("ev2"))
    await store.connect("ev1", "p1", "sid-a")
    assert await store.connect("ev2", "p1", "sid-b") is True
    assert await store.online("ev1") == {"p1"}
    assert await store.disconnect("ev2", "p1", "sid-b") is True
    assert await store.online("ev1") == {"p1"}
    assert await store.online("ev2") == frozenset()


async def test_presence_and_stats_mark_the_event_touched(store: Store) -> None:
    await store.create(new_event())
    await store.take_touched("ev1")
    assert await store.take_touched("ev1") is False
    await store.connect("ev1", "p1", "sid-a")
    assert await store.take_touched("ev1") is True
    assert await store.take_touched("ev1") is False
    await store.put_stats("ev1", "p1", LinkStats(ice="connected", at=1))
    assert await store.take_touched("ev1") is True


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


async def test_media_health_of_a_report_is_kept_and_read_per_person(store: Store) -> None:
    await store.create(new_event("ev1"))
    health = LinkStats(
        room="r1-1",
        ice="connected",
        camera="blocked",
        mic="on",
        inbound=(Inbound(source="p2", audio_ms=0, video_ms=12_000),),
        at=5,
    )
    await store.put_stats("ev1", "p1", health)
    await store.put_stats("ev1", "p3", LinkStats(ice="new", at=6))
    assert await store.peer_stats("ev1", ["p1", "p2"]) == {"p1": health}
    assert await store.peer_stats("ev1", []) == {}
    assert (await store.stats("ev1"))["p1"] == health


async def test_the_board_last_sent_is_kept_per_event(store: Store) -> None:
    await store.create(new_event("ev1"))
    await store.create(new_event("ev2"))
    assert await store.board("ev1") is None
    board: dict[str, object] = {"rooms": [{"id": "r1-1", "flags": ["alone"]}], "board_seq": 7}
    await store.put_board("ev1", board)
    await store.put_board("ev1", {**board, "board_seq": 8})
    assert await store.board("ev1") == {**board, "board_seq": 8}
    assert await store.board("ev2") is None


async def test_connected_call_time_adds_up_and_is_kept(store: Store, reopen: Open) -> None:
    await store.create(new_event("ev1"))
    await store.create(new_event("ev2"))
    assert await store.connected("ev1") == {}
    await store.add_connected("ev1", {("r1-1", "p1", "p2"): 5000, ("r1-1", "p2", "p1"): 4000})
    await store.add_connected("ev1", {("r1-1", "p1", "p2"): 5000})
    await store.add_connected("ev1", {})
    # ids are not trusted to be free of separators: keys come back as they went in
    await store.add_connected("ev2", {("r|1", "p,1", 'p"2'): 1})
    expected = {("r1-1", "p1", "p2"): 10_000, ("r1-1", "p2", "p1"): 4000}
    assert await store.connected("ev1") == expected
    assert await store.connected("ev2") == {("r|1", "p,1", 'p"2'): 1}
    await store.close()
    again = await reopen()
    assert await again.connected("ev1") == expected


async def test_previews_keep_each_persons_latest(store: Store) -> None:
    await store.create(new_event())
    assert await store.preview("ev1", "p1") is None
    await store.put_previews("ev1", {"p1": {"round": 1, "peers": []}, "p2": {"round": 1}})
    await store.put_previews("ev1", {"p1": {"round": 2, "peers": [{"id": "p2"}]}})
    assert await store.preview("ev1", "p1") == {"round": 2, "peers": [{"id": "p2"}]}
    assert await store.preview("ev1", "p2") == {"round": 1}


async def test_the_next_rounds_plan_is_kept_with_its_key(store: Store) -> None:
    await store.create(new_event())
    assert await store.plan("ev1") is None
    plan = RoundPlan(rooms=(PlannedRoom(members=("p1", "p2"), reason="wish"),), waiting=())
    await store.put_plan("ev1", "0:abc", plan)
    await store.put_plan("ev1", "1:def", plan)  # the latest replaces it
    assert await store.plan("ev1") == ("1:def", plan)


# --- leases and the feed, one process ------------------------------------------------------


async def test_a_lease_is_renewed_with_the_same_fence(store: Store) -> None:
    state = new_event()
    await store.create(state)
    fence = await store.lease("ev1", 5000)
    assert fence is not None and fence >= 1
    assert await store.lease("ev1", 5000) == fence
    await store.commit(Change(base=state, state=bumped(state), fence=fence))  # the holder's
    await store.release("ev1")


async def test_the_feed_hears_commits_in_order(reopen: Open) -> None:
    ear = Ear()
    store = await reopen(ear=ear)
    state = new_event()
    await store.create(state)
    hello = Message(PARTICIPANTS, "notice", {"text": "hi"})
    v1 = bumped(state, clock=Clock(rounds=3, opened=True))
    await store.commit(
        Change(base=state, state=v1, note=Note(event_id="ev1", version=1, changed=True))
    )
    await store.commit(Change(base=v1, state=None, entries=[rated()]))  # no note: unheard
    await store.publish(Note(event_id="ev1", version=1, messages=[hello]))
    first, second = await ear.wait(2)
    assert (first.version, first.changed) == (1, True)
    assert second.messages == [hello] and second.changed is False


async def test_reopening_gets_the_same_events_back(store: Store, reopen: Open) -> None:
    a = new_event("a", created_at=5)
    b = new_event("b", created_at=7, people=3)
    await store.create(a)
    await store.create(b)
    a1 = bumped(a, clock=Clock(phase=Phase.ROUND, round=1, rounds=3, ends_at=123_456, opened=True))
    await store.commit(Change(base=a, state=a1, entries=[rated()]))
    await store.close()

    again = await reopen()
    assert await again.event_ids() == ["a", "b"]
    assert await again.load("a") == a1
    assert await again.load("b") == b
    assert await again.entries("a", "feedback") == [rated()]
    assert await again.resolve("tok-b-3") == TokenRef(
        event_id="b", role="participant", participant_id="p3"
    )
    assert await again.resolve("host-a") == TokenRef(event_id="a", role="host")
    # versioning carries on where it stopped
    with pytest.raises(Conflict):
        await again.commit(Change(base=a, state=bumped(a)))
    await again.commit(Change(base=a1, state=bumped(a1)))
    loaded = await again.load("a")
    assert loaded is not None and loaded.version == 2


# --- several processes on one store (Redis) ------------------------------------------------


async def test_a_change_by_one_process_is_seen_and_heard_by_another(reopen: Open) -> None:
    several(reopen)
    ear = Ear()
    a, b = await reopen("a"), await reopen("b", ear=ear)
    state = new_event()
    await a.create(state)
    assert await b.load("ev1") == state
    v1 = bumped(state, clock=Clock(rounds=3, opened=True))
    await a.commit(Change(base=state, state=v1, note=Note(event_id="ev1", version=1, changed=True)))
    assert await b.load("ev1") == v1  # not the version b had cached
    (note,) = await ear.wait(1)
    assert note.version == 1
    with pytest.raises(Conflict):  # b's stale view loses
        await b.commit(Change(base=state, state=bumped(state)))


async def test_a_commit_sent_again_applies_once(reopen: Open) -> None:
    several(reopen)
    store = await reopen()
    state = new_event()
    await store.create(state)
    change = Change(base=state, state=bumped(state), entries=[rated()])
    await store.commit(change)
    await store.commit(change)  # the reply was lost: sent again with the same id
    loaded = await store.load("ev1")
    assert loaded is not None and loaded.version == 1
    assert await store.entries("ev1", "feedback") == [rated()]


async def test_one_lease_holder_at_a_time_with_growing_fences(reopen: Open) -> None:
    several(reopen)
    a, b = await reopen("a"), await reopen("b")
    await a.create(new_event())
    first = await a.lease("ev1", 60_000)
    assert first is not None
    assert await b.lease("ev1", 60_000) is None  # a holds it
    await b.release("ev1")  # not b's to give up
    assert await a.lease("ev1", 60_000) == first
    await a.release("ev1")
    second = await b.lease("ev1", 60_000)
    assert second is not None and second > first


async def test_a_former_lease_holder_cannot_commit(reopen: Open) -> None:
    several(reopen)
    a, b = await reopen("a"), await reopen("b")
    state = new_event()
    await a.create(state)
    old = await a.lease("ev1", 60_000)
    assert old is not None
    await a.commit(Change(base=state, state=None, entries=[rated()], fence=old))  # still a's
    await a.release("ev1")  # a pauses for long; b runs the event now
    new = await b.lease("ev1", 60_000)
    assert new is not None and new > old
    late = Change(base=state, state=bumped(state, clock=Clock(rounds=3, opened=True)), fence=old)
    with pytest.raises(Fenced):
        await a.commit(late)
    assert await b.load("ev1") == state  # nothing of it was written
    await b.commit(Change(base=state, state=bumped(state), fence=new))
    loaded = await b.load("ev1")
    assert loaded is not None and loaded.version == 1


async def test_a_lease_that_is_not_renewed_runs_out(reopen: Open) -> None:
    several(reopen)
    a, b = await reopen("a"), await reopen("b")
    await a.create(new_event())
    first = await a.lease("ev1", 150)
    assert first is not None
    taken = await eventually(lambda: b.lease("ev1", 60_000))
    assert taken > first
    assert await a.lease("ev1", 60_000) is None


async def test_a_silent_process_is_swept_and_its_people_go_offline(reopen: Open) -> None:
    several(reopen)
    a = await reopen("a", timeout_ms=300)
    b = await reopen("b", timeout_ms=300)
    await a.create(new_event())
    assert await a.heartbeat() and await b.heartbeat()
    await a.connect("ev1", "p1", "sid-a")
    await a.connect("ev1", "p2", "sid-a2")
    await b.connect("ev1", "p2", "sid-b")  # p2 has a tab on each process
    assert await b.online("ev1") == {"p1", "p2"}
    assert (await b.sweep()).people == []  # everyone beats
    # a stops beating (it hangs, or its machine is gone); b keeps on

    async def swept() -> list[tuple[str, str]]:
        assert await b.heartbeat()
        return (await b.sweep()).people

    gone = await eventually(swept)
    assert gone == [("ev1", "p1")]  # p2 is still here through b
    assert await b.online("ev1") == {"p2"}
    assert (await b.sweep()).people == []
    # a comes back to life: it learns it was given up and records its sockets again
    assert await a.heartbeat() is False
    assert await a.connect("ev1", "p1", "sid-a") is True
    assert await a.heartbeat() is True


async def test_moderator_pages_are_numbered_once_in_an_event(reopen: Open) -> None:
    """The lowest number no other page of the event holds, on any process: on main each
    process numbered its own pages (two workers could each show "Moderator 1")."""
    a = await reopen("a", timeout_ms=60_000)
    await a.create(new_event())
    await a.create(new_event("ev2"))
    assert await a.staff_join("ev1", "m-1") == 1
    assert await a.staff_join("ev1", "m-1") == 1  # sent again: the same number
    assert await a.staff_join("ev2", "m-9") == 1  # another event: numbered on its own
    assert await a.staff_join("ev1", "m-2") == 2
    await a.staff_leave("ev1", "m-1")
    assert await a.staff_join("ev1", "m-3") == 1  # the lowest free
    if reopen.kind != "redis":  # type: ignore[attr-defined]
        return
    b = await reopen("b", timeout_ms=60_000)
    assert await b.staff_join("ev1", "m-4") == 3  # another process, the same event
    await b.heartbeat()
    await b.close()  # gone: its pages' numbers are free, and swept as pages gone
    swept = await a.sweep()
    assert swept.staff == [("ev1", "m-4")]
    assert await a.staff_join("ev1", "m-5") == 3


async def test_the_processes_alive_are_those_that_beat(reopen: Open) -> None:
    a = await reopen("a", timeout_ms=60_000)
    await a.heartbeat()
    assert await a.alive() == {"a"}
    if reopen.kind != "redis":  # type: ignore[attr-defined]
        return  # one process: itself
    b = await reopen("b", timeout_ms=60_000)
    assert await a.alive() == {"a"}  # b has not beaten yet
    await b.heartbeat()
    assert await a.alive() == {"a", "b"}
    await b.close()  # says it is gone
    assert await a.alive() == {"a"}


async def test_the_sockets_of_a_person_elsewhere(reopen: Open) -> None:
    """What a process counts of a person's pages on the others (a link opens only a few)."""
    a = await reopen("a", timeout_ms=60_000)
    await a.create(new_event())
    await a.connect("ev1", "p1", "sid-a", "tab-1")
    assert await a.elsewhere("ev1", "p1") == []  # its own are not elsewhere
    if reopen.kind != "redis":  # type: ignore[attr-defined]
        return  # one process
    b = await reopen("b", timeout_ms=60_000)
    await b.connect("ev1", "p1", "sid-b", "tab-2")
    await b.connect("ev1", "p1", "sid-b2")  # a client that names no page
    await b.connect("ev1", "p2", "sid-b3", "tab-3")  # someone else
    assert await a.elsewhere("ev1", "p1") == [("sid-b", "tab-2"), ("sid-b2", "")]
    assert await b.elsewhere("ev1", "p1") == [("sid-a", "tab-1")]
    await b.disconnect("ev1", "p1", "sid-b", "tab-2")
    assert await a.elsewhere("ev1", "p1") == [("sid-b2", "")]


async def test_a_process_that_closes_is_swept_at_once(reopen: Open) -> None:
    several(reopen)
    a = await reopen("a", timeout_ms=60_000)
    b = await reopen("b", timeout_ms=60_000)
    await a.create(new_event())
    await a.heartbeat()
    await a.connect("ev1", "p1", "sid-a")
    await a.close()
    assert (await b.sweep()).people == [("ev1", "p1")]


# --- forgetting: nothing personal left, the figures kept -------------------------------------


def personal_event(event_id: str, who: str, tag: str = "") -> EventState:
    """An event whose people carry data found nowhere else: ``who`` in every text (and their
    tag, unless given)."""
    state = new_event(event_id, people=2)
    people = {
        pid: msgspec.structs.replace(
            p,
            name=f"Ségolène {who} {pid}",
            organization=f"Mairie de {who}",
            email=f"{who.lower()}.{pid}@example.org",
            pitch=f"Le projet de {who}",
            website=f"https://{who.lower()}.example",
            tags=(tag or f"tag{who}",),
        )
        for pid, p in state.participants.items()
    }
    return msgspec.structs.replace(state, participants=people)


def files_of(folder: Path) -> bytes:
    """Every byte of the files of a folder (the data file, its write-ahead log)."""
    return b"".join(p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file())


async def raw_contents(kind: str, request: pytest.FixtureRequest, folder: Path) -> bytes:
    """Every byte the store keeps: the embedded store's files; every key and value under the
    test's Redis prefix."""
    if kind == "embedded":
        return files_of(folder)
    import redis.asyncio as aioredis

    r = aioredis.from_url(request.getfixturevalue("redis_url"))
    out: list[bytes] = []
    try:
        async for key in r.scan_iter(match=f"{request.getfixturevalue('redis_prefix')}*"):
            out.append(key)
            kind_of = (await r.type(key)).decode()
            if kind_of == "string":
                out.append(await r.get(key) or b"")
            elif kind_of == "hash":
                for k, v in (await r.hgetall(key)).items():
                    out += [k, v]
            elif kind_of == "list":
                out += await r.lrange(key, 0, -1)
            elif kind_of == "set":
                out += list(await r.smembers(key))
            elif kind_of == "zset":
                out += [m for m, _ in await r.zrange(key, 0, -1, withscores=True)]
            else:
                out += [repr(await r.dump(key)).encode()]
    finally:
        await r.aclose()
    return b"\n".join(out)


async def test_deleting_an_event_leaves_nothing_personal_in_the_store(
    store: Store, reopen: Open, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    keep, gone = personal_event("keep", "Gardé"), personal_event("gone", "Oublié")
    for state in (keep, gone):
        await store.create(state)
        await store.commit(
            Change(
                base=state,
                state=None,
                entries=[
                    Feedback(participant="p1", room="r1-1", rating=4, note=f"note {state.id} 9f3"),
                    HelpRequest(participant="p2", room="r1-1", text=f"aide {state.id} 7c1", at=5),
                ],
            )
        )
        await store.put_blob(state.id, "photo:p1:abc", f"JPEG {state.id} a6e".encode())
        await store.put_stats(state.id, "p1", LinkStats(room="r1-1", ice="connected", at=5))
    # (rows updated then deleted must not linger either: a person renamed before the end)
    renamed = {**gone.participants}
    renamed["p1"] = msgspec.structs.replace(renamed["p1"], name="Ségolène Oublié renamed")
    gone2 = bumped(gone, participants=renamed)
    await store.commit(Change(base=gone, state=gone2))
    await store.delete(gone2, keep=b'{"totals": {"held": 1}}')
    await store.close()
    store = await reopen()
    raw = await raw_contents(reopen.kind, request, tmp_path)  # type: ignore[attr-defined]
    # the search finds what is kept: it would find what should not be
    for found in ("Ségolène Gardé p1", "Mairie de Gardé", "note keep 9f3", "aide keep 7c1"):
        assert found.encode() in raw, found
    assert b"JPEG keep a6e" in raw
    for person in gone.participants.values():
        for value in (person.name, person.organization, person.email, person.pitch, person.website):
            assert value.encode() not in raw, value
    for gone_text in ("Oublié", "note gone 9f3", "aide gone 7c1", "JPEG gone a6e", "tagOublié"):
        assert gone_text.encode() not in raw, gone_text
    # what was asked to be kept is, under the event's id
    assert await store.archived("gone") == b'{"totals": {"held": 1}}'
    assert await store.archived_ids() == ["gone"] and await store.archived("keep") is None
    assert await store.load("gone") is None and await store.load("keep") is not None


async def test_delete_without_keep_archives_nothing(store: Store) -> None:
    state = new_event("ev1")
    await store.create(state)
    await store.delete(state)
    assert await store.archived("ev1") is None and await store.archived_ids() == []
