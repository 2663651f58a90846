"""What people notice when a piece of a deployment on Redis goes away, with the default settings.

Two server processes share a Redis of the run's own (every port picked free); everything is a
real process, killed with SIGKILL.

1. **Conductor takeover.** The process that runs an event's clock (its lease holder) is killed a
   moment before the round's deadline; the other process must end the round and start the next
   one (no break). Measured: how late round 2 started (the server time in its ``clock`` minus
   the round's ``ends_at``), against ``lease_seconds``.
2. **Presence.** The process holding some participants is killed; measured: time from the kill
   until the moderator board (served by the other process) shows them offline, against
   ``presence_timeout_seconds``.
3. **Redis outage.** Redis is killed, then started again after ``--outages`` seconds;
   measured: time from its return until every client has heard ``status {degraded: false}``
   (python-socketio's own listener backs off up to a minute while Redis is away).

    .venv/bin/python bench/failover.py                 # about two minutes
    .venv/bin/python bench/failover.py --repeat 1 --outages 2
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import aiohttp
import socketio

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from server.core import deltas
from server.store.sealing import new_key  # the same on every process of a deployment

ROOT = Path(__file__).resolve().parents[1]
ADMIN = "failover-bench"
LEASE_S = 4.0  # the defaults of config.yaml
PRESENCE_S = 5.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Proc:
    """A child process whose output goes to a file of the run's folder."""

    def __init__(self, argv: list[str], log: Path, env: dict[str, str] | None = None) -> None:
        self.argv, self.log, self.env = argv, log, env
        self.p: subprocess.Popen[bytes] | None = None

    def start(self) -> Proc:
        with self.log.open("ab") as out:
            self.p = subprocess.Popen(
                self.argv, stdout=out, stderr=subprocess.STDOUT, env=self.env, cwd=ROOT
            )
        return self

    def kill(self) -> None:
        if self.p is not None and self.p.poll() is None:
            self.p.send_signal(signal.SIGKILL)
            self.p.wait(10)

    def stop(self) -> None:
        if self.p is not None and self.p.poll() is None:
            self.p.terminate()
            try:
                self.p.wait(15)
            except subprocess.TimeoutExpired:
                self.p.kill()


async def until(check: Any, limit: float = 30.0, every: float = 0.02) -> Any:
    async with asyncio.timeout(limit):
        while True:
            found = await check()
            if found:
                return found
            await asyncio.sleep(every)


