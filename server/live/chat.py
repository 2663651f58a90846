"""The room's chat: text relayed by the server between the people of one call, kept nowhere.

Scoped like ``signal`` (the room index of ``signaling``): a member's message reaches the others
of their room this round and the moderators in its call; a moderator's reaches the members of
the room whose call it joined; nobody else, and nothing outside a round. Through the server
rather than a data channel: it reaches a moderator and a room of three alike, and it works when
the media do not, which is when it is needed most. Nothing is stored: the message crosses to the
peers' sockets (python-socketio's manager: on whichever process they are) and is gone; a page
that is not connected when it is sent never sees it. Rate and size are bounded in ``limits``.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

from ..metrics import Metrics
from ..signaling import Signaling, in_room


class Chat:
    """Relays one chat message to the other people of the sender's call."""

    def __init__(self, signaling: Signaling, now: Callable[[], int], metrics: Metrics) -> None:
        self._signaling = signaling
        self._now = now
        self._metrics = metrics

    async def send(
        self,
        event_id: str,
        sender: str,
        room: str,
        text: str,
        staff: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Send ``text`` from ``sender`` (a participant id, or a moderator page's staff id with
        its label ``staff``) to the others of ``room``'s call: ``{id, at}``."""
        index = await self._signaling.scope(event_id, lambda i: i.rooms.get(sender) == room)
        in_room(index, sender, room, "No round is running: the chat opens with a meeting.")
        message: dict[str, Any] = {
            "id": secrets.token_hex(8),
            "room": room,
            "from": sender,
            "text": text,
            "at": self._now(),
        }
        if staff is not None:
            message["staff"] = staff
        for peer in sorted(index.peers.get(sender, ())):
            if peer in index.staff:
                await self._signaling.cross_staff(event_id, peer, "chat", message)
            else:
                await self._signaling.cross(event_id, peer, "chat", message)
        self._metrics.chats.inc()
        return {"id": message["id"], "at": message["at"]}
