"""Data files of the first version (one JSON body per event, its logs inside) read as today's
records and log entries, for the embedded store to write in its own layout."""

from __future__ import annotations

import sqlite3

import msgspec

from ..core.model import (
    AuditEntry,
    Clock,
    Entry,
    EventState,
    Feedback,
    HelpRequest,
    Notice,
    Participant,
    RoundRecord,
    Settings,
    Wish,
    wish_key,
)
from ..people.links import token_hash

TABLE = "events"  # the first version's table; renamed events_v1 once moved


class _Person(msgspec.Struct, kw_only=True):
    """A participant as the first version stored them, with their link's token in clear."""

    id: str
    name: str
    token: str
    organization: str = ""
    side: str = ""
    email: str = ""
    stopped: bool = False


class _Legacy(msgspec.Struct, kw_only=True):
    """An event as the first version stored it: everything in one record."""

    id: str
    settings: Settings
    host_token: str
    moderator_token: str
    created_at: int
    registration_token: str = ""
    version: int = 0
    clock: Clock = Clock()
    participants: dict[str, _Person] = msgspec.field(default_factory=dict)
    wishes: list[Wish] = msgspec.field(default_factory=list)
    history: list[RoundRecord] = msgspec.field(default_factory=list)
    feedback: list[Feedback] = msgspec.field(default_factory=list)
    help: list[HelpRequest] = msgspec.field(default_factory=list)
    notices: list[AuditEntry] = msgspec.field(default_factory=list)
    audit: list[AuditEntry] = msgspec.field(default_factory=list)


_decode = msgspec.json.Decoder(_Legacy)


def found(db: sqlite3.Connection) -> bool:
    """Whether the file still has the first version's table."""
    row = db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name = ?", (TABLE,)
    ).fetchone()
    return row is not None


def read(db: sqlite3.Connection) -> list[tuple[EventState, list[Entry]]]:
    """Every event of the first version's table, as a record and its log entries."""
    return [split(_decode.decode(body)) for (body,) in db.execute(f"SELECT body FROM {TABLE}")]


def split(e: _Legacy) -> tuple[EventState, list[Entry]]:
    """One old event: what decides, and what only grows."""
    state = EventState(
        id=e.id,
        settings=e.settings,
        host_token_hash=token_hash(e.host_token),  # the first version kept the tokens in clear
        moderator_token_hash=token_hash(e.moderator_token),
        created_at=e.created_at,
        registration_token_hash=token_hash(e.registration_token) if e.registration_token else "",
        version=e.version,
        clock=e.clock,
        participants={
            pid: Participant(
                id=p.id,
                name=p.name,
                token_hash=token_hash(p.token),
                token=p.token,  # kept (sealed) so that an e-mail can carry it
                organization=p.organization,
                side=p.side,
                email=p.email,
                stopped=p.stopped,
            )
            for pid, p in e.participants.items()
        },
        wishes={wish_key(w.source, w.target): w for w in e.wishes},  # the last one wins
        history=tuple(e.history),
    )
    notices = [Notice(text=n.detail, at=n.at, actor=n.actor) for n in e.notices]
    return state, [*e.feedback, *e.help, *notices, *e.audit]


def retire(db: sqlite3.Connection) -> None:
    """Keep the old table under another name once its events are moved."""
    db.execute(f"ALTER TABLE {TABLE} RENAME TO {TABLE}_v1")
