"""The scale-out store: events on Redis, shared by every process of the deployment.

Layout (``P`` is ``redis_prefix``): ``P:ev:<id>:v`` the version, ``:meta`` and ``:clock``,
hashes ``:people`` ``:wishes`` ``:rounds`` (one field each), lists ``:log:<log>``, hashes
``:stats`` and ``:next``, ``:blobs`` (bytes beside the record: photos), the staff board last
sent ``:board``, hash ``:connected``
(milliseconds of call per JSON ``[room, reporter, peer]``); sets ``:online`` and ``:p:<pid>``
(that person's sockets, as ``proc|sid``); sorted sets ``P:events`` and ``P:live``; hash
``P:tokens`` (by SHA-256); per process ``P:proc:<proc>`` (its sockets) and its heartbeat in
``P:procs``; ``P:lease:<id>`` and ``P:fence:<id>``. Commits are Lua scripts: the version check,
the parts, the log entries and the note published on ``P:feed`` happen at once, so notes arrive
in commit order.

Retries and backoff live here only: a command that cannot reach Redis is tried again for a few
seconds, then refused with ``unavailable`` (nothing was changed). A commit sent again after a
lost reply applies once (its id is remembered for five minutes).
"""

from __future__ import annotations

import asyncio
import logging
import random
import socket
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, TypeVar
from urllib.parse import urlparse

import msgspec
from redis import asyncio as aioredis
from redis.asyncio.connection import BlockingConnectionPool
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ReadOnlyError
from redis.exceptions import TimeoutError as RedisTimeoutError

