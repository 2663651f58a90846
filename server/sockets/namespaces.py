"""The three namespaces of this process, and what they do when the feed comes and goes (a
re-issued link's sockets closed, every client's state sent again, ``status``)."""

from __future__ import annotations

import logging

import socketio

from ..core import outcome
from ..live.pages import MOVED
from ..store import Note
from .followup import FollowUpNamespace
from .host import HostNamespace
from .moderator import ModeratorNamespace
from .participant import ParticipantNamespace
from .role import Role

log = logging.getLogger(__name__)


class Namespaces:
    """The three namespaces of this process, and what they do when the feed comes and goes."""

    def __init__(
        self,
        participants: ParticipantNamespace,
        host: HostNamespace,
        moderators: ModeratorNamespace,
        sio: socketio.AsyncServer,
    ) -> None:
        self.participants = participants
        self.all: tuple[Role, ...] = (participants, host, moderators)
        self._sio = sio
        self.followup: FollowUpNamespace | None = None  # the follow-up calls' (not a role's)

    async def on_note(self, note: Note) -> None:
        """Close this process's sockets of a link that was just re-issued, move a person's
        sockets in or out of their call when another of their pages took charge (``Delivery``
        sends everything else)."""
        for m in note.messages:
            if m.to == outcome.LINKS and m.event == "revoked":
                await self.revoke(str(m.data["token_hash"]))
            elif m.to == outcome.LINKS and m.event == MOVED:
                await self.participants.moved(note.event_id, m.data["id"], m.data["holder"])

    async def revoke(self, token_hash: str) -> None:
        """Tell the sockets that came with this link it was replaced, and close them."""
        told = {"code": "link_revoked", "message": "This link was replaced by a new one."}
        for ns in self.all:
            for sid in [sid for sid, key in ns.keys.items() if key == token_hash]:
                await ns.tell(sid, "revoked", told)
                await self._sio.disconnect(sid, namespace=ns.namespace, ignore_queue=True)
        if self.followup is not None:
            await self.followup.revoke(token_hash)

    async def on_link(self, up: bool) -> None:
        """The feed is back: send every client its state again (notes may have been lost)."""
        if up:
            for ns in self.all:
                await ns.resync()

    async def status(self, degraded: bool, restarting: bool = False) -> None:
        """Tell every client of this process whether the event is degraded (or the process is
        going away: they reconnect, to another process or once it is back)."""
        body = {"degraded": degraded, "restarting": restarting}
        for ns in self.all:
            await self._sio.emit("status", body, namespace=ns.namespace, ignore_queue=True)

    async def close(self) -> None:
        """Stop the greetings still waiting."""
        for ns in self.all:
            await ns.greetings.close()
