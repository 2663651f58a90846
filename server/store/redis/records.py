"""The Redis store's records: the decided record in parts (one script checks the version, writes
the parts and log entries and publishes the note), the append-only logs, blobs, the archive of
forgotten events and the link index."""

from __future__ import annotations

import functools
import time
import uuid
from typing import Any

from ...core.logs import LOGS, Log
from ...core.model import Entry, EventState, Phase, TokenRef
from ...errors import Conflict, Damaged, Fenced
from ...people.links import token_hash
from ...results import retention
from ..base import Change, by_log
from ..parts import (
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
    link_hashes,
    person_bytes,
    person_of,
)
from ..sqlite import Unreadable
from .connection import Connection, log

PROBE_S = 5.0  # how often the health check writes to Redis, at most, while it can


class RedisRecords(Connection):
    """Events, their logs, blobs and links on Redis."""

    def _ops(self, state: EventState, delta: Delta, new: bool) -> list[Any]:
        ev, ops = self._ev(state.id), list[Any]()
        if delta.meta is not None:
            ops += ["SET", f"{ev}:meta", "", encode(delta.meta)]
        if delta.clock is not None:
            ops += ["SET", f"{ev}:clock", "", encode(delta.clock)]
        for pid, person in delta.people.items():
            ops += ["HSET", f"{ev}:people", pid, person_bytes(person, self._sealer)]
        for pid in delta.people_gone:
            ops += ["HDEL", f"{ev}:people", pid, ""]
        for key, wish in delta.wishes.items():
            ops += ["HSET", f"{ev}:wishes", key, encode(wish)]
        for key in delta.wishes_gone:
            ops += ["HDEL", f"{ev}:wishes", key, ""]
        for number, record in delta.rounds.items():
            ops += ["HSET", f"{ev}:rounds", str(number), encode(record)]
        for key in delta.tokens_gone:
            ops += ["HDEL", f"{self._p}:tokens", key, ""]
        for key, ref in delta.tokens.items():
            ops += ["HSET", f"{self._p}:tokens", key, encode(ref)]
        if new:
            ops += ["ZADD", f"{self._p}:events", state.id, state.created_at]
            if state.clock.phase is not Phase.ENDED:
                ops += ["ZADD", f"{self._p}:live", state.id, state.created_at]
        if delta.ended:
            ops += ["ZREM", f"{self._p}:live", state.id, ""]
        if new or delta.meta is not None or delta.clock is not None:
            since = retention.since(state)  # the start time or the end may have moved
            if since is None:
                ops += ["ZREM", f"{self._p}:retain", state.id, ""]
            else:
                ops += ["ZADD", f"{self._p}:retain", state.id, since]
        return ops

    def _entry_ops(self, event_id: str, entries: Any) -> list[Any]:
        ops: list[Any] = []
        for name, items in by_log(entries).items():
            for e in items:
                ops += ["RPUSH", f"{self._ev(event_id)}:log:{name}", "", encode(e)]
        return ops

    async def _run_commit(self, argv: list[Any], what: str) -> list[int]:
        result = await self._do(what, lambda: self._commit(args=argv), write=True)
        return [int(x) for x in result]

    async def create(self, state: EventState) -> None:
        """Store a new event."""
        argv: list[Any] = ["new", self._ev(state.id), f"{self._p}:chg:{uuid.uuid4().hex}"]
        argv += [-1, state.version, self._feed, "", "", ""]
        argv += self._ops(state, diff(None, state), new=True)
        code, _ = await self._run_commit(argv, "create")
        if code != 1:
            raise Conflict("exists", f"An event {state.id!r} already exists.")
        self._cache.put(state)

    async def load(self, event_id: str) -> EventState | None:
        """The latest version: from the cache when Redis still has that version."""
        ev = self._ev(event_id)
        raw = await self._do("load", lambda: self.r.get(f"{ev}:v"))
        if raw is None:
            self._cache.drop(event_id)
            return None
        cached = self._cache.get(event_id)
        if cached is not None and cached.version == int(raw):
            return cached

        async def read() -> list[Any]:
            async with self.r.pipeline(transaction=True) as pipe:
                pipe.get(f"{ev}:v").get(f"{ev}:meta").get(f"{ev}:clock")
                pipe.hvals(f"{ev}:people").hvals(f"{ev}:wishes").hvals(f"{ev}:rounds")
                return list(await pipe.execute())

        version, meta, clock, people, wishes, rounds = await self._do("load", read)
        if version is None or meta is None or clock is None:
            return None
        try:
            state = assemble(
                META.decode(meta),
                CLOCK.decode(clock),
                int(version),
                [person_of(b, self._sealer) for b in people],
                [WISH.decode(b) for b in wishes],
                [ROUND.decode(b) for b in rounds],
            )
        except Unreadable as exc:
            log.error(
                "event %s cannot be read from Redis (%s: %s)", event_id, type(exc).__name__, exc
            )
            raise Damaged(
                "damaged",
                "This event's stored data cannot be read; the server's log names what is wrong.",
            ) from exc
        self._cache.put(state)
        return state

    async def commit(self, change: Change) -> None:
        """One script: check the version, write the parts and entries, publish the note."""
        event_id, new = change.event_id, change.state
        ev = self._ev(event_id)
        note = encode(change.note) if change.note is not None else b""
        applied = f"{self._p}:chg:{change.id}"
        if new is not None:
            if new.version != change.base.version + 1:
                raise Conflict("conflict", f"Version {new.version} does not follow the base.")
            argv: list[Any] = ["next", ev, applied, change.base.version, new.version]
            argv += [self._feed, note, *self._fence(change)]
            argv += self._ops(new, diff(change.base, new), new=False)
        else:
            argv = ["append", ev, applied, -1, -1, self._feed, note, *self._fence(change)]
        argv += self._entry_ops(event_id, change.entries)
        code, stored = await self._run_commit(argv, "commit")
        if code == -3:
            raise Fenced("fenced", f"Event {event_id!r} is run by another process now.")
        if code == -2:
            raise Conflict("conflict", f"No event {event_id!r} to change.")
        if code == -1:
            self._cache.drop(event_id)
            raise Conflict(
                "conflict", f"Event {event_id!r} is at version {stored}, not {change.base.version}."
            )
        if new is not None:
            self._cache.put(new)

    async def check(self) -> None:
        """Raise unless Redis takes a write now (tried at most every ``PROBE_S`` while it
        succeeds: a health check called in a loop does not write in a loop)."""
        now = self._clock()
        if self._probed_at is not None and now - self._probed_at < PROBE_S:
            return
        key = f"{self._p}:health:{self.proc}"
        self._probed_at = None
        await self._do("check", lambda: self.r.set(key, 1, px=10_000))
        self._probed_at = now

    def _fence(self, change: Change) -> list[str]:
        if change.fence is None:
            return ["", ""]
        return [f"{self._p}:lease:{change.event_id}", f"{self.proc}:{change.fence}"]

    async def delete(self, state: EventState, keep: bytes | None = None) -> None:
        """Forget the event: its keys, its links, its lease; keep ``keep`` in the archive (one
        transaction)."""
        ev, p = self._ev(state.id), self._p
        keys = [f"{ev}:{k}" for k in ("v", "meta", "clock", "people", "wishes", "rounds")]
        keys += [f"{ev}:log:{name}" for name in LOGS]
        keys += [
            f"{ev}:{k}"
            for k in (
                "stats",
                "next",
                "plan",
                "online",
                "touched",
                "board",
                "connected",
                "blobs",
                "staff",
                "pages",
            )
        ]
        keys += [f"{ev}:p:{pid}" for pid in state.participants]
        keys += [f"{p}:lease:{state.id}", f"{p}:fence:{state.id}"]
        hashes = link_hashes(state)

        async def forget() -> None:
            async with self.r.pipeline(transaction=True) as pipe:
                pipe.delete(*keys).zrem(f"{p}:events", state.id).zrem(f"{p}:live", state.id)
                pipe.zrem(f"{p}:retain", state.id)
                pipe.hdel(f"{p}:tokens", *hashes)
                if keep is not None:
                    pipe.hset(f"{p}:archive", state.id, keep)
                    pipe.zadd(f"{p}:archived", {state.id: time.time()})
                await pipe.execute()

        await self._do("delete", forget, write=True)
        self._cache.drop(state.id)

    async def event_ids(self) -> list[str]:
        """Every event's id, oldest first."""
        ids = await self._do("events", lambda: self.r.zrange(f"{self._p}:events", 0, -1))
        return [i.decode() for i in ids]

    async def live_ids(self) -> list[str]:
        """Events that have not ended, oldest first."""
        ids = await self._do("live", lambda: self.r.zrange(f"{self._p}:live", 0, -1))
        return [i.decode() for i in ids]

    async def ended_between(self, first: int, last: int) -> list[str]:
        """Events whose retention counts from a time between ``first`` and ``last`` (the
        sorted set ``P:retain``, kept by every commit)."""
        key = f"{self._p}:retain"
        ids = await self._do("retain", lambda: self.r.zrangebyscore(key, first, last))
        return [i.decode() for i in ids]

    async def open(self) -> None:
        """Connect, then index the events written before the index was kept (once)."""
        await super().open()
        key, done = f"{self._p}:retain", f"{self._p}:retain:indexed"
        if await self._do("retain", lambda: self.r.exists(done)):
            return
        for event_id in await self.event_ids():
            try:
                state = await self.load(event_id)
            except Damaged:
                continue  # named in the log; an operator looks at it
            since = retention.since(state) if state is not None else None
            if since is not None:
                await self._do("retain", functools.partial(self.r.zadd, key, {event_id: since}))
        await self._do("retain", lambda: self.r.set(done, 1))

    async def archived(self, event_id: str) -> bytes | None:
        """What was kept of a forgotten event."""
        raw = await self._do("archive", lambda: self.r.hget(f"{self._p}:archive", event_id))
        return None if raw is None else bytes(raw)

    async def archived_ids(self) -> list[str]:
        """The forgotten events of which something is kept, in the order they were forgotten."""
        ids = await self._do("archive", lambda: self.r.zrange(f"{self._p}:archived", 0, -1))
        return [i.decode() for i in ids]

    async def resolve(self, token: str) -> TokenRef | None:
        """What a token opens."""
        key = token_hash(token)
        raw = await self._do("resolve", lambda: self.r.hget(f"{self._p}:tokens", key))
        return None if raw is None else TOKEN.decode(raw)

    async def entries(self, event_id: str, log: Log, start: int = 0) -> list[Entry]:
        """One log of an event, from the ``start``-th entry."""
        assert log in LOGS
        key = f"{self._ev(event_id)}:log:{log}"
        raw = await self._do("entries", lambda: self.r.lrange(key, start, -1))
        return [ENTRY.decode(b) for b in raw]

    async def put_blob(self, event_id: str, key: str, data: bytes) -> None:
        """Keep bytes in the event's blob area (a hash beside the record)."""
        ev = self._ev(event_id)
        if not await self._do("blob", lambda: self.r.exists(f"{ev}:v")):
            raise Conflict("conflict", f"No event {event_id!r} to keep bytes for.")
        await self._do("blob", lambda: self.r.hset(f"{ev}:blobs", key, data), write=True)

    async def blob(self, event_id: str, key: str) -> bytes | None:
        """The bytes kept under ``key``."""
        raw = await self._do("blob", lambda: self.r.hget(f"{self._ev(event_id)}:blobs", key))
        return None if raw is None else bytes(raw)

    async def drop_blob(self, event_id: str, key: str) -> None:
        """Forget the bytes kept under ``key``."""
        await self._do("blob", lambda: self.r.hdel(f"{self._ev(event_id)}:blobs", key), write=True)
