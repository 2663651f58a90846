"""The embedded store's file: SQLite tables of the records' parts, the logs and the link index.

Every method runs on the store's one writer thread. E-mail addresses are sealed (``sealing``).
An event whose stored parts cannot be read is set aside at start (the ``quarantine`` table,
and a line in the log naming it) while every other event loads.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import time
from collections.abc import Iterator, Sequence

import msgspec

from ..core.logs import Log
from ..core.model import Entry, EventState, Phase, TokenRef
from . import legacy
from .base import by_log
from .parts import (
    CLOCK,
    ENTRY,
    META,
    ROUND,
    TOKEN,
    WISH,
    Delta,
    assemble,
    diff,
    encode,
    person_bytes,
    person_of,
)
from .sealing import Sealer

log = logging.getLogger(__name__)

SCHEMA = """
CREATE TABLE IF NOT EXISTS event (
    id TEXT PRIMARY KEY,
    version INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    live INTEGER NOT NULL,
    meta BLOB NOT NULL,
    clock BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS person (
    event TEXT NOT NULL, id TEXT NOT NULL, body BLOB NOT NULL, PRIMARY KEY (event, id)
);
CREATE TABLE IF NOT EXISTS wish (
    event TEXT NOT NULL, key TEXT NOT NULL, body BLOB NOT NULL, PRIMARY KEY (event, key)
);
CREATE TABLE IF NOT EXISTS round (
    event TEXT NOT NULL, number INTEGER NOT NULL, body BLOB NOT NULL, PRIMARY KEY (event, number)
);
CREATE TABLE IF NOT EXISTS entry (
    n INTEGER PRIMARY KEY, event TEXT NOT NULL, log TEXT NOT NULL, body BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS entry_by_log ON entry (event, log, n);
CREATE TABLE IF NOT EXISTS token (hash TEXT PRIMARY KEY, ref BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS blob (
    event TEXT NOT NULL, key TEXT NOT NULL, body BLOB NOT NULL, PRIMARY KEY (event, key)
);
CREATE TABLE IF NOT EXISTS quarantine (event TEXT PRIMARY KEY, reason TEXT NOT NULL, at INTEGER);
CREATE TABLE IF NOT EXISTS archive (id TEXT PRIMARY KEY, at INTEGER NOT NULL, body BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS health (probe INTEGER PRIMARY KEY, at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS connected (
    event TEXT NOT NULL, room TEXT NOT NULL, participant TEXT NOT NULL, peer TEXT NOT NULL,
    ms INTEGER NOT NULL, PRIMARY KEY (event, room, participant, peer)
);
"""

Unreadable = (msgspec.DecodeError, msgspec.ValidationError, UnicodeDecodeError, ValueError)


class Tables:
    """The SQL side of the embedded store, on one connection."""

    def __init__(self, db: sqlite3.Connection, sealer: Sealer) -> None:
        self.db = db
        self.sealer = sealer
        self.aside: set[str] = set()  # events set aside at start (``quarantine``)

    def prepare(self) -> tuple[list[EventState], dict[str, TokenRef]]:
        """Create or migrate the tables, then read every event (setting aside the unreadable
        ones) and the link index."""
        db = self.db
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("PRAGMA secure_delete=ON")  # what is deleted is overwritten in the file
        db.executescript(SCHEMA)
        if legacy.found(db):
            self._migrate()
        aside = {e for (e,) in db.execute("SELECT event FROM quarantine")}
        events = []
        for row in db.execute(
            "SELECT id, version, meta, clock FROM event ORDER BY created_at, id"
        ).fetchall():
            if row[0] in aside:
                log.error("event %s is still set aside (table quarantine): not loaded", row[0])
                continue
            try:
                events.append(self.read(*row))
            except Unreadable as exc:
                self._set_aside(row[0], exc)
                aside.add(row[0])
        self.aside = aside
        loaded = {e.id for e in events}
        tokens = {}
        for key, raw in db.execute("SELECT hash, ref FROM token"):
            ref = TOKEN.decode(raw)
            if ref.event_id in loaded:  # not the links of an event set aside
                tokens[key] = ref
        return events, tokens

    def _set_aside(self, event_id: str, exc: Exception) -> None:
        reason = f"{type(exc).__name__}: {exc}"
        log.error(
            "event %s cannot be read (%s): it is set aside (table quarantine) and not served; "
            "every other event is",
            event_id,
            reason,
        )
        self.db.execute(
            "INSERT OR REPLACE INTO quarantine (event, reason, at) VALUES (?, ?, ?)",
            (event_id, reason, int(time.time() * 1000)),
        )

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[sqlite3.Cursor]:
        """``BEGIN IMMEDIATE`` … ``COMMIT``, rolled back on any failure: a write that fails
        (a full disk, a read-only file, an I/O error) never leaves the connection inside a
        transaction, where every later one would fail ("cannot start a transaction within a
        transaction"). SQLite may have rolled back already (a full disk does): then there is
        nothing left to undo, and the first error is the one raised."""
        with contextlib.closing(self.db.cursor()) as c:
            c.execute("BEGIN IMMEDIATE")
            try:
                yield c
                c.execute("COMMIT")
            except BaseException:
                if self.db.in_transaction:
                    self.db.execute("ROLLBACK")
                raise

    def _migrate(self) -> None:
        """Move a first-version file's events to today's tables, in one transaction."""
        with self._transaction() as c:
            for state, entries in legacy.read(self.db):
                self._write_delta(c, state, diff(None, state), new=True)
                self._append(c, state.id, entries)
            legacy.retire(self.db)

    def read(self, event_id: str, version: int, meta: bytes, clock: bytes) -> EventState:
        """One event from its parts."""

        def bodies(table: str) -> list[bytes]:
            query = f"SELECT body FROM {table} WHERE event = ?"
            return [b for (b,) in self.db.execute(query, (event_id,))]

        return assemble(
            META.decode(meta),
            CLOCK.decode(clock),
            version,
            [person_of(b, self.sealer) for b in bodies("person")],
            [WISH.decode(b) for b in bodies("wish")],
            [ROUND.decode(b) for b in bodies("round")],
        )

    def write(
        self,
        event_id: str,
        state: EventState | None,
        delta: Delta | None,
        entries: Sequence[Entry],
        new: bool = False,
    ) -> None:
        """One transaction: the changed parts of ``state`` and the appended entries."""
        with self._transaction() as c:
            if state is not None and delta is not None:
                self._write_delta(c, state, delta, new)
            self._append(c, event_id, entries)

    def delete(self, event_id: str, keep: bytes | None) -> None:
        """One transaction: every row of the event, and its links; ``keep`` in the archive.
        Then the write-ahead log is emptied: it would still hold the deleted pages."""
        with self._transaction() as c:
            if keep is not None:
                c.execute(
                    "INSERT OR REPLACE INTO archive (id, at, body) VALUES (?, ?, ?)",
                    (event_id, int(time.time() * 1000), keep),
                )
            for table in ("person", "wish", "round", "entry", "connected", "blob"):
                c.execute(f"DELETE FROM {table} WHERE event = ?", (event_id,))
            c.execute("DELETE FROM event WHERE id = ?", (event_id,))
            c.execute("DELETE FROM quarantine WHERE event = ?", (event_id,))
            hashes = [
                h for h, raw in c.execute("SELECT hash, ref FROM token").fetchall()
                if TOKEN.decode(raw).event_id == event_id
            ]  # fmt: skip
            c.executemany("DELETE FROM token WHERE hash = ?", [(h,) for h in hashes])
        self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def archived(self, event_id: str) -> bytes | None:
        """What was kept of a forgotten event."""
        row = self.db.execute("SELECT body FROM archive WHERE id = ?", (event_id,)).fetchone()
        return None if row is None else bytes(row[0])

    def archived_ids(self) -> list[str]:
        """The forgotten events of which something is kept, in the order they were forgotten."""
        return [i for (i,) in self.db.execute("SELECT id FROM archive ORDER BY at, id")]

    def entries(self, event_id: str, name: Log, start: int) -> list[Entry]:
        """One log of an event, from the ``start``-th entry."""
        rows = self.db.execute(
            "SELECT body FROM entry WHERE event = ? AND log = ? ORDER BY n LIMIT -1 OFFSET ?",
            (event_id, name, start),
        ).fetchall()
        return [ENTRY.decode(body) for (body,) in rows]

    def add_connected(self, rows: Sequence[tuple[str, str, str, str, int]]) -> None:
        """Add ``(event, room, participant, peer, ms)`` to the connected-call counters."""
        with self._transaction() as c:
            c.executemany(
                "INSERT INTO connected (event, room, participant, peer, ms)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT (event, room, participant, peer)"
                " DO UPDATE SET ms = ms + excluded.ms",
                rows,
            )

    def connected(self) -> dict[str, dict[tuple[str, str, str], int]]:
        """Every event's connected-call counters."""
        out: dict[str, dict[tuple[str, str, str], int]] = {}
        for event, room, pid, peer, ms in self.db.execute(
            "SELECT event, room, participant, peer, ms FROM connected"
        ):
            out.setdefault(event, {})[(room, pid, peer)] = ms
        return out

    def put_blob(self, event_id: str, key: str, data: bytes) -> None:
        """Keep bytes in the event's blob area (one statement: its own transaction)."""
        self.db.execute(
            "INSERT OR REPLACE INTO blob (event, key, body) VALUES (?, ?, ?)", (event_id, key, data)
        )

    def blob(self, event_id: str, key: str) -> bytes | None:
        """The bytes kept under ``key``."""
        row = self.db.execute(
            "SELECT body FROM blob WHERE event = ? AND key = ?", (event_id, key)
        ).fetchone()
        return None if row is None else bytes(row[0])

    def drop_blob(self, event_id: str, key: str) -> None:
        """Forget the bytes kept under ``key``."""
        self.db.execute("DELETE FROM blob WHERE event = ? AND key = ?", (event_id, key))

    def probe(self) -> None:
        """Write to the file and take it back: raises if the file cannot be written."""
        with self._transaction() as c:
            c.execute(
                "INSERT OR REPLACE INTO health (probe, at) VALUES (1, ?)", (int(time.time()),)
            )

    def _append(self, c: sqlite3.Cursor, event_id: str, entries: Sequence[Entry]) -> None:
        for name, items in by_log(entries).items():
            c.executemany(
                "INSERT INTO entry (event, log, body) VALUES (?, ?, ?)",
                [(event_id, name, encode(e)) for e in items],
            )

    def _write_delta(self, c: sqlite3.Cursor, state: EventState, delta: Delta, new: bool) -> None:
        eid = state.id
        live = int(state.clock.phase is not Phase.ENDED)
        if new:
            c.execute(
                "INSERT INTO event (id, version, created_at, live, meta, clock)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (
                    eid,
                    state.version,
                    state.created_at,
                    live,
                    encode(delta.meta),
                    encode(state.clock),
                ),
            )
        else:
            c.execute(
                "UPDATE event SET version = ?, live = ? WHERE id = ?", (state.version, live, eid)
            )
            if delta.meta is not None:
                c.execute("UPDATE event SET meta = ? WHERE id = ?", (encode(delta.meta), eid))
            if delta.clock is not None:
                c.execute("UPDATE event SET clock = ? WHERE id = ?", (encode(delta.clock), eid))
        c.executemany(
            "INSERT OR REPLACE INTO person (event, id, body) VALUES (?, ?, ?)",
            [(eid, pid, person_bytes(p, self.sealer)) for pid, p in delta.people.items()],
        )
        c.executemany(
            "DELETE FROM person WHERE event = ? AND id = ?", [(eid, k) for k in delta.people_gone]
        )
        c.executemany(
            "INSERT OR REPLACE INTO wish (event, key, body) VALUES (?, ?, ?)",
            [(eid, k, encode(w)) for k, w in delta.wishes.items()],
        )
        c.executemany(
            "DELETE FROM wish WHERE event = ? AND key = ?", [(eid, k) for k in delta.wishes_gone]
        )
        c.executemany(
            "INSERT OR REPLACE INTO round (event, number, body) VALUES (?, ?, ?)",
            [(eid, n, encode(r)) for n, r in delta.rounds.items()],
        )
        c.executemany("DELETE FROM token WHERE hash = ?", [(h,) for h in delta.tokens_gone])
        c.executemany(
            "INSERT OR REPLACE INTO token (hash, ref) VALUES (?, ?)",
            [(h, encode(ref)) for h, ref in delta.tokens.items()],
        )
