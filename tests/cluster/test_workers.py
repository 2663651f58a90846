"""``--workers N``: several processes share one port; one that dies is started again."""

from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import Any

import aiohttp

from tests.cluster.conftest import Cluster
from tests.conftest import ADMIN, DATA_KEY
from tests.procs import Server, eventually


async def _health(url: str) -> dict[str, Any]:
    # a new connection each time, so the kernel may hand it to any of the processes
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(force_close=True)) as http:
        headers = {"Authorization": f"Bearer {ADMIN}"}  # which process answered: the admin's
        async with http.get(url + "/healthz?detail", headers=headers) as r:
            assert r.status == 200
            return await r.json()  # type: ignore[no-any-return]


async def _pids(url: str, tries: int = 40) -> set[int]:
    pids = set()
    for _ in range(tries):
        try:
            pids.add((await _health(url))["pid"])
        except aiohttp.ClientConnectionError:
            pass  # a connection the dying process had accepted: a browser would retry
    return pids


async def test_workers_share_the_port_and_a_dead_one_comes_back(cluster: Cluster) -> None:
    server = Server(
        "workers", cluster.folder, store="redis", redis_url=cluster.redis.url,
        redis_prefix=cluster.prefix, data_dir=str(cluster.folder / "data"), data_key=DATA_KEY,
    )  # fmt: skip
    cluster.servers.append(server)
    await server.start("--workers", "2")
    first = await eventually(lambda: _two(server.url))
    assert server.pid not in first  # the supervisor serves nothing itself

    # an event made through one process is served by the other
    ev = await cluster.event(server)
    status, body = await cluster.api(server, "GET", f"/api/events/{ev.id}")
    assert status == 200 and body["participants"] == 4

    victim = min(first)
    os.kill(victim, signal.SIGKILL)
    again = await eventually(lambda: _two(server.url, without=victim), timeout=30)
    assert victim not in again and len(again & first) == 1
    await server.stop()
    assert not server.running()


async def _two(url: str, without: int | None = None) -> set[int] | None:
    pids = await _pids(url)
    return pids if len(pids) == 2 and without not in pids else None


async def test_workers_need_redis(tmp_path: Path) -> None:
    server = Server("alone", tmp_path, data_dir=str(tmp_path / "data")).spawn("--workers", "2")
    assert await server.wait_exit() != 0
    assert "workers above 1 need store: redis" in server.log()
