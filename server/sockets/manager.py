"""python-socketio's client manager: in process, or on Redis across processes (hardened)."""

from __future__ import annotations

import logging
from typing import Any

import socketio

from ..settings import Settings
from ..store.redis import keepalive
from ..tasks import stop

log = logging.getLogger(__name__)


def make(settings: Settings, proc: str) -> socketio.AsyncManager:
    """The manager ``settings.store`` calls for."""
    if settings.store != "redis":
        return socketio.AsyncManager()
    return socketio.AsyncRedisManager(
        settings.redis_url,
        channel=f"{settings.redis_prefix}:sio",
        redis_options={
            # redis-py 8 puts a timeout on sockets by default: on the listener every quiet
            # moment would become a reconnection loop. Keepalive and health checks instead.
            "socket_timeout": None,
            "socket_connect_timeout": 5,
            "socket_keepalive": True,
            "socket_keepalive_options": keepalive(),
            "health_check_interval": 10,
            "client_name": name(settings, proc),
        },
    )


def name(settings: Settings, proc: str) -> str:
    """The Redis client name of this process's manager connections."""
    return f"{settings.redis_prefix}:sio:{proc}"


async def listening(sio: socketio.AsyncServer, client_name: str) -> bool:
    """Whether the manager hears other processes again (its listener backs off up to 60 s
    after Redis comes back): its connection named ``client_name`` is subscribed."""
    redis: Any = getattr(sio.manager, "redis", None)
    if redis is None:
        return True  # in process, or not started yet: nothing to hear
    try:
        clients = await redis.client_list(_type="pubsub")
    except Exception:
        return False
    return any(c.get("name") == client_name and int(c.get("sub", 0)) > 0 for c in clients)


async def close(sio: socketio.AsyncServer) -> None:
    """Stop the Redis manager's listener and close its connections (python-socketio leaves
    them running at shutdown)."""
    manager = sio.manager
    thread = getattr(manager, "thread", None)
    if thread is not None and hasattr(thread, "cancel"):
        await stop([thread])
    for attr in ("pubsub", "redis"):
        conn = getattr(manager, attr, None)
        if conn is not None and hasattr(conn, "aclose"):
            await conn.aclose()
