"""The scale-out store: events on Redis, shared by every process of the deployment.

Layout (``P`` is ``redis_prefix``): ``P:ev:<id>:v`` the version, ``:meta`` and ``:clock``,
hashes ``:people`` ``:wishes`` ``:rounds`` (one field each), lists ``:log:<log>``, hashes
``:stats`` and ``:next``, ``:blobs`` (bytes beside the record: photos), the staff board last
sent ``:board``, hash ``:connected``
(milliseconds of call per JSON ``[room, reporter, peer]``); sets ``:online`` and ``:p:<pid>``
(that person's sockets, as ``proc|sid|tab``: ``tab`` the page's id), hash ``:pages`` (each
person's pages: the one in charge, JSON ``Pages``); sorted sets ``P:events`` and ``P:live``; hash
``P:tokens`` (by SHA-256); per process ``P:proc:<proc>`` (its sockets) and its heartbeat in
``P:procs``; ``P:lease:<id>`` and ``P:fence:<id>``. Commits are Lua scripts: the version check,
the parts, the log entries and the note published on ``P:feed`` happen at once, so notes arrive
in commit order.

Retries and backoff live here only: a command that cannot reach Redis is tried again for a few
seconds, then refused with ``unavailable`` (nothing was changed). A commit sent again after a
lost reply applies once (its id is remembered for five minutes).
"""

from __future__ import annotations

from .connection import client, keepalive
from .presence import RedisPresence
from .records import RedisRecords
from .transient import RedisTransient

__all__ = ["RedisStore", "client", "keepalive"]


class RedisStore(RedisRecords, RedisTransient, RedisPresence):
    """Every process of the deployment opens one, with its own ``proc`` id.

    The Redis clients are typed ``Any``: redis-py's hints describe its sync and async APIs at
    once (every call returns "a value or an awaitable"), which strict mypy cannot use.
    """
