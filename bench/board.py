"""The staff board under link reports: 300 rooms (600 participants) each reporting its call every
2 s, one moderator watching.

A real server (``python -m server``, its own process) and two load processes holding 300
participants' Socket.IO clients each; every participant sends a ``stats`` like a browser's
(link numbers that move from one report to the next, devices on, what arrives from its
partner), once every ``--every`` seconds, spread evenly. The moderator, in this process, holds
the board as a page does (whole ``rooms``, each ``rooms_delta`` applied) and counts what it
receives.

Measured in windows, alternating with windows where nobody reports (the baseline of the same
run: presence, heartbeats, sockets kept open):

- updates a second to the moderator, bytes a second received (``rooms`` + ``rooms_delta``), and
  the bytes a second had every update been the whole board (the board held after it, encoded
  the same way): the ratio of the two;
- for comparison, the whole board once a second (what the server sent before deltas, at its
  former ``board_interval_ms`` of 1000);
- the server process's CPU (user + system, from /proc) with reports and without: the
  difference is the stats path (handler, store, the board recomputed and its delta sent), per
  report and as a share of the server's CPU.

Every figure is the median over the windows. Run (about 3 minutes):

    .venv/bin/python bench/board.py
    .venv/bin/python bench/board.py --rooms 50 --windows 2 --window 8   # quick look
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp
import msgspec
import socketio

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))
sys.path.insert(0, str(BENCH))
from fanout import ADMIN, Processes, cpu_s, start_redis, start_speedmeet  # noqa: E402

from server.core import deltas, overview  # noqa: E402
from server.core.model import (  # noqa: E402
    Clock,
    EventState,
    Inbound,
    LinkStats,
    Participant,
    Phase,
    Room,
    RoundRecord,
    Settings,
)

NS = "/participant"
WORKERS = 2
CONNECT_AT_ONCE = 50
BOARD_KEYS = ("rooms", "waiting", "help", "participants", "seq", "board_seq")


# ---------------------------------------------------------------------------------------------
# load process: ``bench/board.py --load``; commands as JSON lines on stdin, answers on stdout


class Load:
    """The participants of one load process; they report while ``reporting`` is set."""

    def __init__(self, url: str, tokens: list[str], every: float) -> None:
        self.url = url
        self.tokens = tokens
        self.every = every
        self.clients: list[socketio.AsyncClient] = []
        self.rooms: list[tuple[str, str] | None] = [None] * len(tokens)  # (room, partner)
        self.placed = asyncio.Event()
        self.reporting = asyncio.Event()
        self.event = "stats"  # or "time": the cheapest acked event, at the same rate
        self.sent = 0
        self.failed = 0
        self.tasks: list[asyncio.Task[None]] = []

    async def connect(self) -> None:
        gate = asyncio.Semaphore(CONNECT_AT_ONCE)

        async def one(i: int, token: str) -> None:
            sio = socketio.AsyncClient(reconnection=False)

            def assignment(a: dict[str, Any]) -> None:
                if a.get("room") and a.get("peers"):
                    self.rooms[i] = (a["room"], a["peers"][0]["id"])
                    if all(self.rooms):
                        self.placed.set()

            sio.on("assignment", assignment, namespace=NS)
            async with gate:
                await sio.connect(
                    self.url, namespaces=[NS], auth={"token": token}, transports=["websocket"],
                    wait_timeout=30,
                )  # fmt: skip
            self.clients.append(sio)
            self.tasks.append(asyncio.create_task(self.report(i, sio)))

        await asyncio.gather(*(one(i, t) for i, t in enumerate(self.tokens)))

    async def report(self, i: int, sio: socketio.AsyncClient) -> None:
        """Every ``every`` seconds (this client's turn in the spread), one link report."""
        rng = random.Random(i)
        base_rtt, base_kbps = rng.uniform(15, 90), rng.uniform(500, 1500)
        await self.placed.wait()
        # this client's slot: its reports stay spread evenly, also after a quiet window
        offset = time.monotonic() + self.every * i / len(self.tokens)
        while True:
            await self.reporting.wait()
            now = time.monotonic()
            next_at = offset + math.ceil(max(0.0, now - offset) / self.every) * self.every
            await asyncio.sleep(next_at - now)
            if not self.reporting.is_set():
                continue
            room, partner = self.rooms[i] or ("", "")
            payload = {
                "room": room,
                "ice": "connected",
                "rtt_ms": round(base_rtt + rng.uniform(-5, 5), 1),
                "loss": round(max(0.0, rng.gauss(0.002, 0.002)), 4),
                "kbps": round(base_kbps * rng.uniform(0.85, 1.15)),
                "camera": "on",
                "mic": "on",
                "inbound": [{"from": partner, "audio_ms": 0, "video_ms": 0}],
            }
            event = self.event
            try:
                ack = await sio.call(event, payload if event == "stats" else {}, namespace=NS,
                                     timeout=20)  # fmt: skip
                if ack.get("ok"):
                    self.sent += 1
                else:
                    self.failed += 1
            except Exception:
                self.failed += 1
            await asyncio.sleep(0)  # the next slot is computed at the top

    async def close(self) -> None:
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*(c.disconnect() for c in self.clients), return_exceptions=True)


