"""Several server processes on one Redis, all started (and killed) by the test."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.conftest import ADMIN, DATA_KEY, PEOPLE, Client, Event, need_redis
from tests.procs import Redis, Server, eventually

LEASE_S = 1.5
PRESENCE_S = 2.0


@dataclass
class Cluster:
    """A Redis and the server processes that share it."""

    folder: Path
    redis: Redis
    prefix: str
    http: aiohttp.ClientSession
    servers: list[Server] = field(default_factory=list)
    clients: list[Client] = field(default_factory=list)

    async def add(self, name: str, **settings: Any) -> Server:
        """Start one more server process on the cluster's Redis."""
        server = Server(
            name,
            self.folder,
            store="redis",
            redis_url=self.redis.url,
            redis_prefix=self.prefix,
            data_key=DATA_KEY,
            data_dir=str(self.folder / f"data-{name}"),
            lease_seconds=LEASE_S,
            presence_timeout_seconds=PRESENCE_S,
            board_interval_ms=100,
            restart_grace_seconds=0,
            **settings,
        )
        self.servers.append(server)
        return await server.start()

    async def api(self, server: Server, method: str, path: str, **kw: Any) -> tuple[int, Any]:
        """Call the JSON API of one process as the admin."""
        headers = {"Authorization": f"Bearer {ADMIN}"}
        async with self.http.request(method, server.url + path, headers=headers, **kw) as r:
            body = await r.json() if r.content_type == "application/json" else await r.text()
            return r.status, body

    async def event(
        self, server: Server, people: list[dict[str, Any]] = PEOPLE, **spec: Any
    ) -> Event:
        """Create a two-sided event through ``server`` and register ``people``."""
        body = {
            "title": "Cluster test",
            "round_seconds": 300,
            "break_seconds": 60,
            "rounds": 3,
            "matching": {"mode": "bipartite", "sides": ["commune", "solution"]},
            **spec,
        }
        status, created = await self.api(server, "POST", "/api/events", json=body)
        assert status == 201, created
        ev = Event(created)
        status, rows = await self.api(
            server, "POST", f"/api/events/{ev.id}/participants", json=people
        )
        assert status == 201, rows
        ev.people = rows
        return ev

    async def connect(self, server: Server, namespace: str, token: str) -> Client:
        """A real Socket.IO client of ``server`` (websocket, no reconnection)."""
        client = Client(namespace)
        await client.connect(server.url, token)
        self.clients.append(client)
        return client

    async def health(self, server: Server) -> dict[str, Any]:
        status, body = await self.api(server, "GET", "/healthz")
        assert status == 200, body
        return body  # type: ignore[no-any-return]

    async def holder(self, event_id: str) -> Server:
        """The process that holds the event's lease (runs its conductor and board)."""

        async def find() -> Server | None:
            for s in self.servers:
                if s.running() and event_id in (await self.health(s))["leases"]:
                    return s
            return None

        return await eventually(find)  # type: ignore[no-any-return]


@pytest.fixture
async def cluster(tmp_path: Path) -> AsyncIterator[Cluster]:
    """A Redis of the test's own; servers are added with ``await cluster.add(name)``."""
    need_redis()
    redis = await Redis(tmp_path).start()
    async with aiohttp.ClientSession() as http:
        c = Cluster(tmp_path, redis, f"c{uuid.uuid4().hex[:8]}", http)
        try:
            yield c
        finally:
            for client in c.clients:
                if client.sio.connected:
                    await client.close()
            for server in c.servers:
                await server.stop()
            await redis.stop()
