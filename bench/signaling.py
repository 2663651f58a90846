"""Signaling relay: how long a `signal` takes from one browser to its partner through the server.

Starts a real server on a free port, registers pairs of participants, starts a round, then each
participant of a pair relays messages to its partner. The baseline, measured in the same run, is
the plain `time` round trip (one client to the server and back): the ratio says what relaying to
another socket costs on top of a round trip.

    .venv/bin/python bench/signaling.py [--pairs 1,10,50] [--messages 200]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
import socketio
from aiohttp.test_utils import TestServer

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from server.app import create_app
from server.settings import load

ADMIN = "bench"


async def _client(url: str, ns: str, token: str) -> socketio.AsyncClient:
    c = socketio.AsyncClient(reconnection=False)
    await c.connect(url, namespaces=[ns], auth={"token": token}, transports=["websocket"])
    return c


async def run(pairs: int, messages: int, data_dir: str) -> tuple[float, float, float]:
    app = create_app(
        load(None, env={}, admin_token=ADMIN, data_dir=data_dir, board_interval_ms=1000)
    )
    server = TestServer(app, host="127.0.0.1", port=0)
    await server.start_server()
    url = f"http://127.0.0.1:{server.port}"
    headers = {"Authorization": f"Bearer {ADMIN}"}
    clients: list[socketio.AsyncClient] = []
    try:
        async with aiohttp.ClientSession(headers=headers) as http:
            spec = {
                "title": "bench",
                "round_seconds": 3600,
                "rounds": 1,
                "matching": {"mode": "bipartite", "sides": ["a", "b"]},
            }
            async with http.post(url + "/api/events", json=spec) as r:
                ev = await r.json()
            people = [
                {"name": f"{side}{i}", "side": side} for i in range(pairs) for side in ("a", "b")
            ]
            async with http.post(url + f"/api/events/{ev['id']}/participants", json=people) as r:
                rows = await r.json()
        host = await _client(url, "/host", ev["host_url"].rsplit("/", 1)[1])
        clients.append(host)
        arrived: dict[str, asyncio.Queue[float]] = {}
        partner: dict[str, str] = {}
        socks: dict[str, socketio.AsyncClient] = {}
        ready = asyncio.Event()
        assigned = 0
        for row in rows:
            pid = row["id"]
            queue: asyncio.Queue[float] = asyncio.Queue()
            arrived[pid] = queue
            c = socketio.AsyncClient(reconnection=False)

            def on_signal(data: dict, q: asyncio.Queue[float] = queue) -> None:
                q.put_nowait(time.perf_counter() - data["data"]["t"])

            def on_assignment(data: dict, me: str = pid) -> None:
                nonlocal assigned
                if data["room"] is not None:
                    partner[me] = data["peers"][0]["id"]
                    assigned += 1
                    if assigned == len(rows):
                        ready.set()

            c.on("signal", on_signal, namespace="/participant")
            c.on("assignment", on_assignment, namespace="/participant")
            await c.connect(
                url,
                namespaces=["/participant"],
                auth={"token": row["join_url"].rsplit("/", 1)[1]},
                transports=["websocket"],
            )
            socks[pid] = c
            clients.append(c)
        await host.call("start", {}, namespace="/host")
        await asyncio.wait_for(ready.wait(), 30)

        rtts: list[float] = []
        for _ in range(messages):
            t0 = time.perf_counter()
            await host.call("time", {}, namespace="/host")
            rtts.append(time.perf_counter() - t0)

        async def talk(pid: str) -> list[float]:
            c, to, out = socks[pid], partner[pid], []
            for _ in range(messages):
                await c.call(
                    "signal",
                    {"to": to, "data": {"t": time.perf_counter()}},
                    namespace="/participant",
                )
                out.append(await arrived[to].get())
            return out

        # Only one member of each pair talks, so each queue has a single reader.
        talkers = [pid for pid in socks if pid < partner[pid]]
        t0 = time.perf_counter()
        results = await asyncio.gather(*(talk(pid) for pid in talkers))
        wall = time.perf_counter() - t0
        relays = [x for r in results for x in r]
        return statistics.median(rtts) * 1000, statistics.median(relays) * 1000, len(relays) / wall
    finally:
        for c in clients:
            await c.disconnect()
        await server.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", default="1,10,50")
    parser.add_argument("--messages", type=int, default=200)
    args = parser.parse_args()
    print(
        f"{'pairs':>6} {'messages':>9} {'time rtt p50 ms':>16} {'relay p50 ms':>13} {'ratio':>6} {'relays/s':>9}"
    )
    for n in (int(x) for x in args.pairs.split(",")):
        with tempfile.TemporaryDirectory() as tmp:
            base, relay, rate = await run(n, args.messages, tmp)
        print(
            f"{n:>6} {args.messages:>9} {base:>16.2f} {relay:>13.2f} {relay / base:>6.2f} {rate:>9.0f}"
        )


if __name__ == "__main__":
    asyncio.run(main())
