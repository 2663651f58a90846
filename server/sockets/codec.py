"""What goes over Socket.IO, as bytes: the JSON codec (msgspec: fast, and it knows our structs)
and the packets. JSON that cannot be read becomes a ``Malformed`` payload that the event's
handler answers with an error; a packet that cannot be read disconnects its client, with one
line in the log and no traceback."""

from __future__ import annotations

import logging
import re
from typing import Any

import msgspec
import socketio

log = logging.getLogger(__name__)

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


# Names of Socket.IO's own events: a client that sends one is not calling the handler of ours.
RESERVED = frozenset(
    {"connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener"}
)


class BadPacket(ValueError):
    """A Socket.IO packet no Socket.IO client sends."""


class Packet(socketio.packet.Packet):  # type: ignore[misc]
    """Socket.IO packets, read no further than python-socketio can handle: a known type, and an
    event that is ``[name, ...arguments]`` with a text name."""

    def decode(self, encoded_packet: str | bytes) -> int:
        """Decode, then refuse what python-socketio would trip on later."""
        count = int(super().decode(encoded_packet) or 0)
        kind = self.packet_type
        if not isinstance(kind, int) or not 0 <= kind <= socketio.packet.BINARY_ACK:
            raise BadPacket(f"unknown packet type {str(kind)[:20]!r}")
        if kind in (socketio.packet.EVENT, socketio.packet.BINARY_EVENT):
            data = self.data
            if not (isinstance(data, list) and data and isinstance(data[0], str)):
                raise BadPacket("an event packet carries [name, ...arguments]")
            if data[0] in RESERVED:  # the server's own: answered as an unknown event
                data[0] = f"reserved:{data[0]}"
        return count


def guard(sio: socketio.AsyncServer) -> None:
    """Read the packets of ``sio`` with ``Packet``; a client whose packet cannot be read is
    disconnected with one line in the log (python-socketio would log a traceback per packet)."""
    handle = sio._handle_eio_message  # what python-socketio registers for engine.io messages

    async def guarded(eio_sid: str, data: Any) -> None:
        try:
            await handle(eio_sid, data)
        except (ValueError, TypeError, KeyError, IndexError) as exc:
            log.warning(
                "a client sent a Socket.IO packet that cannot be read (%s: %s): disconnected",
                type(exc).__name__,
                str(exc)[:200],
            )
            await sio.eio.disconnect(eio_sid)

    sio.eio.on("message", guarded)
