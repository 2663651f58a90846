"""Media health between partners: each page's report of its own camera and microphone, told to
the others of its room (``peer_media``) so that their tiles can say what is happening.

Told only when it changes (per socket, remembered here: no store read on the stats path), and
once to a page that (re)connects into a room (one read of its peers' reports).
"""

from __future__ import annotations

from typing import Any

from ..core.model import LinkStats
from ..signaling import Signaling
from ..store import Store


def peer_media(pid: str, stats: LinkStats) -> dict[str, Any]:
    """The ``peer_media`` event about ``pid``: ``{id, room, camera, mic}``."""
    return {"id": pid, "room": stats.room, "camera": stats.camera, "mic": stats.mic}


class DeviceRelay:
    """Tells the others of a room when a member's camera or microphone state changes."""

    def __init__(self, store: Store, signaling: Signaling) -> None:
        self._store = store
        self._signaling = signaling
        self._said: dict[str, tuple[str | None, str | None, str | None]] = {}  # sid → told

    async def reported(self, event_id: str, pid: str, sid: str, stats: LinkStats) -> None:
        """A page reported: tell its room's others if its devices changed since it last did."""
        told = (stats.room, stats.camera, stats.mic)
        if stats.room is None or (stats.camera is None and stats.mic is None):
            return
        if self._said.get(sid) == told:
            return
        self._said[sid] = told
        for other in await self._signaling.peers(event_id, pid):
            await self._signaling.cross(event_id, other, "peer_media", peer_media(pid, stats))

    def forget(self, sid: str) -> None:
        """The socket closed."""
        self._said.pop(sid, None)

    async def catch_up(self, event_id: str, room: str, peers: list[str]) -> list[dict[str, Any]]:
        """What a page (re)connecting into ``room`` is told of its peers' devices."""
        reports = await self._store.peer_stats(event_id, peers)
        return [
            peer_media(pid, s)
            for pid, s in reports.items()
            if s.room == room and (s.camera is not None or s.mic is not None)
        ]