async def load_main(url: str, tokens_file: str, every: float) -> None:
    load = Load(url, json.loads(await asyncio.to_thread(Path(tokens_file).read_text)), every)
    reader = asyncio.StreamReader()
    loop = asyncio.get_running_loop()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)

    def answer(**body: Any) -> None:
        print(json.dumps(body), flush=True)

    while line := await reader.readline():
        op = json.loads(line)["op"]
        if op == "connect":
            await load.connect()
            answer(op=op, clients=len(load.clients))
        elif op == "placed":
            await asyncio.wait_for(load.placed.wait(), 60)
            answer(op=op)
        elif op in ("report", "ping"):
            load.event = "stats" if op == "report" else "time"
            load.reporting.set()
            answer(op=op)
        elif op == "quiet":
            load.reporting.clear()
            answer(op=op)
        elif op == "count":
            answer(op=op, sent=load.sent, failed=load.failed)
        elif op == "quit":
            break
    await load.close()


class Worker:
    """The coordinator's handle on one load process."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc

    async def ask(self, op: str) -> dict[str, Any]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(json.dumps({"op": op}).encode() + b"\n")
        await self.proc.stdin.drain()
        line = await asyncio.wait_for(self.proc.stdout.readline(), 120)
        if not line:
            raise RuntimeError(f"load process exited before answering {op!r}")
        return dict(json.loads(line))

    async def quit(self) -> None:
        if self.proc.returncode is None and self.proc.stdin is not None:
            self.proc.stdin.write(b'{"op": "quit"}\n')
            await self.proc.stdin.drain()
            try:
                await asyncio.wait_for(self.proc.wait(), 30)
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()


# ---------------------------------------------------------------------------------------------
# the moderator


class Moderator:
    """Holds the board as a staff page does; counts updates and their bytes."""

    def __init__(self) -> None:
        self.sio = socketio.AsyncClient(reconnection=False)
        self.board: dict[str, Any] | None = None
        self.updates = 0
        self.wire = 0  # bytes of rooms and rooms_delta received
        self.whole = 0  # bytes, had each update been the whole board
        self.gaps = 0
        self.sizes: list[int] = []  # bytes of the whole board after each update
        self.sio.on("snapshot", self._snapshot, namespace="/moderator")
        self.sio.on("rooms", self._rooms, namespace="/moderator")
        self.sio.on("rooms_delta", self._delta, namespace="/moderator")

    def _snapshot(self, data: dict[str, Any]) -> None:
        self.board = {k: data[k] for k in BOARD_KEYS if k in data}

    def _count(self, wire: int) -> None:
        assert self.board is not None
        whole = len(msgspec.json.encode(self.board))
        self.updates += 1
        self.wire += wire
        self.whole += whole
        self.sizes.append(whole)

    def _rooms(self, data: dict[str, Any]) -> None:
        self.board = {k: data[k] for k in BOARD_KEYS if k in data}
        self._count(len(msgspec.json.encode(data)))

    def _delta(self, data: dict[str, Any]) -> None:
        if self.board is None or data["base_seq"] != self.board.get("board_seq"):
            self.gaps += 1  # the figures would be wrong: reported, not hidden
            return
        self.board = {**deltas.apply(self.board, data), "seq": data["seq"]}
        self.board["board_seq"] = data["board_seq"]
        self._count(len(msgspec.json.encode(data)))

    def mark(self) -> tuple[int, int, int]:
        return self.updates, self.wire, self.whole


# ---------------------------------------------------------------------------------------------
# the run


async def cpu_per_call(
    workers: list[Worker], pid: int, idle: float, args: argparse.Namespace, op: str
) -> float:
    """Server CPU seconds per call, above ``idle``, while every client sends ``op``'s event."""
    await asyncio.gather(*(w.ask(op) for w in workers))
    await asyncio.sleep(args.every)
    sent0 = sum(c["sent"] for c in await asyncio.gather(*(w.ask("count") for w in workers)))
    cpu0, t0 = cpu_s(pid), time.monotonic()
    await asyncio.sleep(args.window / 2)
    wall = time.monotonic() - t0
    cpu = (cpu_s(pid) - cpu0) / wall
    sent = sum(c["sent"] for c in await asyncio.gather(*(w.ask("count") for w in workers))) - sent0
    await asyncio.gather(*(w.ask("quiet") for w in workers))
    await asyncio.sleep(args.every + 1)
    return (cpu - idle) / (sent / wall) if sent else 0.0


