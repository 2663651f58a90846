"""Data files of the first version (one JSON body per event, logs inside) move to the new layout."""

from __future__ import annotations

import sqlite3

import msgspec

from ..model import (
    AuditEntry,
    Clock,
    Entry,
    Feedback,
    HelpRequest,
    Notice,
    Participant,
    RoundRecord,
    Settings,
    Wish,
    wish_key,
)
from .parts import Meta, encode, token_hash


class _Legacy(msgspec.Struct, kw_only=True):
    id: str
    settings: Settings
    host_token: str
    moderator_token: str
    created_at: int
    registration_token: str = ""
    version: int = 0
    clock: Clock = Clock()
    participants: dict[str, Participant] = msgspec.field(default_factory=dict)
    wishes: list[Wish] = msgspec.field(default_factory=list)
    history: list[RoundRecord] = msgspec.field(default_factory=list)
    feedback: list[Feedback] = msgspec.field(default_factory=list)
    help: list[HelpRequest] = msgspec.field(default_factory=list)
    notices: list[AuditEntry] = msgspec.field(default_factory=list)
    audit: list[AuditEntry] = msgspec.field(default_factory=list)


_decode = msgspec.json.Decoder(_Legacy)


def migrate(db: sqlite3.Connection) -> int:
    """Move every event of a first-version ``events`` table to the new tables (once).

    The old table is renamed ``events_v1`` and kept. Returns how many events moved.
    """
    old = db.execute(
        "SELECT name FROM sqlite_master WHERE type='table' AND name='events'"
    ).fetchone()
    if old is None:
        return 0
    rows = db.execute("SELECT body FROM events").fetchall()
    db.execute("BEGIN IMMEDIATE")
    try:
        for (body,) in rows:
            _move(db, _decode.decode(body))
        db.execute("ALTER TABLE events RENAME TO events_v1")
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise
    return len(rows)


def _move(db: sqlite3.Connection, e: _Legacy) -> None:
    meta = Meta(
        id=e.id,
        settings=e.settings,
        host_token=e.host_token,
        moderator_token=e.moderator_token,
        created_at=e.created_at,
        registration_token=e.registration_token,
    )
    live = int(e.clock.phase.value != "ended")
    db.execute(
        "INSERT INTO event (id, version, created_at, live, meta, clock) VALUES (?, ?, ?, ?, ?, ?)",
        (e.id, e.version, e.created_at, live, encode(meta), encode(e.clock)),
    )
    db.executemany(
        "INSERT INTO person (event, id, body) VALUES (?, ?, ?)",
        [(e.id, p.id, encode(p)) for p in e.participants.values()],
    )
    latest = {wish_key(w.source, w.target): w for w in e.wishes}
    db.executemany(
        "INSERT INTO wish (event, key, body) VALUES (?, ?, ?)",
        [(e.id, k, encode(w)) for k, w in latest.items()],
    )
    db.executemany(
        "INSERT INTO round (event, number, body) VALUES (?, ?, ?)",
        [(e.id, r.round, encode(r)) for r in e.history],
    )
    logs: list[tuple[str, Entry]] = [
        *(("feedback", f) for f in e.feedback),
        *(("help", h) for h in e.help),
        *(("notices", Notice(text=n.detail, at=n.at, actor=n.actor)) for n in e.notices),
        *(("audit", a) for a in e.audit),
    ]
    db.executemany(
        "INSERT INTO entry (event, log, body) VALUES (?, ?, ?)",
        [(e.id, log, encode(entry)) for log, entry in logs],
    )
    refs = [
        (token_hash(e.host_token), {"event_id": e.id, "role": "host"}),
        (token_hash(e.moderator_token), {"event_id": e.id, "role": "moderator"}),
        *(
            (token_hash(p.token), {"event_id": e.id, "role": "participant", "participant_id": p.id})
            for p in e.participants.values()
        ),
    ]
    db.executemany(
        "INSERT OR REPLACE INTO token (hash, ref) VALUES (?, ?)",
        [(h, encode(ref)) for h, ref in refs],
    )
