"""A data file of the first version (one JSON body per event) opens with nothing lost."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import msgspec

from server.core.model import (
    AuditEntry,
    Clock,
    Feedback,
    HelpRequest,
    Notice,
    Phase,
    Room,
    RoundRecord,
    Settings,
    TokenRef,
    Wish,
)
from server.store import EmbeddedStore
from server.store.legacy import _Legacy, _Person


def first_version_file(path: Path) -> _Legacy:
    old = _Legacy(
        id="old1",
        settings=Settings(title="Before the split", round_seconds=300, break_seconds=60, rounds=2),
        host_token="host-old",
        moderator_token="mod-old",
        created_at=5,
        version=9,
        clock=Clock(phase=Phase.BREAK, round=1, rounds=2, ends_at=99, opened=True),
        participants={
            "p1": _Person(id="p1", name="Claire", token="tok-1", side="commune"),
            "p2": _Person(id="p2", name="Léa", token="tok-2", side="solution"),
        },
        wishes=[
            Wish(source="p1", target="p2", level="like"),
            Wish(source="p1", target="p2", level="must"),  # the later one wins
        ],
        history=[
            RoundRecord(
                round=1, started_at=7, rooms=(Room(id="r1-1", round=1, members=("p1", "p2")),)
            )
        ],
        feedback=[Feedback(participant="p1", room="r1-1", rating=5, note="great", at=8)],
        help=[HelpRequest(participant="p2", room="r1-1", text="no sound", at=8)],
        notices=[AuditEntry(at=6, actor="host", action="notice", detail="Coffee")],
        audit=[AuditEntry(at=1, actor="host", action="start")],
    )
    db = sqlite3.connect(path)
    db.execute(
        "CREATE TABLE events (id TEXT PRIMARY KEY, version INTEGER NOT NULL,"
        " created_at INTEGER NOT NULL, body BLOB NOT NULL)"
    )
    db.execute("INSERT INTO events VALUES (?, ?, ?, ?)", ("old1", 9, 5, msgspec.json.encode(old)))
    db.commit()
    db.close()
    return old


async def test_a_first_version_file_is_moved_to_the_new_layout(tmp_path: Path) -> None:
    path = tmp_path / "speedmeet.sqlite3"
    old = first_version_file(path)
    for _ in range(2):  # moved once; the second opening finds the new layout
        store = EmbeddedStore(path)
        await store.open()
        try:
            state = await store.load("old1")
            assert state is not None
            assert (state.version, state.clock, state.history) == (9, old.clock, tuple(old.history))
            assert list(state.participants) == ["p1", "p2"]
            # the first version kept tokens in clear: kept now (sealed), e-mails carry them
            assert [p.token for p in state.participants.values()] == ["tok-1", "tok-2"]
            assert [w.level for w in state.wishes.values()] == ["must"]
            assert await store.entries("old1", "feedback") == old.feedback
            assert await store.entries("old1", "help") == old.help
            assert await store.entries("old1", "audit") == old.audit
            assert await store.entries("old1", "notices") == [
                Notice(text="Coffee", at=6, actor="host")
            ]
            assert await store.resolve("tok-2") == TokenRef(
                event_id="old1", role="participant", participant_id="p2"
            )
            assert await store.resolve("host-old") == TokenRef(event_id="old1", role="host")
        finally:
            await store.close()
    db = sqlite3.connect(path)
    tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    db.close()
    assert "events_v1" in tables and "events" not in tables  # the old table is kept aside
