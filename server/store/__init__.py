"""Where events live: one interface, an embedded implementation and a Redis one."""

from __future__ import annotations

from .base import Change, Note, Store, Subscriber
from .embedded import EmbeddedStore

__all__ = ["Change", "EmbeddedStore", "Note", "Store", "Subscriber"]
