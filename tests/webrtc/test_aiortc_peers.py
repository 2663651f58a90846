"""Real WebRTC: aiortc peers negotiate through our signaling, and the self-test echoes."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from aiortc import (
    MediaStreamTrack,
    RTCConfiguration,
    RTCDataChannel,
    RTCPeerConnection,
    RTCSessionDescription,
    VideoStreamTrack,
)

from tests.conftest import ADMIN, PEOPLE, Client, Running
from tests.transport.gathering import gather

# aiortc gathers every candidate before setLocalDescription returns and runs its ICE checks on
# real sockets: give a connection a few seconds, never the whole test budget.
CONNECT_TIMEOUT = 20


@pytest.fixture
async def server(start: Callable[..., Any]) -> Running:
    """A server whose boards refresh quickly (``gather`` waits for the board to see everyone)."""
    return await start(board_interval_ms=20)  # type: ignore[no-any-return]


def lan_only() -> RTCPeerConnection:
    """A peer that asks no STUN server (aiortc would default to a public one)."""
    return RTCPeerConnection(RTCConfiguration(iceServers=[]))


def description(pc: RTCPeerConnection) -> dict[str, str]:
    d = pc.localDescription
    return {"type": d.type, "sdp": d.sdp}


async def connected(pc: RTCPeerConnection) -> None:
    """Wait until ``pc`` is connected (fail at once if it fails)."""
    done = asyncio.Event()

    def check() -> None:
        if pc.connectionState in ("connected", "failed", "closed"):
            done.set()

    pc.on("connectionstatechange", check)
    check()
    async with asyncio.timeout(CONNECT_TIMEOUT):
        await done.wait()
    assert pc.connectionState == "connected"


class Peer:
    """One participant's WebRTC side, signaling through the participant's Socket.IO client.

    As in the browser: a description that arrives is applied, an offer is answered.
    """

    def __init__(self, client: Client, partner: str) -> None:
        self.client = client
        self.partner = partner
        self.pc = lan_only()
        self.tracks: asyncio.Queue[MediaStreamTrack] = asyncio.Queue()
        self.channels: asyncio.Queue[RTCDataChannel] = asyncio.Queue()
        self.errors: list[BaseException] = []
        self.pc.on("track", self.tracks.put_nowait)
        self.pc.on("datachannel", self.channels.put_nowait)
        client.sio.on("signal", self._on_signal, namespace="/participant")

    async def _on_signal(self, message: dict[str, Any]) -> None:
        try:
            assert message["from"] == self.partner
            desc = message["data"]["description"]
            await self.pc.setRemoteDescription(RTCSessionDescription(desc["sdp"], desc["type"]))
            if desc["type"] == "offer":
                await self.pc.setLocalDescription(await self.pc.createAnswer())
                await self.send()
        except BaseException as exc:  # surfaced by the test, not lost in a handler task
            self.errors.append(exc)
            raise

    async def send(self) -> None:
        """Send the complete local description (aiortc does not trickle candidates)."""
        data = {"description": description(self.pc)}
        ack = await self.client.call("signal", {"to": self.partner, "data": data})
        assert ack == {"ok": True}, ack

    async def offer(self) -> None:
        await self.pc.setLocalDescription(await self.pc.createOffer())
        await self.send()


async def received(channel: RTCDataChannel) -> Any:
    """The next message on ``channel``."""
    got: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
    channel.on("message", lambda m: got.done() or got.set_result(m))
    async with asyncio.timeout(CONNECT_TIMEOUT):
        return await got


async def opened(channel: RTCDataChannel) -> None:
    if channel.readyState == "open":
        return
    done = asyncio.Event()
    channel.on("open", done.set)
    async with asyncio.timeout(CONNECT_TIMEOUT):
        await done.wait()


async def test_two_partners_connect_through_our_signaling(server: Running) -> None:
    g = await gather(server)
    caller = next(pid for pid, a in g.rooms.items() if a["polite"] is False)
    callee = g.partner(caller)
    a = Peer(g.people[caller], callee)
    b = Peer(g.people[callee], caller)
    try:
        a.pc.addTrack(VideoStreamTrack())
        chat = a.pc.createDataChannel("chat")
        await a.offer()  # the impolite peer of the room calls
        await asyncio.gather(connected(a.pc), connected(b.pc))
        assert not a.errors and not b.errors

        # media flows from a to b
        async with asyncio.timeout(CONNECT_TIMEOUT):
            track = await b.tracks.get()
            assert track.kind == "video"
            frame = await track.recv()
        assert (frame.width, frame.height) == (640, 480)

        # and messages both ways over the data channel
        await opened(chat)
        async with asyncio.timeout(CONNECT_TIMEOUT):
            theirs = await b.channels.get()
        assert theirs.label == "chat"
        hello = received(theirs)
        chat.send("bonjour")
        assert await hello == "bonjour"
        back = received(chat)
        theirs.send("hello")
        assert await back == "hello"
    finally:
        await a.pc.close()
        await b.pc.close()


async def test_a_stranger_cannot_be_called(server: Running) -> None:
    """The relay refuses a real offer to someone in another room."""
    g = await gather(server)
    caller = next(iter(g.people))
    pc = lan_only()
    try:
        pc.createDataChannel("chat")
        await pc.setLocalDescription(await pc.createOffer())
        data = {"description": description(pc)}
        ack = await g.people[caller].call("signal", {"to": g.stranger(caller), "data": data})
        assert ack["ok"] is False and ack["error"]["code"] == "not_your_peer"
    finally:
        await pc.close()


async def link(server: Running) -> dict[str, str]:
    """A participant's link of a new event, as the self-test page sends it with its offer."""
    ev = await server.event(PEOPLE[:1])
    return {"event": ev.id, "token": ev.person(0)[1]}


