"""Socket.IO room names: every client of one event in a namespace, every socket of one person."""

from __future__ import annotations

PARTICIPANT_NS = "/participant"
STAFF_NS = ("/host", "/moderator")


def event_room(event_id: str) -> str:
    """The Socket.IO room of every client of one event in a namespace."""
    return f"ev:{event_id}"


def person_room(event_id: str, pid: str) -> str:
    """The Socket.IO room of one participant's sockets."""
    return f"p:{event_id}:{pid}"
