"""What one connection, and one address, may hold of the server: a body over the limit ends its
connection (answered, then closed, never read to its end); an address holds at most so many
connections at once (counted as they open, so that connections that never finish their headers
count too; behind a trusted proxy, by the forwarded address, as its requests run); headers that
do not arrive in time end the connection (``header_timeout_seconds``: aiohttp's keep-alive timer,
which runs from the moment a connection opens)."""

from __future__ import annotations

import asyncio
import signal
import socket
from collections.abc import Callable
from typing import Any

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger

from ..limits import client_address


class Connections:
    """Open connections by address, at most ``limit`` each (0: no limit). ``by_peer``: counted
    as TCP connections open (the peer is the client); else as requests run (behind a trusted
    proxy, by the forwarded address)."""

    def __init__(self, limit: int, *, by_peer: bool) -> None:
        self.limit = limit
        self.by_peer = by_peer
        self._open: dict[str, int] = {}  # bounded by the connections open; 0 is forgotten
        self.refused = 0

    def enter(self, address: str) -> bool:
        """Count one more for ``address``; ``False`` (counting nothing) when it holds its most."""
        held = self._open.get(address, 0)
        if self.limit and held >= self.limit:
            self.refused += 1
            return False
        self._open[address] = held + 1
        return True

    def leave(self, address: str) -> None:
        """One fewer for ``address``."""
        held = self._open.get(address, 0) - 1
        if held > 0:
            self._open[address] = held
        else:
            self._open.pop(address, None)

    def held(self, address: str) -> int:
        """How many ``address`` holds now."""
        return self._open.get(address, 0)

    def refusal(self) -> str:
        """What a refused client reads."""
        return (
            f"Too many connections from your address at once (at most {self.limit}). "
            "Close pages of this site you no longer use, then try again."
        )


CONNECTIONS = web.AppKey("connections", Connections)


def _refusal_bytes(door: Connections) -> bytes:
    body = door.refusal().encode()
    return (
        b"HTTP/1.1 429 Too Many Requests\r\nContent-Type: text/plain; charset=utf-8\r\n"
        b"Retry-After: 5\r\nConnection: close\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)
    )


class Guarded(asyncio.Protocol):
    """A connection that passes the door before aiohttp's own protocol sees it: over its
    address's limit it is answered 429 and closed at once, without reading anything."""

    def __init__(self, make: Callable[[], asyncio.Protocol], door: Connections) -> None:
        self._make = make
        self._door = door
        self._inner: asyncio.Protocol | None = None
        self._address: str | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Count the peer's address, or refuse it; then hand the connection to aiohttp."""
        peer = transport.get_extra_info("peername")
        address = str(peer[0]) if isinstance(peer, tuple) and peer else "?"
        if not self._door.enter(address):
            assert isinstance(transport, asyncio.Transport)
            transport.write(_refusal_bytes(self._door))
            transport.close()
            return
        self._address = address
        self._inner = self._make()
        self._inner.connection_made(transport)

    def connection_lost(self, exc: Exception | None) -> None:
        """Give the address its place back."""
        if self._address is not None:
            self._door.leave(self._address)
            self._address = None
        if self._inner is not None:
            self._inner.connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        """aiohttp's."""
        if self._inner is not None:
            self._inner.data_received(data)

    def eof_received(self) -> bool | None:
        """aiohttp's."""
        return self._inner.eof_received() if self._inner is not None else None

    def pause_writing(self) -> None:
        """aiohttp's."""
        if self._inner is not None:
            self._inner.pause_writing()

    def resume_writing(self) -> None:
        """aiohttp's."""
        if self._inner is not None:
            self._inner.resume_writing()


class GuardedSite(web.BaseSite):
    """A TCP site of the app whose connections pass its door (``CONNECTIONS``)."""

    def __init__(
        self, runner: web.AppRunner, host: str, port: int, *, reuse_port: bool = False
    ) -> None:
        super().__init__(runner)
        self._door = runner.app[CONNECTIONS]
        self._host = host
        self._port = port
        self._reuse_port = reuse_port

    @property
    def name(self) -> str:
        """``http://host:port``."""
        return f"http://{self._host}:{self.port}"

    @property
    def port(self) -> int:
        """The port listened on (the one the system chose for port 0)."""
        if self._server is None:
            return self._port
        sockets: Any = self._server.sockets  # type: ignore[attr-defined]
        return int(sockets[0].getsockname()[1])

    async def start(self) -> None:
        """Listen."""
        await super().start()
        server = self._runner.server
        assert server is not None
        door = self._door
        self._server = await asyncio.get_running_loop().create_server(
            lambda: Guarded(server, door),
            self._host,
            self._port,
            backlog=self._backlog,
            reuse_address=True,
            reuse_port=self._reuse_port,
            family=socket.AF_INET6 if ":" in self._host else socket.AF_UNSPEC,
        )


async def serve(
    app: web.Application,
    host: str,
    port: int,
    *,
    reuse_port: bool,
    access_log_class: type[AbstractAccessLogger],
) -> None:
    """Serve ``app`` until SIGINT or SIGTERM, then shut it down in order (as ``web.run_app``
    does, with the door in front)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    runner = web.AppRunner(app, access_log_class=access_log_class)
    await runner.setup()
    try:
        await GuardedSite(runner, host, port, reuse_port=reuse_port).start()
        await stop.wait()
    finally:
        await runner.cleanup()


@web.middleware
async def by_forwarded(request: web.Request, handler: Any) -> web.StreamResponse:
    """Behind a trusted proxy (every connection is the proxy's): count the forwarded address's
    requests as they run (a socket's is as long as the socket), at most the door's limit."""
    door = request.app[CONNECTIONS]
    if door.by_peer or not door.limit:
        response: web.StreamResponse = await handler(request)
        return response
    who = client_address(request.remote, request.headers.get("X-Forwarded-For"), True)
    if not door.enter(who):
        refused = web.Response(status=429, text=door.refusal(), headers={"Retry-After": "5"})
        refused.force_close()
        return refused
    try:
        response = await handler(request)
        return response
    finally:
        door.leave(who)


@web.middleware
async def close_unread(request: web.Request, handler: Any) -> web.StreamResponse:
    """An answer given before the request's body was read to its end (a body over the limit:
    413) says ``Connection: close``, and the connection closes once it is sent: the rest of the
    body is never read (aiohttp would read on for ``lingering_time``, gigabytes)."""
    try:
        response: web.StreamResponse = await handler(request)
    except web.HTTPException as exc:
        if not request.content.is_eof():
            exc.force_close()
        raise
    if not request.content.is_eof():
        response.force_close()
    return response


def handler_args(header_timeout_s: float) -> dict[str, Any]:
    """aiohttp's connection settings: never linger reading a body nobody wants; close a
    connection whose request (the first or the next) is not whole in ``header_timeout_s``."""
    return {"lingering_time": 0, "keepalive_timeout": header_timeout_s}
