"""Where events live: one interface, an embedded implementation and a Redis one."""

from __future__ import annotations

from pathlib import Path

from ..settings import Settings
from .base import Change, Note, Store, Subscriber
from .embedded import EmbeddedStore

__all__ = ["Change", "EmbeddedStore", "Note", "Store", "Subscriber", "make"]


def make(settings: Settings, proc: str) -> Store:
    """The store ``settings.store`` names."""
    if settings.store == "redis":
        from .redis import RedisStore

        return RedisStore(
            settings.redis_url,
            proc=proc,
            prefix=settings.redis_prefix,
            presence_timeout_ms=int(settings.presence_timeout_seconds * 1000),
            key=settings.data_key,
        )
    path = Path(settings.data_dir) / "speedmeet.sqlite3"
    return EmbeddedStore(path, proc=proc, key=settings.data_key or None)