class Deployment:
    """A Redis and two speedmeet processes on it."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.redis_port = free_port()
        self.prefix = f"fo{uuid.uuid4().hex[:8]}"
        self.data_key = new_key()
        self.redis: Proc | None = None
        self.servers: dict[str, tuple[Proc, str]] = {}

    def start_redis(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            sys.exit("bench/failover.py needs redis-server (Debian: apt-get install redis-server)")
        argv = [binary, "--port", str(self.redis_port), "--bind", "127.0.0.1", "--save", "",
                "--appendonly", "yes", "--appendfsync", "always", "--dir", str(self.folder)]  # fmt: skip
        self.redis = Proc(argv, self.folder / "redis.log").start()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.redis_port), timeout=1) as c:
                    c.sendall(b"PING\r\n")
                    if c.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                pass
            time.sleep(0.02)
        sys.exit("redis-server did not start")

    async def start_server(self, name: str) -> str:
        port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("SPEEDMEET_")}
        env.update(
            PYTHONPATH=str(ROOT), SPEEDMEET_PORT=str(port), SPEEDMEET_HOST="127.0.0.1",
            SPEEDMEET_ADMIN_TOKEN=ADMIN, SPEEDMEET_STORE="redis", SPEEDMEET_LOG_LEVEL="WARNING",
            SPEEDMEET_REDIS_URL=f"redis://127.0.0.1:{self.redis_port}/0",
            SPEEDMEET_REDIS_PREFIX=self.prefix, SPEEDMEET_DATA_DIR=str(self.folder / name),
            SPEEDMEET_DATA_KEY=self.data_key,
            SPEEDMEET_RESTART_GRACE_SECONDS="0",
            SPEEDMEET_CONNECTIONS_PER_ADDRESS="0",  # everyone shares this machine's address
        )  # fmt: skip
        proc = Proc([sys.executable, "-m", "server"], self.folder / f"{name}.log", env).start()
        url = f"http://127.0.0.1:{port}"
        self.servers[name] = (proc, url)

        async def healthy() -> bool:
            try:
                async with aiohttp.ClientSession() as http, http.get(url + "/healthz") as r:
                    return r.status == 200
            except aiohttp.ClientError:
                return False

        await until(healthy)
        return url

    async def api(self, url: str, method: str, path: str, body: Any = None) -> Any:
        headers = {"Authorization": f"Bearer {ADMIN}"}
        async with aiohttp.ClientSession() as http:
            async with http.request(method, url + path, json=body, headers=headers) as r:
                return await r.json()

    async def event(self, url: str, people: int, **spec: Any) -> tuple[str, str, list[str]]:
        body = {"title": "failover", "round_seconds": 300, "break_seconds": 0, "rounds": 3,
                "matching": {"mode": "bipartite", "sides": ["a", "b"]}, **spec}  # fmt: skip
        made = await self.api(url, "POST", "/api/events", body)
        rows = [{"name": f"P{i}", "side": "ab"[i % 2]} for i in range(people)]
        registered = await self.api(url, "POST", f"/api/events/{made['id']}/participants", rows)
        tokens = [r["join_url"].rsplit("/", 1)[1] for r in registered]
        return made["id"], made["host_url"].rsplit("/", 1)[1], tokens

    async def holder(self, event_id: str) -> str:
        async def find() -> str | None:
            for name, (proc, url) in self.servers.items():
                if proc.p is not None and proc.p.poll() is None:
                    health = await self.api(url, "GET", "/healthz")
                    if event_id in health["leases"]:
                        return name
            return None

        return str(await until(find))

    def stop(self) -> None:
        for proc, _ in self.servers.values():
            proc.stop()
        if self.redis is not None:
            self.redis.stop()


class Client:
    """A Socket.IO client that keeps every event it hears, with the time it heard it."""

    def __init__(self, namespace: str) -> None:
        self.ns = namespace
        self.sio = socketio.AsyncClient(reconnection=False)
        self.heard: list[tuple[float, str, Any]] = []
        self.sio.on(
            "*",
            lambda event, data=None: self.heard.append((time.time(), event, data)),
            namespace=namespace,
        )

    async def connect(self, url: str, token: str) -> Client:
        await self.sio.connect(
            url,
            namespaces=[self.ns],
            auth={"token": token},
            transports=["websocket"],
            wait_timeout=20,
        )
        return self

    async def call(self, event: str, data: Any = None) -> Any:
        return await self.sio.call(event, data or {}, namespace=self.ns, timeout=20)

    async def seen(
        self, event: str, where: Any = lambda _: True, limit: float = 60
    ) -> tuple[float, Any]:
        async def find() -> tuple[float, Any] | None:
            return next(((t, d) for t, e, d in self.heard if e == event and where(d)), None)

        return await until(find, limit)  # type: ignore[no-any-return]

    async def seen_board(self, where: Any, limit: float = 60) -> tuple[float, Any]:
        """When the board held (whole from ``snapshot``/``rooms``, then each ``rooms_delta``
        applied) first satisfied ``where``."""

        async def find() -> tuple[float, Any] | None:
            board: Any = None
            for t, e, d in list(self.heard):
                if e in ("snapshot", "rooms"):
                    board = d
                elif e == "rooms_delta" and board is not None:
                    board = {**deltas.apply(board, d), "board_seq": d["board_seq"]}
                else:
                    continue
                if where(board):
                    return t, board
            return None

        return await until(find, limit)  # type: ignore[no-any-return]

    async def close(self) -> None:
        if self.sio.connected:
            await self.sio.disconnect()


async def takeover(folder: Path) -> float:
    """Kill the lease holder 0.3 s before the round's deadline; how late round 2 starts (ms)."""
    d = Deployment(folder)
    d.start_redis()
    try:
        urls = [await d.start_server("a"), await d.start_server("b")]
        event_id, host_token, tokens = await d.event(urls[0], 4, round_seconds=10)
        victim = await d.holder(event_id)
        survivor = d.servers["b" if victim == "a" else "a"][1]
        people = [await Client("/participant").connect(survivor, t) for t in tokens]
        host = await Client("/host").connect(survivor, host_token)
        await until(lambda: _online(d, survivor, event_id, 4))
        ends_at = (await host.call("start"))["clock"]["ends_at"]
        await asyncio.sleep(max(0.0, ends_at / 1000 - time.time() - 0.3))
        d.servers[victim][0].kill()
        _, clock = await host.seen("clock", lambda c: c["round"] == 2, limit=LEASE_S * 4)
        for c in [*people, host]:
            await c.close()
        return float(clock["server_ms"] - ends_at)
    finally:
        d.stop()


