"""A delaying relay of the tests' own, for UDP and TCP on one port (this kernel has no
``tc netem``): everything it carries arrives ``delay`` seconds later in each direction, and a
share ``loss`` of the UDP datagrams, drawn from a seeded generator, never arrives. TCP keeps its
order (a stream is delayed, never reordered or cut).

Put it in front of a turnserver: ``Delay(("10.0.0.1", 0), ("127.0.0.1", turn.port))``; the
clients then use ``turn:10.0.0.1:<delay.port>``.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import cast

DELAY_S = 0.150
LOSS = 0.02
TCP_CHUNK = 65536


@dataclass
class Counts:
    """What the relay carried: datagrams in, datagrams dropped, TCP bytes."""

    datagrams: int = 0
    dropped: int = 0
    tcp_bytes: int = 0
    connections: int = 0


class _Upstream(asyncio.DatagramProtocol):
    """One client's datagram socket to the upstream: answers go back to that client."""

    def __init__(self, relay: Delay, client: tuple[str, int]) -> None:
        self.relay = relay
        self.client = client
        self.transport: asyncio.DatagramTransport | None = None
        self.used = 0.0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        self.used = asyncio.get_running_loop().time()
        front = self.relay.front
        if front is not None:
            self.relay.later(front.sendto, data, self.client)


class _Front(asyncio.DatagramProtocol):
    """The relay's UDP socket: each client gets an upstream socket of its own."""

    def __init__(self, relay: Delay) -> None:
        self.relay = relay

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        self.relay.task_for(addr, data)


@dataclass
class Delay:
    """The relay: ``await start()``, ``port``, ``counts``, ``await close()``."""

    listen: tuple[str, int]
    upstream: tuple[str, int]
    delay: float = DELAY_S
    loss: float = LOSS
    seed: int = 18
    counts: Counts = field(default_factory=Counts)

    def __post_init__(self) -> None:
        self.random = random.Random(self.seed)
        self.front: asyncio.DatagramTransport | None = None
        self.port = 0
        self._server: asyncio.Server | None = None
        self._clients: dict[tuple[str, int], _Upstream] = {}
        self._pending: dict[tuple[str, int], list[bytes]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._timers: set[asyncio.TimerHandle] = set()

    async def start(self) -> Delay:
        """Listen for TCP and UDP on one port (a free one when ``listen`` gives 0)."""
        host, port = self.listen
        loop = asyncio.get_running_loop()
        for _ in range(50):  # a free TCP port may be taken for UDP: try another
            self._server = await asyncio.start_server(self._stream, host, port)
            self.port = self._server.sockets[0].getsockname()[1]
            try:
                front, _ = await loop.create_datagram_endpoint(
                    lambda: _Front(self), local_addr=(host, self.port)
                )
            except OSError:
                self._server.close()
                if port:
                    raise
                continue
            self.front = front
            return self
        raise OSError(f"no port free for both TCP and UDP on {host}")

    async def close(self) -> None:
        """Stop relaying: close the sockets and cancel what is in flight."""
        for timer in self._timers:
            timer.cancel()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for client in self._clients.values():
            if client.transport is not None:
                client.transport.close()
        if self.front is not None:
            self.front.close()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    def later(self, send: Callable[..., object], data: bytes, *where: object) -> None:
        """Send ``data`` after the delay, unless this datagram is one of the lost ones."""
        self.counts.datagrams += 1
        if self.random.random() < self.loss:
            self.counts.dropped += 1
            return
        loop = asyncio.get_running_loop()
        timer: asyncio.TimerHandle

        def fire() -> None:
            self._timers.discard(timer)
            with contextlib.suppress(OSError):
                send(data, *where)

        timer = loop.call_later(self.delay, fire)
        self._timers.add(timer)

    def task_for(self, client: tuple[str, int], data: bytes) -> None:
        """Relay one datagram of ``client`` upstream, opening its upstream socket first."""
        up = self._clients.get(client)
        if up is not None and up.transport is not None:
            up.used = asyncio.get_running_loop().time()
            self.later(up.transport.sendto, data)
            return
        if client in self._pending:
            self._pending[client].append(data)
            return
        self._pending[client] = [data]
        self._spawn(self._open(client))

    async def _open(self, client: tuple[str, int]) -> None:
        loop = asyncio.get_running_loop()
        transport, up = await loop.create_datagram_endpoint(
            lambda: _Upstream(self, client), remote_addr=self.upstream
        )
        self._clients[client] = up
        for data in self._pending.pop(client, []):
            self.later(transport.sendto, data)

    def _spawn(self, work: Coroutine[object, object, None]) -> None:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _stream(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """One TCP client: a connection upstream, each direction delayed in order."""
        self.counts.connections += 1
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.upstream)
        except OSError:
            writer.close()
            return
        try:
            async with asyncio.TaskGroup() as group:
                group.create_task(self._pump(reader, up_writer))
                group.create_task(self._pump(up_reader, writer))
        except* (OSError, asyncio.IncompleteReadError):
            pass
        finally:
            for w in (writer, up_writer):
                w.close()
            self._tasks.discard(task)

    async def _pump(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Copy one direction, each chunk written ``delay`` after it was read, in order."""
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()

        async def write() -> None:
            while True:
                due, data = await queue.get()
                if not data:  # their end closed: close ours the same way
                    if writer.can_write_eof():
                        writer.write_eof()
                    return
                wait = due - loop.time()
                if wait > 0:
                    await asyncio.sleep(wait)
                writer.write(data)
                await writer.drain()

        writing = asyncio.ensure_future(write())
        try:
            while True:
                data = await reader.read(TCP_CHUNK)
                self.counts.tcp_bytes += len(data)
                queue.put_nowait((loop.time() + self.delay, data))
                if not data:
                    break
            await writing
        finally:
            writing.cancel()
