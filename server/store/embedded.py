"""The embedded store: one process, events in memory, written through to a SQLite file.

The folder is locked for this process alone (a second server on it refuses to start). Writes go
to SQLite on one worker thread, so the event loop never waits on the disk; each commit is one
SQLite transaction that writes only the parts that changed. Presence, link stats and previews
live in memory: they mean nothing after a restart. Connected-call counters are kept in memory
and written to the file in batches (a second at most is lost in a crash).
"""

from __future__ import annotations

import asyncio
import fcntl
import logging
import os
import sqlite3
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import IO, TypeVar

from ..core.logs import Log
from ..core.matching import RoundPlan
from ..core.model import Entry, EventState, LinkStats, Phase, TokenRef
from ..errors import Conflict, Damaged, StartupRefused, Unavailable
from ..people.links import token_hash
from ..results import retention
from ..results.meter import Key
from .base import Change, Note, Pages, Subscriber, Swept, claimed
from .parts import diff
from .sealing import Sealer, folder_key, new_key
from .sqlite import Tables

T = TypeVar("T")
log = logging.getLogger(__name__)
SAVE_S = 1.0  # how often connected-call counters are written to the file, at most
PROBE_S = 5.0  # how often the health check writes to the file, at most, while it can


class FolderLock:
    """An exclusive ``flock`` on a file of the data folder, naming the process that holds it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file: IO[str] | None = None

    def take(self) -> None:
        """Lock, or raise ``StartupRefused`` naming the process that holds the folder."""
        f = self.path.open("a+", encoding="utf-8")
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            f.seek(0)
            holder = f.read().strip() or "another process"
            f.close()
            raise StartupRefused(
                f"the data folder {self.path.parent} is in use by process {holder} "
                f"(lock file {self.path}). One server per folder: stop that process, or give "
                "this one another data_dir (several processes share events through store: redis)."
            ) from None
        f.seek(0)
        f.truncate()
        f.write(str(os.getpid()))
        f.flush()
        os.chmod(self.path, 0o600)
        self._file = f

    def release(self) -> None:
        """Unlock (the file stays; its content is stale until the next holder writes it)."""
        if self._file is not None:
            fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
            self._file = None


class EmbeddedStore:
    """The default store. ``path=None`` keeps everything in memory (tests of pure behaviour)."""

    def __init__(
        self, path: str | Path | None, proc: str = "local", key: str | None = None
    ) -> None:
        self.proc = proc
        self._path = Path(path) if path is not None else None
        self._key = key  # the data key; None: the one kept in the folder (made at first start)
        self._tables: Tables | None = None
        self._inode: int | None = None
        self._lock = None if self._path is None else FolderLock(self._path.with_suffix(".lock"))
        self._io = ThreadPoolExecutor(1, thread_name_prefix="sqlite")
        self._db: sqlite3.Connection | None = None
        self._events: dict[str, EventState] = {}
        self._tokens: dict[str, TokenRef] = {}
        self._sockets: dict[tuple[str, str], dict[str, str]] = {}  # (event, person) → sid → tab
        self._pages: dict[str, dict[str, Pages]] = {}  # event → person → their pages
        self._stats: dict[str, dict[str, LinkStats]] = {}
        self._previews: dict[str, dict[str, dict[str, object]]] = {}
        self._boards: dict[str, dict[str, object]] = {}
        self._plans: dict[str, tuple[str, RoundPlan]] = {}
        self._touched: set[str] = set()
        self._staff: dict[str, dict[int, str]] = {}  # event → number → staff page
        self._subscriber: Subscriber | None = None
        self._connected: dict[str, dict[Key, int]] = {}
        self._unsaved: dict[tuple[str, str, str, str], int] = {}
        self._saved_at = 0.0
        self._probed_at: float | None = None  # when the file last took the health probe

    async def _sql(self, fn: Callable[[Tables], T]) -> T:
        """Run ``fn`` on the file's thread. A file that cannot be written or read right now (a
        full disk, a file made read-only, an I/O error) is ``Unavailable``: each transaction was
        rolled back, so nothing was changed, and the next one is tried afresh."""
        tables = self._tables
        assert tables is not None, "the store is not open"
        try:
            return await asyncio.get_running_loop().run_in_executor(self._io, fn, tables)
        except sqlite3.OperationalError as exc:
            self._probed_at = None
            raise Unavailable(
                "store_unwritable",
                f"The data file {self._path or '(in memory)'} cannot be written now ({exc}): "
                "free some disk space or make the file writable again. Nothing was changed; "
                "the server goes on by itself once the file takes writes.",
            ) from exc

    async def open(self) -> None:
        """Lock the folder, open the file (creating both) and load every event."""
        if self._path is not None:
            self._path.parent.mkdir(parents=True, exist_ok=True)
            assert self._lock is not None
            self._lock.take()
        try:
            await self._open_db()
        except BaseException:
            if self._lock is not None:
                self._lock.release()
            raise

    async def _open_db(self) -> None:
        target = str(self._path) if self._path is not None else ":memory:"
        fresh = self._path is None or not self._path.exists()
        key = self._key or (folder_key(self._path.parent) if self._path else new_key())
        sealer = Sealer(key)
        self._db = await asyncio.get_running_loop().run_in_executor(
            self._io, lambda: sqlite3.connect(target, isolation_level=None, check_same_thread=False)
        )
        self._tables = Tables(self._db, sealer)
        if self._path is not None:
            for path in (self._path, *(Path(f"{self._path}{x}") for x in ("-wal", "-shm"))):
                if path.exists() and path.stat().st_mode & 0o077:
                    if not fresh:
                        log.warning("%s was readable by others: now its owner's only", path)
                    os.chmod(path, 0o600)
            self._inode = self._path.stat().st_ino
        events, tokens = await self._sql(lambda t: t.prepare())
        self._events = {e.id: e for e in events}
        self._tokens = tokens
        self._connected = await self._sql(lambda t: t.connected())

    async def close(self) -> None:
        """Close the file and unlock the folder."""
        if self._db is not None and self._unsaved:
            await self._save_connected()
        if self._db is not None:
            db, self._db = self._db, None
            await asyncio.get_running_loop().run_in_executor(self._io, db.close)
            self._tables = None
        self._io.shutdown(wait=True)
        if self._lock is not None:
            self._lock.release()

    # --- the decided record ------------------------------------------------------------------

    async def create(self, state: EventState) -> None:
        """Store a new event."""
        if state.id in self._events:
            raise Conflict("exists", f"An event {state.id!r} already exists.")
        delta = diff(None, state)
        await self._sql(lambda t: t.write(state.id, state, delta, (), new=True))
        self._events[state.id] = state
        self._tokens.update(delta.tokens)

    async def load(self, event_id: str) -> EventState | None:
        """The latest version of an event."""
        state = self._events.get(event_id)
        if state is None and self._tables is not None and event_id in self._tables.aside:
            raise Damaged(
                "damaged",
                f"Event {event_id} could not be read at start and is set aside (table quarantine "
                "of the data file); the server's log says what is wrong with it.",
            )
        return state

    async def commit(self, change: Change) -> None:
        """Write the change in one transaction, then tell the subscriber (one process holds
        every lease: a fence always holds)."""
        event_id = change.event_id
        current = self._events.get(event_id)
        if current is None:
            raise Conflict("conflict", f"No event {event_id!r} to change.")
        new = change.state
        if new is not None:
            if current.version != change.base.version or new.version != current.version + 1:
                raise Conflict(
                    "conflict",
                    f"Event {event_id!r} is at version {current.version}, not {new.version - 1}.",
                )
            delta = diff(current, new)
        else:
            delta = None
        entries = change.entries
        if delta is not None or entries:
            await self._sql(lambda t: t.write(event_id, new, delta, entries))
        if new is not None and delta is not None:
            self._events[event_id] = new
            for gone in delta.tokens_gone:
                self._tokens.pop(gone, None)
            self._tokens.update(delta.tokens)
        if change.note is not None:
            await self.publish(change.note)

    async def delete(self, state: EventState, keep: bytes | None = None) -> None:
        """Forget the event, in memory and in the file (its pages overwritten, not only
        unlinked); keep ``keep`` in its place."""
        event_id = state.id
        await self._sql(lambda t: t.delete(event_id, keep))
        self._events.pop(event_id, None)
        self._tokens = {h: ref for h, ref in self._tokens.items() if ref.event_id != event_id}
        for kept in (
            self._stats,
            self._previews,
            self._plans,
            self._boards,
            self._connected,
            self._staff,
            self._pages,
        ):
            kept.pop(event_id, None)
        self._unsaved = {row: ms for row, ms in self._unsaved.items() if row[0] != event_id}
        self._sockets = {k: v for k, v in self._sockets.items() if k[0] != event_id}
        self._touched.discard(event_id)

    async def event_ids(self) -> list[str]:
        """Every event's id, oldest first."""
        return list(self._events)

    async def archived(self, event_id: str) -> bytes | None:
        """What was kept of a forgotten event."""
        return await self._sql(lambda t: t.archived(event_id))

    async def archived_ids(self) -> list[str]:
        """The forgotten events of which something is kept."""
        return await self._sql(lambda t: t.archived_ids())

    async def live_ids(self) -> list[str]:
        """Events that have not ended."""
        return [e.id for e in self._events.values() if e.clock.phase is not Phase.ENDED]

    async def ended_between(self, first: int, last: int) -> list[str]:
        """Events whose retention counts from a time between ``first`` and ``last`` (every
        event is in memory here: no index is needed to find them)."""
        return [
            e.id
            for e in self._events.values()
            if (at := retention.since(e)) is not None and first <= at <= last
        ]

    async def resolve(self, token: str) -> TokenRef | None:
        """What a token opens."""
        return self._tokens.get(token_hash(token))

    # --- logs --------------------------------------------------------------------------------

    async def entries(self, event_id: str, log: Log, start: int = 0) -> list[Entry]:
        """One log of an event, from the ``start``-th entry."""
        return await self._sql(lambda t: t.entries(event_id, log, start))

    # --- blobs (in the file, read when asked: never held in memory) -------------------------

    async def put_blob(self, event_id: str, key: str, data: bytes) -> None:
        """Keep bytes in the event's blob area."""
        if event_id not in self._events:
            raise Conflict("conflict", f"No event {event_id!r} to keep bytes for.")
        await self._sql(lambda t: t.put_blob(event_id, key, data))

    async def blob(self, event_id: str, key: str) -> bytes | None:
        """The bytes kept under ``key``."""
        return await self._sql(lambda t: t.blob(event_id, key))

    async def drop_blob(self, event_id: str, key: str) -> None:
        """Forget the bytes kept under ``key``."""
        await self._sql(lambda t: t.drop_blob(event_id, key))

    async def check(self) -> None:
        """Raise unless the data file is still the one opened and takes a write. The write is
        tried at most every ``PROBE_S`` while it succeeds (a health check called in a loop
        does not write in a loop); after any failure, at the next call."""
        if self._path is not None:
            try:
                inode = self._path.stat().st_ino
            except FileNotFoundError:
                inode = None
            if inode != self._inode:
                raise Unavailable(
                    "store_gone",
                    f"The data file {self._path} was deleted or replaced while the server ran: "
                    "what is written now would be lost. Restart the server.",
                )
        now = time.monotonic()
        if self._probed_at is not None and now - self._probed_at < PROBE_S:
            return
        await self._sql(lambda t: t.probe())
        self._probed_at = now

    # --- transient data ----------------------------------------------------------------------

    async def put_stats(self, event_id: str, participant_id: str, stats: LinkStats) -> None:
        """Keep the latest link report."""
        self._stats.setdefault(event_id, {})[participant_id] = stats
        self._touched.add(event_id)

    async def stats(self, event_id: str) -> dict[str, LinkStats]:
        """Latest link reports."""
        return dict(self._stats.get(event_id, {}))

    async def peer_stats(
        self, event_id: str, participant_ids: Sequence[str]
    ) -> dict[str, LinkStats]:
        """These participants' latest link reports."""
        kept = self._stats.get(event_id, {})
        return {pid: kept[pid] for pid in participant_ids if pid in kept}

    async def put_board(self, event_id: str, board: dict[str, object]) -> None:
        """Keep the staff board last sent."""
        self._boards[event_id] = board

    async def board(self, event_id: str) -> dict[str, object] | None:
        """The staff board last sent."""
        return self._boards.get(event_id)

    async def add_connected(self, event_id: str, credits: Mapping[Key, int]) -> None:
        """Add to the counters in memory; written to the file at most every ``SAVE_S``."""
        counts = self._connected.setdefault(event_id, {})
        for key, ms in credits.items():
            counts[key] = counts.get(key, 0) + ms
            row = (event_id, *key)
            self._unsaved[row] = self._unsaved.get(row, 0) + ms
        if self._unsaved and time.monotonic() - self._saved_at >= SAVE_S:
            await self._save_connected()

    async def _save_connected(self) -> None:
        saving, self._unsaved = self._unsaved, {}
        self._saved_at = time.monotonic()
        rows = [(*k, ms) for k, ms in saving.items()]
        try:
            await self._sql(lambda t: t.add_connected(rows))
        except BaseException:  # kept for the next save: counted time is not lost
            for row, ms in saving.items():
                self._unsaved[row] = self._unsaved.get(row, 0) + ms
            raise

    async def connected(self, event_id: str) -> dict[Key, int]:
        """The event's counters."""
        return dict(self._connected.get(event_id, {}))

    async def put_previews(self, event_id: str, previews: dict[str, dict[str, object]]) -> None:
        """Keep next-round previews."""
        self._previews.setdefault(event_id, {}).update(previews)

    async def preview(self, event_id: str, participant_id: str) -> dict[str, object] | None:
        """A participant's latest preview."""
        return self._previews.get(event_id, {}).get(participant_id)

    async def put_plan(self, event_id: str, key: str, plan: RoundPlan) -> None:
        """Keep the next round's pairing."""
        self._plans[event_id] = (key, plan)

    async def plan(self, event_id: str) -> tuple[str, RoundPlan] | None:
        """The next round's pairing kept."""
        return self._plans.get(event_id)

    # --- presence (one process: no heartbeat needed) -----------------------------------------

    async def connect(self, event_id: str, participant_id: str, sid: str, tab: str = "") -> bool:
        """Record a socket and its page."""
        sids = self._sockets.setdefault((event_id, participant_id), {})
        sids[sid] = tab
        self._touched.add(event_id)
        return len(sids) == 1

    async def disconnect(self, event_id: str, participant_id: str, sid: str, tab: str = "") -> bool:
        """Forget a socket."""
        sids = self._sockets.get((event_id, participant_id))
        if not sids or sids.get(sid) != tab:
            return False
        del sids[sid]
        self._touched.add(event_id)
        if sids:
            return False
        del self._sockets[(event_id, participant_id)]
        return True

    async def claim_page(
        self, event_id: str, participant_id: str, tab: str | None, take: bool, now: int
    ) -> tuple[Pages, bool]:
        """Put a page in charge if it may (``claimed``)."""
        live = list(dict.fromkeys(self._sockets.get((event_id, participant_id), {}).values()))
        people = self._pages.setdefault(event_id, {})
        before = people.get(participant_id, Pages())
        after = claimed(before, live, tab, take, now)
        if after != before:
            self._touched.add(event_id)  # the board shows it
        people[participant_id] = after
        return after, after.holder != before.holder

    async def pages(self, event_id: str) -> dict[str, Pages]:
        """Every person's pages."""
        return dict(self._pages.get(event_id, {}))

    async def elsewhere(self, event_id: str, participant_id: str) -> list[tuple[str, str]]:
        """One process: no socket is anywhere else."""
        return []

    async def online(self, event_id: str) -> frozenset[str]:
        """Participants with a socket."""
        return frozenset(pid for (eid, pid) in self._sockets if eid == event_id)

    async def heartbeat(self) -> bool:
        """One process: it is alive as long as it runs."""
        return True

    async def sweep(self) -> Swept:
        """One process: nobody else's sockets to forget."""
        return Swept()

    async def staff_join(self, event_id: str, staff_id: str) -> int:
        """The lowest number no page of the event holds."""
        numbers = self._staff.setdefault(event_id, {})
        for number, holder in numbers.items():
            if holder == staff_id:
                return number
        number = next(n for n in range(1, len(numbers) + 2) if n not in numbers)
        numbers[number] = staff_id
        return number

    async def staff_leave(self, event_id: str, staff_id: str) -> None:
        """Free the page's number."""
        numbers = self._staff.get(event_id, {})
        for number in [n for n, holder in numbers.items() if holder == staff_id]:
            del numbers[number]

    async def alive(self) -> frozenset[str]:
        """One process: this one (a process before a restart had another id)."""
        return frozenset({self.proc})

    async def take_touched(self, event_id: str) -> bool:
        """Whether presence or stats changed since the last call."""
        if event_id in self._touched:
            self._touched.discard(event_id)
            return True
        return False

    # --- leases (one process holds them all) --------------------------------------------------

    async def lease(self, event_id: str, ttl_ms: int) -> int | None:
        """Always this process's."""
        return 1

    async def release(self, event_id: str) -> None:
        """Nothing to give up."""

    # --- the feed (in process) ----------------------------------------------------------------

    async def publish(self, note: Note) -> None:
        """Hand the note to this process's subscriber."""
        if self._subscriber is not None:
            await self._subscriber.on_note(note)

    def subscribe(self, subscriber: Subscriber) -> None:
        """Set the subscriber."""
        self._subscriber = subscriber
