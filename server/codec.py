"""Socket.IO's JSON codec: msgspec (fast, and it knows our structs), and no traceback for JSON
that cannot be read: the event then gets a ``Malformed`` payload, answered with an error."""

from __future__ import annotations

import re
from typing import Any

import msgspec

_EVENT = re.compile(r'\[\s*"([A-Za-z0-9_]{1,40})"')


class Malformed:
    """What a client sent that is not JSON we can read (too deeply nested, invalid)."""

    def __init__(self, reason: str) -> None:
        self.reason = reason


class Json:
    """What python-socketio calls to encode and decode packets (``json=`` of a server or client)."""

    @staticmethod
    def dumps(obj: Any, **_: Any) -> str:
        """Encode a packet's payload."""
        return msgspec.json.encode(obj).decode()

    @staticmethod
    def loads(raw: str | bytes, **_: Any) -> Any:
        """Decode a packet's payload; unreadable JSON becomes ``[event, Malformed]`` so that the
        event's handler answers it with an error."""
        try:
            return msgspec.json.decode(raw)
        except RecursionError:
            reason = "The JSON is nested too deeply."
        except msgspec.DecodeError as exc:
            reason = f"The JSON cannot be read: {exc}."
        text = raw if isinstance(raw, str) else raw[:200].decode("utf-8", "replace")
        found = _EVENT.match(text)
        return [found.group(1) if found else "malformed", Malformed(reason)]