def note(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


async def api(http: aiohttp.ClientSession, url: str, method: str, path: str, body: Any) -> Any:
    headers = {"Authorization": f"Bearer {ADMIN}"}
    async with http.request(method, url + path, json=body, headers=headers) as r:
        data = await r.json()
        if r.status >= 300:
            raise RuntimeError(f"{method} {path}: {r.status} {data}")
        return data


async def run(args: argparse.Namespace) -> dict[str, Any]:
    folder = Path(tempfile.mkdtemp(prefix="speedmeet-board-"))
    procs = Processes(folder)
    workers: list[Worker] = []
    try:
        extra = {"SPEEDMEET_BOARD_INTERVAL_MS": str(args.interval_ms)}
        if args.store == "redis":
            _, redis_url = await start_redis(procs)
            extra.update(
                SPEEDMEET_STORE="redis",
                SPEEDMEET_REDIS_URL=redis_url,
                SPEEDMEET_DATA_KEY="0vPnAqL8Sx3n0x3mS3Z9m2w1VQqk5f4bN2iY7eHwqkE",
            )
        server, url = await start_speedmeet(procs, "server", extra)
        people = args.rooms * 2
        async with aiohttp.ClientSession() as http:
            event = await api(http, url, "POST", "/api/events", {
                "title": "board bench", "round_seconds": 3600, "break_seconds": 60, "rounds": 2,
                "matching": {"mode": "bipartite", "sides": ["a", "b"], "odd": "wait"},
            })  # fmt: skip
            rows = [{"name": f"Person {i}", "side": "ab"[i % 2]} for i in range(people)]
            made = await api(http, url, "POST", f"/api/events/{event['id']}/participants", rows)
        tokens = [p["join_url"].rsplit("/", 1)[1] for p in made]
        mod = Moderator()
        await mod.sio.connect(
            url, namespaces=["/moderator"], transports=["websocket"],
            auth={"token": event["moderator_url"].rsplit("/", 1)[1]},
        )  # fmt: skip
        for w in range(WORKERS):
            share = folder / f"tokens-{w}.json"
            share.write_text(json.dumps(tokens[w::WORKERS]))
            proc = await asyncio.create_subprocess_exec(
                sys.executable, str(BENCH / "board.py"), "--load", url, str(share),
                "--every", str(args.every),
                stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            )  # fmt: skip
            workers.append(Worker(proc))
        started = time.monotonic()
        await asyncio.gather(*(w.ask("connect") for w in workers))
        note(f"{people} participants connected in {time.monotonic() - started:.0f} s")
        host = socketio.AsyncClient(reconnection=False)
        await host.connect(
            url, namespaces=["/host"], transports=["websocket"],
            auth={"token": event["host_url"].rsplit("/", 1)[1]},
        )  # fmt: skip
        for command in ("open", "start"):
            ack = await host.call(command, {}, namespace="/host", timeout=30)
            assert ack["ok"], ack
        await asyncio.gather(*(w.ask("placed") for w in workers))
        note("round 1 started, everyone in a room")
        await asyncio.gather(*(w.ask("report") for w in workers))
        await asyncio.sleep(args.every * 3)  # everyone's stats are on the board
        on: list[dict[str, float]] = []
        off: list[float] = []
        pings: list[float] = []  # server CPU per `time` call
        for n in range(args.windows):
            note(f"window {n + 1} of {args.windows}")
            await asyncio.gather(*(w.ask("quiet") for w in workers))
            await asyncio.sleep(args.every + 1)  # reports in flight are over
            cpu0, t0 = cpu_s(server.pid), time.monotonic()
            await asyncio.sleep(args.window)
            idle = (cpu_s(server.pid) - cpu0) / (time.monotonic() - t0)
            off.append(idle)
            pings.append(await cpu_per_call(workers, server.pid, idle, args, "ping"))
            await asyncio.gather(*(w.ask("report") for w in workers))
            await asyncio.sleep(args.every)  # the reports are spread again
            marks, cpu0, t0 = mod.mark(), cpu_s(server.pid), time.monotonic()
            counts = await asyncio.gather(*(w.ask("count") for w in workers))
            sent0 = sum(c["sent"] for c in counts)
            await asyncio.sleep(args.window)
            wall = time.monotonic() - t0
            cpu = (cpu_s(server.pid) - cpu0) / wall
            counts = await asyncio.gather(*(w.ask("count") for w in workers))
            sent = sum(c["sent"] for c in counts) - sent0
            updates, wire, whole = (b - a for a, b in zip(marks, mod.mark(), strict=True))
            on.append({
                "cpu": cpu, "reports": sent / wall, "updates": updates / wall,
                "wire": wire / wall, "whole": whole / wall,
            })  # fmt: skip
        failed = sum(c["failed"] for c in await asyncio.gather(*(w.ask("count") for w in workers)))
        await host.disconnect()
        await mod.sio.disconnect()
        board_bytes = statistics.median(mod.sizes[-50:]) if mod.sizes else 0
        return {"on": on, "off": off, "pings": pings, "board_bytes": board_bytes, "gaps": mod.gaps,
                "failed": failed, "people": people}  # fmt: skip
    finally:
        for w in workers:
            await w.quit()
        await procs.stop()


def board_push_ms(rooms: int, changed: int, runs: int = 15) -> float:
    """In this process: one board of ``rooms`` rooms computed and compared with the last
    (``changed`` members' reports moved since), as the lease holder does at each push; the
    median of ``runs``, in milliseconds."""
    rng = random.Random(1)
    people = {
        f"p{i}": Participant(id=f"p{i}", name=f"Person {i}", token_hash=f"h{i}", side="ab"[i % 2])
        for i in range(rooms * 2)
    }
    made = tuple(
        Room(id=f"r1-{i + 1}", round=1, members=(f"p{2 * i}", f"p{2 * i + 1}"))
        for i in range(rooms)
    )
    state = EventState(
        id="ev", settings=Settings(title="b", round_seconds=3600, break_seconds=60, rounds=2),
        host_token_hash="h", moderator_token_hash="m", created_at=0, participants=people,
        clock=Clock(phase=Phase.ROUND, round=1, rounds=2, ends_at=3_600_000),
        history=(RoundRecord(round=1, started_at=0, rooms=made),),
    )  # fmt: skip
    online = frozenset(people)

    def report(pid: str) -> LinkStats:
        n = int(pid[1:])
        partner = f"p{n + 1 if n % 2 == 0 else n - 1}"
        return LinkStats(
            room=f"r1-{n // 2 + 1}", ice="connected", rtt_ms=round(rng.uniform(15, 90), 1),
            loss=0.001, kbps=round(rng.uniform(500, 1500)), at=50_000, camera="on", mic="on",
            inbound=(Inbound(source=partner, audio_ms=0, video_ms=0),),
        )  # fmt: skip

    stats = {pid: report(pid) for pid in people}
    last = overview.board_payload(state, online, stats, [], 60_000)
    times = []
    for _ in range(runs):
        for pid in rng.sample(sorted(people), changed):
            stats[pid] = report(pid)
        started = time.perf_counter()
        board = overview.board_payload(state, online, stats, [], 60_000)
        deltas.diff(last, board)
        times.append((time.perf_counter() - started) * 1000)
        last = board
    return statistics.median(times)


def table(args: argparse.Namespace, r: dict[str, Any]) -> str:
    med = {k: statistics.median(w[k] for w in r["on"]) for k in r["on"][0]}
    idle = statistics.median(r["off"])
    per_report_ms = (med["cpu"] - idle) / med["reports"] * 1000 if med["reports"] else 0.0
    share = (med["cpu"] - idle) / med["cpu"] if med["cpu"] else 0.0
    ping_ms = statistics.median(r["pings"]) * 1000
    once = r["board_bytes"]  # the whole board once a second
    # reports that arrive between two pushes move that many members
    changed = max(1, round(med["reports"] / max(med["updates"], 0.1)))
    push_ms = board_push_ms(args.rooms, min(changed, args.rooms * 2))
    board_share = push_ms / 1000 * med["updates"] / (med["cpu"] - idle) if med["cpu"] > idle else 0
    rows = [
        ("participants / rooms", f"{r['people']} / {args.rooms}"),
        (f"stats reports / s (each every {args.every:g} s)", f"{med['reports']:.0f}"),
        ("board updates / s to the moderator", f"{med['updates']:.2f}"),
        ("whole board (bytes)", f"{r['board_bytes'] / 1000:.0f} kB"),
        ("received: rooms + rooms_delta", f"{med['wire'] / 1000:.1f} kB/s"),
        ("had every update been the whole board", f"{med['whole'] / 1000:.1f} kB/s"),
        ("ratio (deltas / whole each time)", f"{med['wire'] / med['whole']:.3f}"),
        ("the whole board once a second (before)", f"{once / 1000:.1f} kB/s"),
        ("ratio (deltas / whole once a second)", f"{med['wire'] / once:.3f}" if once else "–"),
        ("server CPU, nobody reporting", f"{idle * 100:.1f} % of a core"),
        ("server CPU, everyone reporting", f"{med['cpu'] * 100:.1f} % of a core"),
        ("stats path: CPU per report", f"{per_report_ms:.3f} ms"),
        ("a `time` call at the same rate (Socket.IO and ack only)", f"{ping_ms:.3f} ms"),
        (
            "ratio (stats report / `time` call)",
            f"{per_report_ms / ping_ms:.2f}" if ping_ms else "–",
        ),
        ("stats path: share of the server's CPU", f"{share * 100:.0f} %"),
        (
            "of which the board (one push, in-process: board + delta)",
            f"{push_ms:.1f} ms x {med['updates']:.2f}/s = {board_share * 100:.0f} % of the path",
        ),
        ("gaps in the delta chain / failed reports", f"{r['gaps']} / {r['failed']}"),
    ]
    head = (
        f"bench/board.py: {args.windows} windows of {args.window:g} s, board_interval_ms "
        f"{args.interval_ms}, store {args.store}; medians over the windows\n\n"
    )
    lines = ["| figure | value |", "| --- | --- |", *(f"| {a} | {b} |" for a, b in rows)]
    return head + "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rooms", type=int, default=300)
    parser.add_argument("--every", type=float, default=2.0, help="seconds between two reports")
    parser.add_argument("--windows", type=int, default=5)
    parser.add_argument("--window", type=float, default=15.0, help="seconds each")
    parser.add_argument("--interval-ms", type=int, default=250, help="board_interval_ms")
    parser.add_argument("--store", choices=["memory", "redis"], default="memory")
    parser.add_argument("--load", nargs=2, metavar=("URL", "TOKENS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.load:
        asyncio.run(load_main(args.load[0], args.load[1], args.every))
        return
    print(table(args, asyncio.run(run(args))))


if __name__ == "__main__":
    main()
