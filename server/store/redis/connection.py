"""The Redis store's connection: the clients (plain, TLS, unix socket or Sentinel; a bounded
pool), retries with backoff while Redis cannot be reached (they live here only), opening and
closing, and the state every part of the store shares."""

from __future__ import annotations

import asyncio
import logging
import random
import socket
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar
from urllib.parse import urlparse

import msgspec
from redis import asyncio as aioredis
from redis.asyncio.connection import BlockingConnectionPool
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ReadOnlyError
from redis.exceptions import TimeoutError as RedisTimeoutError

from ...errors import StartupRefused, Unavailable, Unknown
from ...tasks import stop
from .. import cache
from ..base import Note, Subscriber
from ..sealing import Sealer
from . import scripts

log = logging.getLogger(__name__)
NOTE = msgspec.json.Decoder(Note)

T = TypeVar("T")
SOCKET_TIMEOUT_S = 5.0  # how long an answer may take before it is taken for lost
UNKNOWN_FOR_S = 30.0  # how long a write whose answer was lost is sent again (its key lasts 300 s)

RETRY_FOR_S = 4.0

POOL = 32  # Redis connections a process uses at most for commands

TRANSIENT = (RedisConnectionError, RedisTimeoutError, ReadOnlyError, OSError)


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


def _maybe_sent(exc: BaseException) -> bool:
    """Whether a failed call may have reached Redis (and been applied there): everything but a
    connection that could not be made, a pool with no connection free, or a refusal by Redis."""
    if isinstance(exc, ReadOnlyError):
        return False
    if isinstance(exc, RedisConnectionError):
        text = str(exc)
        return not text.startswith(("Error connecting", "No connection available"))
    return not isinstance(exc, ConnectionRefusedError)


def _refusal(unknown: bool) -> Unavailable | Unknown:
    if unknown:
        return Unknown(
            "unconfirmed",
            "The server could not confirm your change: its database stopped answering while "
            "it was being saved, so it may have been made. Look before doing it again.",
        )
    return Unavailable(
        "unavailable",
        "The server cannot reach its database right now; nothing was changed. "
        "Please try again in a few seconds.",
    )


class Connection:
    """What every part of the Redis store shares: the clients, the key prefix, this process's
    id, the feed's subscriber and the cache of records."""

    def __init__(
        self,
        url: str,
        proc: str,
        prefix: str = "speedmeet",
        presence_timeout_ms: int = 5000,
        key: str = "",
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        cache_parts: int = cache.PARTS,
    ) -> None:
        self.proc = proc
        self._clock = clock  # of the retries (a test moves it)
        self._sleep = sleep
        self._key = key
        self._url = url
        self._p = prefix
        self._timeout_ms = presence_timeout_ms
        self._feed = f"{prefix}:feed"
        self._redis: Any = None
        self._listener: Any = None
        self._subscriber: Subscriber | None = None
        self._task: asyncio.Task[None] | None = None
        self._cache = cache.Records(cache_parts)
        self._beaten = False
        self._probed_at: float | None = None  # when Redis last took the health probe

    def _ev(self, event_id: str) -> str:
        return f"{self._p}:ev:{event_id}"

    @property
    def r(self) -> Any:
        assert self._redis is not None, "the store is not open"
        return self._redis

    async def _do(self, what: str, call: Callable[[], Awaitable[T]], write: bool = False) -> T:
        """Run ``call``; while Redis cannot be reached, try again for ``RETRY_FOR_S``, then
        refuse with ``unavailable`` (nothing was changed).

        A ``write`` (every write of this store can be sent twice and applies once) whose
        answer was lost (a timeout, a connection cut after sending) may have been made: it is
        sent again until its outcome is known, for up to ``UNKNOWN_FOR_S``, and then refused
        with ``unknown``, never with "nothing was changed".
        """
        started = self._clock()
        delay = 0.05
        unknown = False
        while True:
            try:
                return await call()
            except TRANSIENT as exc:
                unknown = unknown or (write and _maybe_sent(exc))
                window = UNKNOWN_FOR_S if unknown else RETRY_FOR_S
                if self._clock() + delay - started > window:
                    log.warning("redis unreachable for %s: %s", what, exc)
                    raise _refusal(unknown) from exc
                await self._sleep(delay * random.uniform(0.8, 1.2))
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
            # the retries are the store's own (``_do``): redis-py would send a command that
            # timed out again by itself, ten times over, past every bound of ours
            "retry": Retry(NoBackoff(), 0),
        }
        self._redis = client(self._url, socket_timeout=SOCKET_TIMEOUT_S, **common)
        # the listener waits for notes for as long as it takes: no socket timeout
        self._listener = client(self._url, socket_timeout=None, **common)
        try:
            await self.r.ping()
        except TRANSIENT as exc:
            await self.close()
            raise StartupRefused(
                f"cannot reach Redis at {self._url} ({exc}); start it, or set redis_url"
            ) from exc
        self._commit = self.r.register_script(scripts.COMMIT)
        self._connect = self.r.register_script(scripts.CONNECT)
        self._disconnect = self.r.register_script(scripts.DISCONNECT)
        self._claim_page = self.r.register_script(scripts.CLAIM_PAGE)
        self._heartbeat = self.r.register_script(scripts.HEARTBEAT)
        self._sweep = self.r.register_script(scripts.SWEEP)
        self._lease = self.r.register_script(scripts.LEASE)
        self._release = self.r.register_script(scripts.RELEASE)
        self._add_connected = self.r.register_script(scripts.ADD_CONNECTED)
        self._staff_join = self.r.register_script(scripts.STAFF_JOIN)
        self._staff_leave = self.r.register_script(scripts.STAFF_LEAVE)
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
