"""What one connection, and one address, may hold of the server (issue 17.11, reproduced on main:
an endless chunked upload was answered 413 after the body limit and then read on for 10 s, about
12 GiB; 1,500 connections that never finished their headers were held about 75 s each)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
import socketio
from aiohttp import web

from server.app import create_app
from server.http import connections
from tests.conftest import ADMIN, PEOPLE, settings_for
from tests.procs import eventually

CHUNK = 64 * 1024
MOST = 512 * 1024 * 1024  # what the test would pour at most: far more than the body limit
GUARD_S = 20  # a guard against a test that hangs, never a measure


async def _head(reader: asyncio.StreamReader) -> bytes:
    """The head of the server's answer (status line and headers)."""
    return await reader.readuntil(b"\r\n\r\n")


async def _closed(reader: asyncio.StreamReader) -> bool:
    """Read on until the server closes the connection (an end of file or a reset)."""
    try:
        while await reader.read(CHUNK):
            pass
    except ConnectionError:
        pass
    return True


async def test_an_endless_upload_is_answered_and_the_connection_closed(
    start: Callable[..., Any],
) -> None:
    server = await start()
    reader, writer = await asyncio.open_connection("127.0.0.1", server.server.port)
    writer.write(
        b"POST /api/events HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Authorization: Bearer " + ADMIN.encode() + b"\r\n"
        b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
    piece = b"%x\r\n%s\r\n" % (CHUNK, b" " * CHUNK)
    sent = 0

    async def pour() -> None:
        nonlocal sent
        try:
            while sent < MOST:
                writer.write(piece)
                await writer.drain()
                sent += CHUNK
        except ConnectionError:
            pass  # the server closed the connection: what is expected

    pouring = asyncio.create_task(pour())
    try:
        async with asyncio.timeout(GUARD_S):
            head = await _head(reader)
            assert await _closed(reader)
            await pouring
    finally:
        pouring.cancel()
        writer.close()
    assert head.startswith(b"HTTP/1.1 413"), head
    assert b"connection: close" in head.lower(), head
    # the server stopped reading: the upload was cut off near the limit, not read to its end
    assert sent < MOST // 4, sent


async def test_headers_that_never_end_are_cut_off(start: Callable[..., Any]) -> None:
    server = await start(header_timeout_seconds=0.5)
    reader, writer = await asyncio.open_connection("127.0.0.1", server.server.port)
    writer.write(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: a")
    try:
        async with asyncio.timeout(GUARD_S):
            assert await _closed(reader)
    finally:
        writer.close()


Door = Callable[..., Any]


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[Door]:
    """Serve the app as ``python -m server`` does (its connections pass the door), on a free
    port; ``await served(**settings)`` gives ``(port, door)``."""
    runners: list[web.AppRunner] = []

    async def _serve(**overrides: Any) -> tuple[int, connections.Connections]:
        app = create_app(settings_for(tmp_path, **overrides))
        runner = web.AppRunner(app)
        await runner.setup()
        runners.append(runner)
        site = connections.GuardedSite(runner, "127.0.0.1", 0)
        await site.start()
        return site.port, app[connections.CONNECTIONS]

    yield _serve
    for runner in runners:
        await runner.cleanup()


async def _ask(port: int, source: str) -> tuple[bytes, asyncio.StreamWriter]:
    """Open a connection from ``source`` (any address of the loopback network), ask for
    ``/healthz`` and read the head of the answer; the connection stays open (keep-alive)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port, local_addr=(source, 0))
    writer.write(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    head = await _head(reader)
    length = int(next(
        line.split(b":", 1)[1] for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    ))  # fmt: skip
    await reader.readexactly(length)
    return head, writer


async def test_one_address_holds_at_most_its_connections(served: Door) -> None:
    port, door = await served(connections_per_address=3)
    held = []
    async with asyncio.timeout(GUARD_S):
        for _ in range(3):
            head, writer = await _ask(port, "127.0.0.1")
            assert head.startswith(b"HTTP/1.1 200"), head
            held.append(writer)
        refused, extra = await _ask(port, "127.0.0.1")
        assert refused.startswith(b"HTTP/1.1 429") and b"connection: close" in refused.lower()
        assert door.held("127.0.0.1") == 3 and door.refused == 1
        other, elsewhere = await _ask(port, "127.0.0.2")  # another address gets in
        assert other.startswith(b"HTTP/1.1 200"), other
        held += [extra, elsewhere]
        held[0].close()  # one closed: its place is given back

        async def back() -> bool:
            return door.held("127.0.0.1") == 2

        await eventually(back)
        head, writer = await _ask(port, "127.0.0.1")
        assert head.startswith(b"HTTP/1.1 200"), head
        held.append(writer)
    for writer in held:
        writer.close()


async def test_behind_a_trusted_proxy_the_forwarded_address_is_counted(
    start: Callable[..., Any],
) -> None:
    """Every connection comes from the proxy: its own address is not capped, each forwarded
    address is, over its running requests (a socket runs as long as it is open)."""
    server = await start(trust_forwarded_for=True, connections_per_address=1)
    ev = await server.event(PEOPLE[:3])
    door = server.server.app[connections.CONNECTIONS]
    first = socketio.AsyncClient(reconnection=False)
    await first.connect(
        server.url, namespaces=["/participant"], auth={"token": ev.person(0)[1]},
        transports=["websocket"], headers={"X-Forwarded-For": "198.51.100.1"}, wait_timeout=10,
    )  # fmt: skip
    server.clients.append(first)
    assert door.held("198.51.100.1") == 1
    second = socketio.AsyncClient(reconnection=False)
    with pytest.raises(socketio.exceptions.ConnectionError):
        await second.connect(
            server.url, namespaces=["/participant"], auth={"token": ev.person(1)[1]},
            transports=["websocket"], headers={"X-Forwarded-For": "198.51.100.1"},
            wait_timeout=10,
        )  # fmt: skip
    if second.eio.http is not None:  # refused at the handshake: its HTTP session is left open
        await second.eio.http.close()
    other = await server.connect("/participant", ev.person(2)[1])  # from the proxy itself
    assert other.sio.connected and door.refused == 1
    async with server.http.get(
        server.url + "/healthz", headers={"X-Forwarded-For": "198.51.100.1"}
    ) as r:
        assert r.status == 429 and r.headers["Connection"] == "close"
        assert "Too many connections from your address" in await r.text()
