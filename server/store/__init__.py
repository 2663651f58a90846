"""Where events live: one interface, an embedded implementation and a Redis one."""

from __future__ import annotations

from .base import Store
from .memory import MemoryStore

__all__ = ["MemoryStore", "Store"]