from ..errors import Conflict, Damaged, Fenced, StartupRefused, Unavailable
from ..links import token_hash
from ..logs import LOGS, Log
from ..matching import RoundPlan
from ..meter import Key
from ..model import Entry, EventState, LinkStats, Phase, TokenRef
from ..tasks import stop
from .base import Change, Note, Subscriber, by_log
from .parts import (
    CLOCK,
    ENTRY,
    META,
    ROUND,
    STATS,
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
from .sealing import Sealer
from .sqlite import Unreadable

log = logging.getLogger(__name__)

T = TypeVar("T")
RETRY_FOR_S = 4.0
POOL = 32  # Redis connections a process uses at most for commands
NOTE = msgspec.json.Decoder(Note)


class _Plan(msgspec.Struct, frozen=True):
    key: str
    plan: RoundPlan


PLAN = msgspec.json.Decoder(_Plan)
PREVIEW = msgspec.json.Decoder(dict[str, Any])
COUNTER = msgspec.json.Decoder(tuple[str, str, str])
TRANSIENT = (RedisConnectionError, RedisTimeoutError, ReadOnlyError, OSError)

# (mode, event key, change id key, expected version, new version, channel, note, lease key,
# lease value, ops...): mode "new": the event must not exist; "next": expected version must be
# the stored one; "append": no version change. With a lease key, the lease must still hold
# that value (the committer's fence). Each op is four arguments: command, key, field, value.
_COMMIT = """
local mode, ev, applied = ARGV[1], ARGV[2], ARGV[3]
local expect, version = tonumber(ARGV[4]), tonumber(ARGV[5])
local channel, note = ARGV[6], ARGV[7]
local stored = tonumber(redis.call('GET', ev .. ':v') or '-1')
if redis.call('EXISTS', applied) == 1 then return {1, stored} end
if ARGV[8] ~= '' and redis.call('GET', ARGV[8]) ~= ARGV[9] then return {-3, stored} end
if mode == 'new' then
  if stored ~= -1 then return {-1, stored} end
  redis.call('SET', ev .. ':v', version)
elseif stored == -1 then return {-2, -1}
elseif mode == 'next' then
  if stored ~= expect then return {-1, stored} end
  redis.call('SET', ev .. ':v', version)
end
local i = 10
while i <= #ARGV do
  local cmd, key, field, value = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]
  if cmd == 'SET' then redis.call('SET', key, value)
  elseif cmd == 'HSET' then redis.call('HSET', key, field, value)
  elseif cmd == 'HDEL' then redis.call('HDEL', key, field)
  elseif cmd == 'RPUSH' then redis.call('RPUSH', key, value)
  elseif cmd == 'ZADD' then redis.call('ZADD', key, value, field)
  elseif cmd == 'ZREM' then redis.call('ZREM', key, field)
  end
  i = i + 4
end
redis.call('SET', applied, 1, 'EX', 300)
if note ~= '' then redis.call('PUBLISH', channel, note) end
return {1, tonumber(redis.call('GET', ev .. ':v'))}
"""

_NOW = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
"""

# (prefix, event, pid, proc, sid) -> 1 when the person just came online
_CONNECT = """
local p, eid, pid, proc, sid = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local ev = p .. ':ev:' .. eid
redis.call('SADD', ev .. ':p:' .. pid, proc .. '|' .. sid)
redis.call('SADD', p .. ':proc:' .. proc, eid .. '|' .. pid .. '|' .. sid)
redis.call('SET', ev .. ':touched', 1)
return redis.call('SADD', ev .. ':online', pid)
"""

# (prefix, event, pid, proc, sid) -> 1 when the person just went offline
_DISCONNECT = """
local p, eid, pid, proc, sid = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local ev = p .. ':ev:' .. eid
redis.call('SREM', p .. ':proc:' .. proc, eid .. '|' .. pid .. '|' .. sid)
if redis.call('SREM', ev .. ':p:' .. pid, proc .. '|' .. sid) == 0 then return 0 end
redis.call('SET', ev .. ':touched', 1)
if redis.call('SCARD', ev .. ':p:' .. pid) > 0 then return 0 end
return redis.call('SREM', ev .. ':online', pid)
"""

# (prefix, proc) -> 1 if the process was known alive (0: new, or given up for dead)
_HEARTBEAT = (
    _NOW
    + """
local known = redis.call('ZSCORE', ARGV[1] .. ':procs', ARGV[2])
redis.call('ZADD', ARGV[1] .. ':procs', now, ARGV[2])
if known then return 1 end
return 0
"""
)

# (prefix, timeout ms) -> {event, pid, event, pid, ...} of everyone who went offline
_SWEEP = (
    _NOW
    + """
local p, timeout = ARGV[1], tonumber(ARGV[2])
local gone = {}
for _, proc in ipairs(redis.call('ZRANGEBYSCORE', p .. ':procs', '-inf', now - timeout)) do
  for _, m in ipairs(redis.call('SMEMBERS', p .. ':proc:' .. proc)) do
    local eid, pid, sid = string.match(m, '^([^|]*)|([^|]*)|(.*)$')
    local ev = p .. ':ev:' .. eid
    redis.call('SREM', ev .. ':p:' .. pid, proc .. '|' .. sid)
    redis.call('SET', ev .. ':touched', 1)
    if redis.call('SCARD', ev .. ':p:' .. pid) == 0 then
      if redis.call('SREM', ev .. ':online', pid) == 1 then
        table.insert(gone, eid)
        table.insert(gone, pid)
      end
    end
  end
  redis.call('DEL', p .. ':proc:' .. proc)
  redis.call('ZREM', p .. ':procs', proc)
end
return gone
"""
)

# (lease key, fence key, proc, ttl ms) -> the fencing version, or 0 while another holds it
_LEASE = """
local key, fence_key, proc, ttl = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4])
local current = redis.call('GET', key)
if not current then
  local fence = redis.call('INCR', fence_key)
  redis.call('SET', key, proc .. ':' .. fence, 'PX', ttl)
  return fence
end
local holder, fence = string.match(current, '^(.*):(%d+)$')
if holder ~= proc then return 0 end
redis.call('PEXPIRE', key, ttl)
return tonumber(fence)
"""

_RELEASE = """
local current = redis.call('GET', ARGV[1])
if current and string.sub(current, 1, string.len(ARGV[2]) + 1) == ARGV[2] .. ':' then
  return redis.call('DEL', ARGV[1])