async def check(
    server: Running, pc: RTCPeerConnection, linked: dict[str, str] | None = None
) -> tuple[int, dict[str, Any]]:
    await pc.setLocalDescription(await pc.createOffer())
    body = {**description(pc), **(linked or await link(server))}
    async with server.http.post(f"{server.url}/api/check", json=body) as r:
        return r.status, await r.json()


async def test_the_self_test_echoes_video_and_pings(server: Running) -> None:
    pc = lan_only()
    tracks: asyncio.Queue[MediaStreamTrack] = asyncio.Queue()
    pc.on("track", tracks.put_nowait)
    try:
        pc.addTrack(VideoStreamTrack())
        ping = pc.createDataChannel("ping")
        status, answer = await check(server, pc)
        assert status == 200 and answer["type"] == "answer" and answer["sdp"].startswith("v=0")
        await pc.setRemoteDescription(RTCSessionDescription(answer["sdp"], answer["type"]))
        await connected(pc)

        async with asyncio.timeout(CONNECT_TIMEOUT):
            echo = await tracks.get()
            assert echo.kind == "video"
            frame = await echo.recv()  # our own video, back from the server
        assert frame.width > 0 and frame.height > 0

        await opened(ping)
        pong = received(ping)
        ping.send("ping 1")
        assert await pong == "ping 1"
    finally:
        await pc.close()


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"sdp": "", "type": "offer"}, "bad_request"),
        ({"sdp": "v=0", "type": "answer"}, "bad_request"),
        ({"sdp": "v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 0\r\n", "type": "offer"}, "bad_sdp"),
    ],
)
async def test_the_self_test_refuses_a_bad_offer(server: Running, body: Any, code: str) -> None:
    async with server.http.post(
        f"{server.url}/api/check", json={**body, **await link(server)}
    ) as r:
        assert r.status == 400
        assert (await r.json())["error"]["code"] == code
    # and still answers a good one
    pc = lan_only()
    try:
        pc.createDataChannel("ping")
        status, _ = await check(server, pc)
        assert status == 200
    finally:
        await pc.close()


async def test_the_self_test_needs_no_admin_token(start: Callable[..., Any]) -> None:
    """It is for participants before the event: no bearer, and it is not an admin call."""
    server = await start()
    pc = lan_only()
    try:
        pc.createDataChannel("ping")
        await pc.setLocalDescription(await pc.createOffer())
        async with server.http.post(
            f"{server.url}/api/check",
            json={**description(pc), **await link(server)},
            headers={"Authorization": f"Bearer {ADMIN}-wrong"},
        ) as r:
            assert r.status == 200
    finally:
        await pc.close()


async def test_the_self_test_is_limited(start: Callable[..., Any]) -> None:
    """A few self-tests at once (each re-encodes video on the server); then 409 busy."""
    server = await start(selftests=4, selftests_per_address=10)
    peers = [lan_only() for _ in range(5)]
    try:
        statuses = []
        for pc in peers:
            pc.createDataChannel("ping")
            status, body = await check(server, pc)  # each from an event of its own
            statuses.append(status if status == 200 else (status, body["error"]["code"]))
        assert statuses == [200, 200, 200, 200, (409, "busy")]
    finally:
        for pc in peers:
            await pc.close()
