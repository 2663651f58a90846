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


MODERATOR_NS = "/moderator"


def staff_room(event_id: str, staff_id: str) -> str:
    """The Socket.IO room of one host or moderator page (its socket), for the calls it joins."""
    return f"s:{event_id}:{staff_id}"