end
return 0
"""


def keepalive() -> dict[int, int]:
    """TCP keepalive that notices a vanished Redis host in about ten seconds."""
    options: dict[int, int] = {}
    for name, value in (("TCP_KEEPIDLE", 5), ("TCP_KEEPINTVL", 2), ("TCP_KEEPCNT", 3)):
        if hasattr(socket, name):
            options[getattr(socket, name)] = value
    return options


def client(url: str, **options: Any) -> Any:
    """A Redis client for ``url``: ``redis://``, ``rediss://``, ``unix://`` or, through
    Sentinel, ``redis+sentinel://[user:pw@]host:port,host:port/db/service``.

    At most ``POOL`` connections: past that a command waits for a free one (a storm of
    connecting people would otherwise open a Redis connection each).
    """
    if urlparse(url).scheme.startswith("redis+sentinel"):
        from redis.asyncio.sentinel import Sentinel
        from socketio.redis_manager import parse_redis_sentinel_url

        sentinels, service, extra = parse_redis_sentinel_url(url)
        sentinel = Sentinel(sentinels, **{**options, **extra})
        return sentinel.master_for(service or "mymaster", max_connections=POOL)
    pool = BlockingConnectionPool.from_url(
        url, max_connections=POOL, timeout=RETRY_FOR_S, **options
    )
    return aioredis.Redis.from_pool(pool)  # the client closes the pool with itself


class RedisStore:
    """Every process of the deployment opens one, with its own ``proc`` id.

    The Redis clients are typed ``Any``: redis-py's hints describe its sync and async APIs at
    once (every call returns "a value or an awaitable"), which strict mypy cannot use.
    """

    def __init__(
        self,
        url: str,
        proc: str,
        prefix: str = "speedmeet",
        presence_timeout_ms: int = 5000,
        key: str = "",
    ) -> None:
        self.proc = proc
        self._key = key
        self._url = url
        self._p = prefix
        self._timeout_ms = presence_timeout_ms
        self._feed = f"{prefix}:feed"
        self._redis: Any = None
        self._listener: Any = None
        self._subscriber: Subscriber | None = None
        self._task: asyncio.Task[None] | None = None
        self._cache: dict[str, EventState] = {}
        self._beaten = False

    # --- plumbing ----------------------------------------------------------------------------

    def _ev(self, event_id: str) -> str:
        return f"{self._p}:ev:{event_id}"

    @property
    def r(self) -> Any:
        assert self._redis is not None, "the store is not open"
        return self._redis

    async def _do(self, what: str, call: Callable[[], Awaitable[T]]) -> T:
        """Run ``call``; while Redis cannot be reached, try again for a few seconds."""
        deadline = time.monotonic() + RETRY_FOR_S
        delay = 0.05
        while True:
            try:
                return await call()
            except TRANSIENT as exc:
                if time.monotonic() + delay > deadline:
                    log.warning("redis unreachable for %s: %s", what, exc)
                    raise Unavailable(
                        "unavailable",
                        "The server cannot reach its database right now; nothing was changed. "
                        "Please try again in a few seconds.",
                    ) from exc
                await asyncio.sleep(delay * random.uniform(0.8, 1.2))
                delay = min(delay * 2, 1.0)

    async def open(self) -> None:
        """Connect (refusing to start when Redis cannot be reached) and listen to the feed."""
        if not self._key:
            raise StartupRefused(
                "store: redis needs data_key (the same on every process; e-mail addresses are "
                "stored encrypted with it). Make one with: python -c 'import secrets, base64; "
                "print(base64.urlsafe_b64encode(secrets.token_bytes(32)).decode())'"
            )
        self._sealer = Sealer(self._key)
        common: dict[str, Any] = {
            "socket_connect_timeout": 3,
            "socket_keepalive": True,
            "socket_keepalive_options": keepalive(),
            "health_check_interval": 10,
            "client_name": f"{self._p}:store:{self.proc}",
        }
        self._redis = client(self._url, socket_timeout=5, **common)
        # the listener waits for notes for as long as it takes: no socket timeout
        self._listener = client(self._url, socket_timeout=None, **common)
        try:
            await self.r.ping()
        except TRANSIENT as exc:
            await self.close()
            raise StartupRefused(
                f"cannot reach Redis at {self._url} ({exc}); start it, or set redis_url"
            ) from exc
        self._commit = self.r.register_script(_COMMIT)
        self._connect = self.r.register_script(_CONNECT)
        self._disconnect = self.r.register_script(_DISCONNECT)
        self._heartbeat = self.r.register_script(_HEARTBEAT)
        self._sweep = self.r.register_script(_SWEEP)
        self._lease = self.r.register_script(_LEASE)
        self._release = self.r.register_script(_RELEASE)
        subscribed = asyncio.get_running_loop().create_future()
        self._task = asyncio.create_task(self._listen(subscribed), name="redis feed")
        await subscribed

    async def close(self) -> None:
        """Stop listening, say this process is gone, close the connections."""
        if self._task is not None:
            await stop([self._task])
            self._task = None
        if self._redis is not None and self._beaten:
            try:
                async with asyncio.timeout(2):  # Redis gone: the heartbeat's expiry sweeps it
                    await self.r.zadd(f"{self._p}:procs", {self.proc: 0})  # sweep it at once
            except (*TRANSIENT, TimeoutError):
                pass
        for conn in (self._listener, self._redis):
            if conn is not None:
                await conn.aclose()
        self._redis = self._listener = None

    async def _listen(self, subscribed: asyncio.Future[None]) -> None:
        """Hear the feed; on a lost connection tell the subscriber, retry quickly, resync."""
        assert self._listener is not None
        up, delay = True, 0.05
        while True:
            pubsub = self._listener.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(self._feed)
                if not subscribed.done():
                    subscribed.set_result(None)
                if not up:
                    up, delay = True, 0.05
                    await self._tell(up)
                async for message in pubsub.listen():
                    if message.get("type") == "message" and self._subscriber is not None:
                        await self._subscriber.on_note(NOTE.decode(message["data"]))
            except asyncio.CancelledError:
                raise
            except TRANSIENT as exc:
                if not subscribed.done():
                    subscribed.set_exception(exc)
                    return
                if up:
                    log.warning("lost the feed (%s); retrying", exc)
                    up = False
                    await self._tell(up)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 2.0)
            finally:
                try:
                    await pubsub.aclose()
                except Exception:
                    pass

    async def _tell(self, up: bool) -> None:
        self._cache.clear()  # anything may have changed while we could not hear
        if self._subscriber is not None:
            await self._subscriber.on_link(up)

    # --- the decided record ------------------------------------------------------------------

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
        return ops

    def _entry_ops(self, event_id: str, entries: Any) -> list[Any]:
        ops: list[Any] = []
        for name, items in by_log(entries).items():
            for e in items:
                ops += ["RPUSH", f"{self._ev(event_id)}:log:{name}", "", encode(e)]
        return ops

    async def _run_commit(self, argv: list[Any], what: str) -> list[int]:
        result = await self._do(what, lambda: self._commit(args=argv))
        return [int(x) for x in result]

    async def create(self, state: EventState) -> None:
        """Store a new event."""
        argv: list[Any] = ["new", self._ev(state.id), f"{self._p}:chg:{uuid.uuid4().hex}"]
        argv += [-1, state.version, self._feed, "", "", ""]
        argv += self._ops(state, diff(None, state), new=True)
        code, _ = await self._run_commit(argv, "create")
        if code != 1:
            raise Conflict("exists", f"An event {state.id!r} already exists.")
        self._cache[state.id] = state

    async def load(self, event_id: str) -> EventState | None:
        """The latest version: from the cache when Redis still has that version."""
        ev = self._ev(event_id)
        raw = await self._do("load", lambda: self.r.get(f"{ev}:v"))
        if raw is None:
            self._cache.pop(event_id, None)
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
        self._cache[event_id] = state
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
            self._cache.pop(event_id, None)
            raise Conflict(
                "conflict", f"Event {event_id!r} is at version {stored}, not {change.base.version}."
            )
        if new is not None:
            self._cache[event_id] = new

    async def check(self) -> None:
        """Raise unless Redis takes a write now."""
        key = f"{self._p}:health:{self.proc}"
        await self._do("check", lambda: self.r.set(key, 1, px=10_000))

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
            for k in ("stats", "next", "plan", "online", "touched", "board", "connected", "blobs")
        ]
        keys += [f"{ev}:p:{pid}" for pid in state.participants]
        keys += [f"{p}:lease:{state.id}", f"{p}:fence:{state.id}"]
        hashes = link_hashes(state)

        async def forget() -> None:
            async with self.r.pipeline(transaction=True) as pipe:
                pipe.delete(*keys).zrem(f"{p}:events", state.id).zrem(f"{p}:live", state.id)
                pipe.hdel(f"{p}:tokens", *hashes)
                if keep is not None:
                    pipe.hset(f"{p}:archive", state.id, keep)
                    pipe.zadd(f"{p}:archived", {state.id: time.time()})
                await pipe.execute()

        await self._do("delete", forget)
        self._cache.pop(state.id, None)

    async def event_ids(self) -> list[str]:
        """Every event's id, oldest first."""
        ids = await self._do("events", lambda: self.r.zrange(f"{self._p}:events", 0, -1))
        return [i.decode() for i in ids]

    async def live_ids(self) -> list[str]:
        """Events that have not ended, oldest first."""
        ids = await self._do("live", lambda: self.r.zrange(f"{self._p}:live", 0, -1))
        return [i.decode() for i in ids]

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

    # --- logs --------------------------------------------------------------------------------

    async def entries(self, event_id: str, log: Log, start: int = 0) -> list[Entry]:
        """One log of an event, from the ``start``-th entry."""
        assert log in LOGS
        key = f"{self._ev(event_id)}:log:{log}"
        raw = await self._do("entries", lambda: self.r.lrange(key, start, -1))
        return [ENTRY.decode(b) for b in raw]

    # --- blobs -------------------------------------------------------------------------------

    async def put_blob(self, event_id: str, key: str, data: bytes) -> None:
        """Keep bytes in the event's blob area (a hash beside the record)."""
        ev = self._ev(event_id)
        if not await self._do("blob", lambda: self.r.exists(f"{ev}:v")):
            raise Conflict("conflict", f"No event {event_id!r} to keep bytes for.")
        await self._do("blob", lambda: self.r.hset(f"{ev}:blobs", key, data))

    async def blob(self, event_id: str, key: str) -> bytes | None:
        """The bytes kept under ``key``."""
        raw = await self._do("blob", lambda: self.r.hget(f"{self._ev(event_id)}:blobs", key))
        return None if raw is None else bytes(raw)

    async def drop_blob(self, event_id: str, key: str) -> None:
        """Forget the bytes kept under ``key``."""
        await self._do("blob", lambda: self.r.hdel(f"{self._ev(event_id)}:blobs", key))

    # --- transient data ----------------------------------------------------------------------

    async def put_stats(self, event_id: str, participant_id: str, stats: LinkStats) -> None:
        """Keep the latest link report; mark the event touched."""
        ev = self._ev(event_id)

        async def put() -> None:
            async with self.r.pipeline(transaction=False) as pipe:
                pipe.hset(f"{ev}:stats", participant_id, encode(stats)).set(f"{ev}:touched", 1)
                await pipe.execute()

        await self._do("stats", put)

    async def stats(self, event_id: str) -> dict[str, LinkStats]:
        """Latest link reports."""
        raw = await self._do("stats", lambda: self.r.hgetall(f"{self._ev(event_id)}:stats"))
        return {k.decode(): STATS.decode(v) for k, v in raw.items()}

    async def peer_stats(
        self, event_id: str, participant_ids: Sequence[str]
    ) -> dict[str, LinkStats]:
        """These participants' latest link reports (one ``HMGET``)."""
        if not participant_ids:
            return {}
        key, pids = f"{self._ev(event_id)}:stats", list(participant_ids)
        raw = await self._do("stats", lambda: self.r.hmget(key, pids))
        return {pid: STATS.decode(v) for pid, v in zip(pids, raw, strict=True) if v is not None}

    async def put_board(self, event_id: str, board: dict[str, object]) -> None:
        """Keep the staff board last sent."""
        body = encode(board)
        await self._do("board", lambda: self.r.set(f"{self._ev(event_id)}:board", body))

    async def board(self, event_id: str) -> dict[str, object] | None:
        """The staff board last sent."""
        raw = await self._do("board", lambda: self.r.get(f"{self._ev(event_id)}:board"))
        return None if raw is None else PREVIEW.decode(raw)

    async def add_connected(self, event_id: str, credits: Mapping[Key, int]) -> None:
        """``HINCRBY`` each counter (fields are JSON ``[room, reporter, peer]``)."""
        if not credits:
            return
        key = f"{self._ev(event_id)}:connected"

        async def add() -> None:
            async with self.r.pipeline(transaction=False) as pipe:
                for k, ms in credits.items():
                    pipe.hincrby(key, encode(list(k)), ms)
                await pipe.execute()

        await self._do("connected", add)

    async def connected(self, event_id: str) -> dict[Key, int]:
        """The event's counters."""
        key = f"{self._ev(event_id)}:connected"
        raw = await self._do("connected", lambda: self.r.hgetall(key))
        out: dict[Key, int] = {}
        for field, ms in raw.items():
            room, pid, peer = COUNTER.decode(field)
            out[(room, pid, peer)] = int(ms)
        return out

    async def put_previews(self, event_id: str, previews: dict[str, dict[str, object]]) -> None:
        """Keep next-round previews."""
        if previews:
            mapping = {pid: encode(p) for pid, p in previews.items()}
            key = f"{self._ev(event_id)}:next"
            await self._do("previews", lambda: self.r.hset(key, mapping=mapping))

    async def preview(self, event_id: str, participant_id: str) -> dict[str, object] | None:
        """A participant's latest preview."""
        key = f"{self._ev(event_id)}:next"
        raw = await self._do("preview", lambda: self.r.hget(key, participant_id))
        return None if raw is None else PREVIEW.decode(raw)

    async def put_plan(self, event_id: str, key: str, plan: RoundPlan) -> None:
        """Keep the next round's pairing (one per event)."""
        body = encode(_Plan(key=key, plan=plan))
        await self._do("plan", lambda: self.r.set(f"{self._ev(event_id)}:plan", body))

    async def plan(self, event_id: str) -> tuple[str, RoundPlan] | None:
        """The next round's pairing kept, with its key."""
        raw = await self._do("plan", lambda: self.r.get(f"{self._ev(event_id)}:plan"))
        if raw is None:
            return None
        kept = PLAN.decode(raw)
        return kept.key, kept.plan

    # --- presence ----------------------------------------------------------------------------

    async def connect(self, event_id: str, participant_id: str, sid: str) -> bool:
        """Record a socket of this process."""
        argv = [self._p, event_id, participant_id, self.proc, sid]
        return bool(await self._do("connect", lambda: self._connect(args=argv)))

    async def disconnect(self, event_id: str, participant_id: str, sid: str) -> bool:
        """Forget a socket of this process."""
        argv = [self._p, event_id, participant_id, self.proc, sid]
        return bool(await self._do("disconnect", lambda: self._disconnect(args=argv)))

    async def online(self, event_id: str) -> frozenset[str]:
        """Participants with a socket on a live process."""
        raw = await self._do("online", lambda: self.r.smembers(f"{self._ev(event_id)}:online"))
        return frozenset(m.decode() for m in raw)

    async def heartbeat(self) -> bool:
        """Beat; ``False`` if this process had been given up for dead."""
        known = await self._do("heartbeat", lambda: self._heartbeat(args=[self._p, self.proc]))
        first, self._beaten = not self._beaten, True
        return bool(known) or first

    async def sweep(self) -> list[tuple[str, str]]:
        """Forget the sockets of processes silent for longer than the presence timeout."""
        raw = await self._do("sweep", lambda: self._sweep(args=[self._p, self._timeout_ms]))
        flat = [x.decode() for x in raw]
        return list(zip(flat[::2], flat[1::2], strict=True))

    async def take_touched(self, event_id: str) -> bool:
        """Whether presence or stats changed since the last call."""
        key = f"{self._ev(event_id)}:touched"
        return await self._do("touched", lambda: self.r.getdel(key)) is not None

    # --- leases ------------------------------------------------------------------------------

    async def lease(self, event_id: str, ttl_ms: int) -> int | None:
        """Take or renew this process's lease; its fencing version, or ``None``."""
        argv = [f"{self._p}:lease:{event_id}", f"{self._p}:fence:{event_id}", self.proc, ttl_ms]
        fence = int(await self._do("lease", lambda: self._lease(args=argv)))
        return fence or None

    async def release(self, event_id: str) -> None:
        """Give up this process's lease (only if it holds it)."""
        argv = [f"{self._p}:lease:{event_id}", self.proc]
        await self._do("release", lambda: self._release(args=argv))

    # --- the feed ----------------------------------------------------------------------------

    async def publish(self, note: Note) -> None:
        """Publish messages to every process (this one included, through Redis)."""
        payload = encode(note)
        await self._do("publish", lambda: self.r.publish(self._feed, payload))

    def subscribe(self, subscriber: Subscriber) -> None:
        """Set the subscriber."""
        self._subscriber = subscriber
