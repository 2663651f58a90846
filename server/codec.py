"""Socket.IO's JSON codec: msgspec (fast, and it knows our structs)."""

from __future__ import annotations

from typing import Any

import msgspec


class Json:
    """What python-socketio calls to encode and decode packets (``json=`` of a server or client)."""

    @staticmethod
    def dumps(obj: Any, **_: Any) -> str:
        """Encode a packet's payload."""
        return msgspec.json.encode(obj).decode()

    @staticmethod
    def loads(raw: str | bytes, **_: Any) -> Any:
        """Decode a packet's payload."""
        return msgspec.json.decode(raw)
