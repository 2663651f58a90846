"""The self-test: the browser calls the server over WebRTC and sees its own video come back."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence

from aiortc import (
    MediaStreamTrack,
    RTCConfiguration,
    RTCDataChannel,
    RTCIceServer,
    RTCPeerConnection,
    RTCSessionDescription,
)
from aiortc.contrib.media import MediaBlackhole

from .errors import ProtocolError, UserError
from .settings import IceServer

log = logging.getLogger(__name__)


class Echo:
    """Answers self-test offers with an aiortc peer that echoes the video and pings.

    Media is decoded and re-encoded per connection, so few run at once and none for long.
    """

    def __init__(
        self, limit: int = 4, lifetime_s: float = 120.0, ice_servers: Sequence[IceServer] = ()
    ) -> None:
        # Only the configured servers: left alone, aiortc would ask a public STUN server, which a
        # closed network cannot reach (gathering then waits for it to time out).
        self._config = RTCConfiguration(
            iceServers=[RTCIceServer(s.urls, s.username, s.credential) for s in ice_servers]
        )
        self._limit = limit
        self._lifetime = lifetime_s
        self._peers: dict[RTCPeerConnection, float] = {}
        self._holes: dict[RTCPeerConnection, MediaBlackhole] = {}

    async def answer(self, sdp: str, kind: str) -> RTCSessionDescription:
        """Accept an offer (complete, non-trickled) and return the answer."""
        if kind != "offer" or "\nm=" not in sdp:
            raise ProtocolError(
                "bad_request", "Send {sdp, type: 'offer'} with at least one media or data line."
            )
        await self.sweep()
        if len(self._peers) >= self._limit:
            raise UserError("busy", "Too many self-tests are running; try again in a minute.")
        pc = RTCPeerConnection(self._config)
        self._peers[pc] = time.monotonic() + self._lifetime
        hole = MediaBlackhole()
        self._holes[pc] = hole

        @pc.on("track")
        def on_track(track: MediaStreamTrack) -> None:
            if track.kind == "video":
                pc.addTrack(track)
            else:
                hole.addTrack(track)

        @pc.on("datachannel")
        def on_datachannel(channel: RTCDataChannel) -> None:
            @channel.on("message")
            def on_message(message: str | bytes) -> None:
                channel.send(message)

        @pc.on("connectionstatechange")
        async def on_state() -> None:
            if pc.connectionState in ("failed", "closed"):
                await self._close(pc)

        try:
            await pc.setRemoteDescription(RTCSessionDescription(sdp=sdp, type="offer"))
            await hole.start()
            await pc.setLocalDescription(await pc.createAnswer())
        except Exception as exc:
            await self._close(pc)
            raise ProtocolError("bad_sdp", f"The offer could not be used: {exc}.") from exc
        return pc.localDescription

    async def _close(self, pc: RTCPeerConnection) -> None:
        self._peers.pop(pc, None)
        hole = self._holes.pop(pc, None)
        if hole is not None:
            await hole.stop()
        await pc.close()

    async def sweep(self) -> None:
        """Close self-tests that outlived their time."""
        now = time.monotonic()
        for pc in [pc for pc, until in self._peers.items() if until < now]:
            await self._close(pc)

    async def close(self) -> None:
        """Close every self-test (shutdown)."""
        await asyncio.gather(*(self._close(pc) for pc in list(self._peers)))
