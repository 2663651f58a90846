"""The self-test: the browser calls the server over WebRTC and sees its own video come back.

Started only from a link of an event (a participant's page, the registration page): the echo
costs the server a re-encoding per test, so its slots are shared per event and per address."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from typing import NamedTuple

from aiohttp import web
from aiortc import (
    MediaStreamTrack,
    RTCConfiguration,
    RTCDataChannel,
    RTCIceServer,
    RTCPeerConnection,
    RTCSessionDescription,
)
from aiortc.contrib.media import MediaBlackhole

from ..errors import ProtocolError, Unauthorized, UserError
from ..limits import client_address
from ..live.owner import guarded
from ..people import links
from ..settings import IceServer
from ..store import Store
from .api import body_json, json_response
from .keys import OWNER, SETTINGS

log = logging.getLogger(__name__)
CLOSE_S = 3.0  # how long the shutdown waits for the self-tests to close


class _Slot(NamedTuple):
    """Who holds a self-test, and until when."""

    address: str
    event: str
    connect_by: float  # closed then if it has not connected
    until: float  # closed then anyway


class Echo:
    """Answers self-test offers with an aiortc peer that echoes the video and pings.

    Media is decoded and re-encoded per connection, so few run at once (``limit``, at most
    ``per_address`` from one client address and ``per_event`` for one event) and none for long:
    a test that has not connected within ``connect_s`` is closed, every test after ``lifetime_s``.
    """

    def __init__(
        self,
        limit: int = 4,
        lifetime_s: float = 120.0,
        ice_servers: Sequence[IceServer] | Callable[[], Sequence[IceServer]] = (),
        per_address: int = 2,
        connect_s: float = 20.0,
        per_event: int = 4,
    ) -> None:
        # The rooms' servers, asked for each test (TURN credentials are short-lived).
        self._ice = ice_servers if callable(ice_servers) else lambda: ice_servers
        self._limit = limit
        self._per_address = per_address
        self._per_event = per_event
        self._connect_s = connect_s
        self._lifetime = lifetime_s
        self._peers: dict[RTCPeerConnection, _Slot] = {}
        self._holes: dict[RTCPeerConnection, MediaBlackhole] = {}

    async def answer(self, sdp: str, kind: str, address: str, event: str) -> RTCSessionDescription:
        """Accept an offer (complete, non-trickled) from ``address`` for a link of ``event``,
        and return the answer."""
        if kind != "offer" or "\nm=" not in sdp:
            raise ProtocolError(
                "bad_request", "Send {sdp, type: 'offer'} with at least one media or data line."
            )
        await self.sweep()
        if sum(slot.address == address for slot in self._peers.values()) >= self._per_address:
            raise UserError(
                "busy",
                "A self-test from your connection is still running: close its tab, or try again "
                f"in {round(self._connect_s)} seconds.",
                why="yours",
                seconds=round(self._connect_s),
            )
        if sum(slot.event == event for slot in self._peers.values()) >= self._per_event:
            raise UserError(
                "busy",
                "Many self-tests of this event are running; try again in a minute.",
                why="this_event",
            )
        if len(self._peers) >= self._limit:
            raise UserError(
                "busy", "Too many self-tests are running; try again in a minute.", why="self_tests"
            )
        pc = RTCPeerConnection(self._configuration())
        now = time.monotonic()
        self._peers[pc] = _Slot(address, event, now + self._connect_s, now + self._lifetime)
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

    def _configuration(self) -> RTCConfiguration:
        # Only the configured servers: left alone, aiortc would ask a public STUN server, which a
        # closed network cannot reach (gathering then waits for it to time out).
        servers = [RTCIceServer(s.urls, s.username, s.credential) for s in self._ice()]
        return RTCConfiguration(iceServers=servers)

    async def _close(self, pc: RTCPeerConnection) -> None:
        self._peers.pop(pc, None)
        hole = self._holes.pop(pc, None)
        if hole is not None:
            await hole.stop()
        await pc.close()

    async def sweep(self) -> None:
        """Close the self-tests that never connected in time, or outlived their time."""
        now = time.monotonic()
        for pc, slot in list(self._peers.items()):
            late = pc.connectionState != "connected" and slot.connect_by < now
            if late or slot.until < now:
                await self._close(pc)

    async def run(self, every_s: float = 1.0) -> None:
        """Sweep until cancelled (tests that were abandoned free their slot)."""
        while True:
            await guarded("self-test sweep", self.sweep)
            await asyncio.sleep(every_s)

    async def close(self, within_s: float = CLOSE_S) -> None:
        """Close every self-test (shutdown), waiting at most ``within_s``: aioice says goodbye
        to the TURN server of an echo that took a relay address, and retries for about 30 s when
        that server is gone."""
        closing = asyncio.gather(*(self._close(pc) for pc in list(self._peers)))
        try:
            await asyncio.wait_for(closing, within_s)
        except TimeoutError:
            log.warning("self-tests still closing after %s s at shutdown: left to go", within_s)


routes = web.RouteTableDef()
ECHO = web.AppKey("echo", Echo)


async def linked_event(store: Store, event: object, token: object) -> str:
    """The event whose link an offer carries: a participant's link, or the event's registration
    link (``Unauthorized`` ``needs_link`` otherwise)."""
    if isinstance(event, str) and isinstance(token, str) and event and token:
        ref = await store.resolve(token)
        if ref is not None:
            if ref.role == "participant" and ref.event_id == event:
                return event
        else:
            state = await store.load(event)
            if state is not None and links.same(token, state.registration_token_hash):
                return event
    raise Unauthorized(
        "needs_link",
        "The self-test starts only from a link of an event: open it from your personal link "
        "(the event's page) or from the event's registration page.",
    )


@routes.post("/api/check")
async def check_offer(request: web.Request) -> web.Response:
    """The self-test: answer the browser's offer, made from a link of an event, with the echo."""
    body = await body_json(request)
    if not isinstance(body, dict):
        body = {}
    event = await linked_event(request.app[OWNER].store, body.get("event"), body.get("token"))
    settings = request.app[SETTINGS]
    who = client_address(
        request.remote, request.headers.get("X-Forwarded-For"), settings.trust_forwarded_for
    )
    echo = request.app[ECHO]
    answer = await echo.answer(str(body.get("sdp", "")), str(body.get("type", "")), who, event)
    return json_response({"sdp": answer.sdp, "type": answer.type})
