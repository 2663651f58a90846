"""Delivers the messages of each note (heard on the feed) to this process's own sockets.

Every process hears every note once and sends each message only to the sockets it holds, with
python-socketio's local emit: a round change for 2,000 people is one message through Redis, not
2,000 (the manager would publish each emit and every process would decode each).
"""

from __future__ import annotations

from collections import Counter

import socketio

from ..core import outcome
from ..signaling import MEMBER_POLITE_TO_STAFF, Signaling
from ..store import Note
from .targets import PARTICIPANT_NS, STAFF_NS, event_room, person_room


class Delivery:
    """Routes messages to this process's sockets: every participant, the staff, one person."""

    def __init__(self, sio: socketio.AsyncServer, signaling: Signaling) -> None:
        self._sio = sio
        self._signaling = signaling
        self._local: dict[str, Counter[str]] = {}

    def arrived(self, event_id: str, pid: str) -> None:
        """A participant's socket connected to this process."""
        self._local.setdefault(event_id, Counter())[pid] += 1

    def left(self, event_id: str, pid: str) -> None:
        """A participant's socket on this process closed."""
        here = self._local.get(event_id)
        if here is not None:
            here[pid] -= 1
            if here[pid] <= 0:
                del here[pid]

    def here(self, event_id: str) -> frozenset[str]:
        """Participants of an event with a socket on this process."""
        return frozenset(self._local.get(event_id, ()))

    async def on_note(self, note: Note) -> None:
        """Send each message of the note to the sockets of this process it is meant for."""
        for m in note.messages:
            await self.send(note.event_id, m)

    async def send(self, event_id: str, m: outcome.Message) -> None:
        """One message to its target, on this process only."""
        if m.to == outcome.LINKS:
            return  # for the processes themselves (Namespaces closes a revoked link's sockets)
        if m.to == outcome.PARTICIPANTS:
            await self._emit(m.event, m.data, event_room(event_id), PARTICIPANT_NS)
        elif m.to == outcome.STAFF:
            for ns in STAFF_NS:
                await self._emit(m.event, m.data, event_room(event_id), ns)
        else:
            pid = m.to.removeprefix("p:")
            if pid not in self._local.get(event_id, ()):
                return
            data = m.data
            if m.event == "assignment":
                data = self._signaling.complete(m.data, pid)
            elif m.event == "next":
                data = self._signaling.ahead(m.data, pid)
            elif m.event == "moderator":
                data = {**m.data, "polite": MEMBER_POLITE_TO_STAFF}  # toward the moderator
            await self._emit(m.event, data, person_room(event_id, pid), PARTICIPANT_NS)

    async def _emit(self, event: str, data: object, room: str, namespace: str) -> None:
        await self._sio.emit(event, data, room=room, namespace=namespace, ignore_queue=True)

    async def on_link(self, up: bool) -> None:
        """Nothing to forget: the sockets resynchronise through their namespaces."""