async def _online(d: Deployment, url: str, event_id: str, count: int) -> bool:
    return bool((await d.api(url, "GET", f"/api/events/{event_id}"))["online"] == count)


async def presence(folder: Path) -> float:
    """Kill the process of half the participants; until the board shows them offline (ms)."""
    d = Deployment(folder)
    d.start_redis()
    try:
        a, b = await d.start_server("a"), await d.start_server("b")
        event_id, _, tokens = await d.event(a, 8)
        tokens_mod = (await d.api(a, "GET", f"/api/events/{event_id}"))["moderator_url"].rsplit(
            "/", 1
        )[1]
        people = [
            await Client("/participant").connect(a if i % 2 else b, t) for i, t in enumerate(tokens)
        ]
        mod = await Client("/moderator").connect(b, tokens_mod)
        await until(lambda: _online(d, b, event_id, 8))
        killed = time.time()
        d.servers["a"][0].kill()
        at, _ = await mod.seen_board(
            lambda r: sum(p["online"] for p in r["participants"]) == 4,
            limit=PRESENCE_S * 6,
        )
        for c in [*people, mod]:
            await c.close()
        return (at - killed) * 1000
    finally:
        d.stop()


async def outage(folder: Path, down_s: float) -> float:
    """Redis away for ``down_s``; from its return until every client hears it is not degraded."""
    d = Deployment(folder)
    d.start_redis()
    try:
        a, b = await d.start_server("a"), await d.start_server("b")
        event_id, _, tokens = await d.event(a, 4)
        people = [
            await Client("/participant").connect(a if i % 2 else b, t) for i, t in enumerate(tokens)
        ]
        await until(lambda: _online(d, a, event_id, 4))
        assert d.redis is not None
        d.redis.kill()
        for c in people:
            await c.seen("status", lambda s: s["degraded"] is True, limit=30)
        await asyncio.sleep(down_s)
        back = time.time()
        d.start_redis()
        last = 0.0
        for c in people:
            at, _ = await c.seen("status", lambda s: s["degraded"] is False, limit=120)
            last = max(last, at)
        for c in people:
            await c.close()
        return (last - back) * 1000
    finally:
        d.stop()


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=3, help="takeovers and kills to measure")
    parser.add_argument(
        "--outages", type=float, nargs="*", default=[2.0, 10.0, 30.0], help="seconds Redis is away"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        late = [await takeover(root / f"t{i}") for i in range(args.repeat)]
        gone = [await presence(root / f"p{i}") for i in range(args.repeat)]
        back = {s: await outage(root / f"o{s}", s) for s in args.outages}
    print(
        f"\nTwo processes on Redis, lease_seconds {LEASE_S:g}, presence_timeout_seconds {PRESENCE_S:g} (the defaults).\n"
    )
    print("| what | measured | median | worst | bound |")
    print("| --- | --- | --- | --- | --- |")
    print(
        f"| the lease holder killed 0.3 s before a round's end | how late the next round started | "
        f"{statistics.median(late) / 1000:.2f} s | {max(late) / 1000:.2f} s | lease_seconds = {LEASE_S:g} s |"
    )
    print(
        f"| a process with half the participants killed | until the board shows them offline | "
        f"{statistics.median(gone) / 1000:.2f} s | {max(gone) / 1000:.2f} s | presence timeout {PRESENCE_S:g} s + a beat and a board push |"
    )
    for down, ms in back.items():
        print(
            f"| Redis away {down:g} s, then back | until every client hears it is no longer degraded | "
            f"{ms / 1000:.2f} s | | python-socketio's listener retries after 1, 2, 4… 60 s |"
        )


if __name__ == "__main__":
    asyncio.run(main())
