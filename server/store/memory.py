"""The embedded store: events in process, written through to a SQLite file; presence in memory."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from ..errors import Conflict
from ..model import EventState, LinkStats, TokenRef
from .base import decode, encode, tokens_of

_SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    id TEXT PRIMARY KEY,
    version INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    body BLOB NOT NULL
)
"""


class MemoryStore:
    """One process, no server to run; a restart reloads every event from ``path``.

    ``path=None`` keeps nothing on disk (tests of the pure behaviour).
    """

    def __init__(self, path: str | Path | None) -> None:
        self._path = Path(path) if path is not None else None
        self._db: sqlite3.Connection | None = None
        self._events: dict[str, EventState] = {}
        self._tokens: dict[str, TokenRef] = {}
        self._sockets: dict[tuple[str, str], set[str]] = {}
        self._stats: dict[str, dict[str, LinkStats]] = {}

    async def open(self) -> None:
        """Open the file (creating its folder) and load every event."""
        if self._path is None:
            return
        self._path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self._path, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute(_SCHEMA)
        for (body,) in self._db.execute("SELECT body FROM events ORDER BY created_at, id"):
            state = decode(body)
            self._events[state.id] = state
            self._tokens.update(tokens_of(state))

    async def close(self) -> None:
        """Close the file."""
        if self._db is not None:
            self._db.close()
            self._db = None

    def _write(self, state: EventState) -> None:
        if self._db is not None:
            self._db.execute(
                "INSERT OR REPLACE INTO events (id, version, created_at, body) VALUES (?, ?, ?, ?)",
                (state.id, state.version, state.created_at, encode(state)),
            )

    async def create(self, state: EventState) -> None:
        """Store a new event."""
        if state.id in self._events:
            raise Conflict("exists", f"An event {state.id!r} already exists.")
        self._write(state)
        self._events[state.id] = state
        self._tokens.update(tokens_of(state))

    async def load(self, event_id: str) -> EventState | None:
        """The latest version of an event."""
        return self._events.get(event_id)

    async def save(self, state: EventState) -> None:
        """Store the next version of an event."""
        current = self._events.get(state.id)
        if current is None or state.version != current.version + 1:
            stored = None if current is None else current.version
            raise Conflict(
                "conflict", f"Event {state.id!r} is at version {stored}, not {state.version - 1}."
            )
        self._write(state)
        self._events[state.id] = state
        if len(state.participants) != len(current.participants):
            self._tokens.update(tokens_of(state))

    async def event_ids(self) -> list[str]:
        """Every event's id, oldest first."""
        return list(self._events)

    async def resolve(self, token: str) -> TokenRef | None:
        """What a token opens."""
        return self._tokens.get(token)

    async def connect(self, event_id: str, participant_id: str, sid: str) -> bool:
        """Record a socket."""
        sids = self._sockets.setdefault((event_id, participant_id), set())
        sids.add(sid)
        return len(sids) == 1

    async def disconnect(self, event_id: str, participant_id: str, sid: str) -> bool:
        """Forget a socket."""
        sids = self._sockets.get((event_id, participant_id))
        if not sids or sid not in sids:
            return False
        sids.discard(sid)
        if sids:
            return False
        del self._sockets[(event_id, participant_id)]
        return True

    async def online(self, event_id: str) -> frozenset[str]:
        """Participants with a socket."""
        return frozenset(pid for (eid, pid) in self._sockets if eid == event_id)

    async def put_stats(self, event_id: str, participant_id: str, stats: LinkStats) -> None:
        """Keep the latest link report."""
        self._stats.setdefault(event_id, {})[participant_id] = stats

    async def stats(self, event_id: str) -> dict[str, LinkStats]:
        """Latest link reports."""
        return dict(self._stats.get(event_id, {}))
