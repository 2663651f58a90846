"""Round fan-out: how long from the host's command until every participant has its `assignment`.

Measures, on real processes, the time from the host's ``start`` (round 1) and from the host's
``next`` (round 2, skipping the break after ``end_round``) to the arrival of each participant's
``assignment`` for that round: p50 and p99 over the participants of one run, the median of those
over ``--repeat`` runs (each a new event with fresh connections). The baseline, measured in the
same run, is a bare aiohttp + python-socketio server (``bench/fanout_bare.py``) that sends the
same one message per participant, shaped and encoded like ours, one ``emit`` per socket; its
p99 is what python-socketio itself costs, and the ratio is what Speedmeet adds on top. The
bare server's runs (two triggers per run, on connections kept open) alternate with ours.

By default each command goes out as a host would send it: once every participant is online and
has their next-partner card (the board has paired everyone present), and the clients have heard
nothing for 1.5 board intervals. ``--rush`` sends ``start`` as soon as everyone is online and
``next`` as soon as ``end_round`` answers, overlapping the server's own pushes.

Cases: ``--participants`` (default 1,000) on one server process with the embedded store, against
the bare server at that size; twice that many over two server processes sharing a Redis of the
run's own (half the participants on each), against the bare single server at that size. Also
the server's memory per connected participant: VmRSS after everyone connected minus VmRSS before
anyone connected (summed over the server processes), over the participants, on the first run of
each case (a fresh process: later runs reuse the memory the earlier connections freed).

The participants' clients live in ``--load-processes`` child processes (``bench/fanout_load.py``,
driven over JSON lines), the host's client here; all on this machine, so ``time.time_ns()``
compares across them. Every port is picked free at run time; every process started is stopped
at the end, error or not.

    .venv/bin/python bench/fanout.py [--participants 1000] [--repeat 3] [--load-processes 4]
    .venv/bin/python bench/fanout.py --quick     # 200 participants, one run: a smoke test
    .venv/bin/python bench/fanout.py --rush      # commands back to back
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import ctypes
import json
import math
import os
import shutil
import signal
import socket
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import socketio

ROOT = Path(__file__).resolve().parents[1]
BENCH = Path(__file__).resolve().parent
ADMIN = "fanout-bench-admin"
READY_S = 30.0
ARRIVAL_TIMEOUT_S = 60.0
ONLINE_TIMEOUT_S = 60.0
CONNECT_CONCURRENCY = 50
BATCH = 1000
REDIS = "/usr/bin/redis-server"
GOAL_ONE = 1.5  # one process: p99 within 1.5x the bare server's
GOAL_TWO = 2.0  # two processes on Redis: p99 within 2x the bare single server's
GOAL_KB = 50.0  # memory per connected participant
IDLE_WINDOW_S = 2.0
BOARD_INTERVAL_MS = 1000
QUIET_MS = 1500  # before a command: nothing received for this long (1.5 board intervals)
QUIET_TIMEOUT_S = 15.0
EVENT = {
    "title": "fanout",
    "round_seconds": 3600,
    "break_seconds": 600,
    "rounds": 5,
    "matching": {"mode": "bipartite", "sides": ["commune", "solution"], "odd": "wait"},
}


# ---------------------------------------------------------------------------------------------
# processes


def free_port() -> int:
    """A TCP port nobody listens on right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _die_with_parent() -> None:
    # Linux: the child gets SIGKILL if this process dies without cleaning up (kill -9).
    with contextlib.suppress(Exception):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def rss_kb(pid: int) -> int:
    """VmRSS of a process, in kB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for pid {pid}")


def cpu_s(pid: int) -> float:
    """CPU seconds (user + system) a process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Child:
    """A child process, its output in a log file of the run's folder."""

    def __init__(self, name: str, folder: Path) -> None:
        self.name = name
        self.log_path = folder / f"{name}.log"
        self.proc: asyncio.subprocess.Process | None = None

    async def spawn(
        self, argv: Sequence[str], env: dict[str, str] | None = None, pipes: bool = False
    ) -> None:
        with self.log_path.open("ab") as log:
            self.proc = await asyncio.create_subprocess_exec(
                *argv,
                cwd=ROOT,
                env=env,
                stdin=asyncio.subprocess.PIPE if pipes else asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE if pipes else log,
                stderr=log,
                start_new_session=True,  # Ctrl+C reaches only us; we stop them in order
                preexec_fn=_die_with_parent,
                limit=64 * 1024 * 1024,
            )

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def running(self) -> bool:
        return self.proc is not None and self.proc.returncode is None

    def tail(self, lines: int = 30) -> str:
        if not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    async def stop(self) -> None:
        """SIGTERM, then SIGKILL if it is still there after a few seconds."""
        if self.proc is None or self.proc.returncode is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            self.proc.terminate()
        try:
            await asyncio.wait_for(self.proc.wait(), 8)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                self.proc.kill()
            await asyncio.wait_for(self.proc.wait(), 5)


class Processes:
    """Everything this run started, to stop at the end."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.children: list[Child] = []

    def new(self, name: str) -> Child:
        child = Child(name, self.folder)
        self.children.append(child)
        return child

    async def stop(self, children: Sequence[Child] | None = None) -> None:
        for child in reversed(list(children if children is not None else self.children)):
            try:
                await child.stop()
            except Exception as exc:
                print(f"warning: could not stop {child.name}: {exc}", file=sys.stderr)


async def _healthy(child: Child, url: str) -> None:
    deadline = time.monotonic() + READY_S
    async with aiohttp.ClientSession() as http:
        while True:
            if not child.running():
                raise RuntimeError(f"{child.name} exited:\n{child.tail()}")
            with contextlib.suppress(aiohttp.ClientError, OSError):
                async with http.get(url + "/healthz") as r:
                    if r.status == 200:
                        return
            if time.monotonic() > deadline:
                raise TimeoutError(f"{child.name} did not answer /healthz:\n{child.tail()}")
            await asyncio.sleep(0.1)


async def start_redis(procs: Processes) -> tuple[Child, str]:
    """Our own redis-server on a free port, nothing saved."""
    port = free_port()
    child = procs.new(f"redis-{port}")
    data = procs.folder / f"redis-{port}"  # one for each case that runs on Redis
    data.mkdir()
    await child.spawn(
        [
            REDIS, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
            "--appendonly", "no", "--dir", str(data),
        ]
    )  # fmt: skip
    deadline = time.monotonic() + READY_S
    while True:
        if not child.running():
            raise RuntimeError(f"redis-server exited:\n{child.tail()}")
        with contextlib.suppress(OSError):
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(b"PING\r\n")
            await writer.drain()
            answer = await reader.read(64)
            writer.close()
            await writer.wait_closed()
            if answer.startswith(b"+PONG"):
                return child, f"redis://127.0.0.1:{port}/0"
        if time.monotonic() > deadline:
            raise TimeoutError(f"redis-server did not answer:\n{child.tail()}")
        await asyncio.sleep(0.05)


async def start_speedmeet(procs: Processes, name: str, extra: dict[str, str]) -> tuple[Child, str]:
    """``python -m server`` on a free port, configured through ``SPEEDMEET_*`` variables."""
    port = free_port()
    data = procs.folder / name
    data.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SPEEDMEET_")}
    env.update(
        PYTHONUNBUFFERED="1",
        SPEEDMEET_PORT=str(port),
        SPEEDMEET_HOST="127.0.0.1",
        SPEEDMEET_ADMIN_TOKEN=ADMIN,
        SPEEDMEET_LOG_LEVEL="WARNING",
        SPEEDMEET_DATA_DIR=str(data),
        SPEEDMEET_MAX_PARTICIPANTS="10000",
        SPEEDMEET_BOARD_INTERVAL_MS=str(BOARD_INTERVAL_MS),
        # every simulated person shares this machine's address: no cap per address
        SPEEDMEET_CONNECTIONS_PER_ADDRESS="0",
    )
    env.update(extra)
    child = procs.new(name)
    await child.spawn([sys.executable, "-m", "server"], env)
    url = f"http://127.0.0.1:{port}"
    await _healthy(child, url)
    return child, url


async def start_bare(procs: Processes, name: str) -> tuple[Child, str]:
    """The bare python-socketio server (``bench/fanout_bare.py``) on a free port."""
    port = free_port()
    child = procs.new(name)
    await child.spawn([sys.executable, str(BENCH / "fanout_bare.py"), "--port", str(port)])
    url = f"http://127.0.0.1:{port}"
    await _healthy(child, url)
    return child, url


class LoadProcess:
    """One ``bench/fanout_load.py``: a request is a JSON line, its answer a JSON line."""

    def __init__(self, child: Child) -> None:
        self.child = child
        self._ids = 0
        self._waiting: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._reader: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await self.child.spawn([sys.executable, str(BENCH / "fanout_load.py")], pipes=True)
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        proc = self.child.proc
        assert proc is not None and proc.stdout is not None
        try:
            while line := await proc.stdout.readline():
                reply = json.loads(line)
                future = self._waiting.pop(reply.get("id"), None)
                if future is not None and not future.done():
                    future.set_result(reply)
        finally:
            for future in self._waiting.values():
                if not future.done():
                    future.set_exception(
                        RuntimeError(f"{self.child.name} exited:\n{self.child.tail()}")
                    )
            self._waiting.clear()

    async def request(self, op: str, **body: Any) -> dict[str, Any]:
        proc = self.child.proc
        if proc is None or proc.stdin is None or not self.child.running():
            raise RuntimeError(f"{self.child.name} is not running:\n{self.child.tail()}")
        self._ids += 1
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._waiting[self._ids] = future
        proc.stdin.write(json.dumps({"id": self._ids, "op": op, **body}).encode() + b"\n")
        await proc.stdin.drain()
        reply = await future
        if not reply.get("ok"):
            raise RuntimeError(f"{self.child.name} {op}: {reply.get('error')}")
        return reply

    async def quit(self) -> None:
        proc = self.child.proc
        if proc is not None and proc.stdin is not None and self.child.running():
            with contextlib.suppress(Exception):
                proc.stdin.write(b'{"op": "quit"}\n')
                await proc.stdin.drain()
                proc.stdin.close()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(proc.wait(), 15)
        if self._reader is not None:
            self._reader.cancel()


@dataclass
class Connected:
    """What connecting a group of participants gave."""

    clients: int
    failed: int
    errors: list[str]
    seconds: float


class Loads:
    """The load processes; a group's participants are dealt round-robin over them."""

    def __init__(self, procs: Processes, count: int) -> None:
        self.all = [LoadProcess(procs.new(f"load{i}")) for i in range(count)]

    @property
    def pids(self) -> list[int]:
        return [p.child.pid for p in self.all]

    async def start(self) -> None:
        await asyncio.gather(*(p.start() for p in self.all))

    async def connect(self, group: str, targets: list[tuple[str, str]]) -> Connected:
        started = time.perf_counter()
        replies = await asyncio.gather(
            *(
                p.request(
                    "connect",
                    group=group,
                    targets=targets[i :: len(self.all)],
                    concurrency=CONNECT_CONCURRENCY,
                    timeout=ONLINE_TIMEOUT_S,
                )
                for i, p in enumerate(self.all)
            )
        )
        errors = [e for r in replies for e in r["errors"]]
        greeted = sum(r["greeted"] for r in replies)
        if greeted < len(targets):
            errors.append(f"only {greeted} of {len(targets)} got their first assignment")
        return Connected(
            clients=sum(r["connected"] for r in replies),
            failed=sum(r["failed"] for r in replies),
            errors=errors,
            seconds=time.perf_counter() - started,
        )

    async def arrivals(self, group: str, rnd: int) -> tuple[list[int], int]:
        replies = await asyncio.gather(
            *(
                p.request("arrivals", group=group, round=rnd, timeout=ARRIVAL_TIMEOUT_S)
                for p in self.all
            )
        )
        return [t for r in replies for t in r["times"]], sum(r["missing"] for r in replies)

    async def carded(self, group: str, rnd: int) -> bool:
        """Wait until every client of the group has its next-partner card for round ``rnd``."""
        replies = await asyncio.gather(
            *(
                p.request("carded", group=group, round=rnd, timeout=QUIET_TIMEOUT_S)
                for p in self.all
            )
        )
        return all(r["carded"] >= r["size"] for r in replies)

    async def quiet(self, group: str) -> bool:
        """Wait until no client of the group has received anything for ``QUIET_MS``."""
        replies = await asyncio.gather(
            *(
                p.request("quiet", group=group, quiet_ms=QUIET_MS, timeout=QUIET_TIMEOUT_S)
                for p in self.all
            )
        )
        return all(r["quiet"] for r in replies)

    async def disconnect(self, group: str) -> None:
        await asyncio.gather(*(p.request("disconnect", group=group) for p in self.all))

    async def quit(self) -> None:
        await asyncio.gather(*(p.quit() for p in self.all))


# ---------------------------------------------------------------------------------------------
# measuring


def percentile(sorted_values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile of sorted values (``inf`` stands for a message never received)."""
    if not sorted_values:
        return math.inf
    rank = max(1, math.ceil(q / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


@dataclass
class Sample:
    """One command of one run: when each participant got its message, relative to the command."""

    p50: float
    p99: float
    last: float
    missing: int
    server_cpu_s: float
    ack_ms: float | None = None
    others_cpu_s: float = 0.0  # the load processes' and Redis's, over the same time

    @classmethod
    def of(
        cls,
        t0: int,
        times: list[int],
        missing: int,
        cpu: float,
        ack_ms: float | None = None,
        others: float = 0.0,
    ) -> Sample:
        ms = sorted((t - t0) / 1e6 for t in times) + [math.inf] * missing
        return cls(percentile(ms, 50), percentile(ms, 99), ms[-1], missing, cpu, ack_ms, others)


@dataclass
class Case:
    """Every run of one case (a server setup at one size) and what it cost in memory."""

    name: str
    participants: int
    processes: int
    samples: dict[str, list[Sample]] = field(default_factory=dict)
    memory_kb: list[float] = field(default_factory=list)  # per participant, per run
    connect_s: list[float] = field(default_factory=list)
    idle_cpu: list[float] = field(default_factory=list)  # share of one core, everyone online
    errors: list[str] = field(default_factory=list)

    def add(self, command: str, sample: Sample) -> None:
        self.samples.setdefault(command, []).append(sample)

    def median(self, command: str, attr: str) -> float:
        return statistics.median(getattr(s, attr) for s in self.samples[command])

    def pooled(self, attr: str) -> float:
        return statistics.median(getattr(s, attr) for ss in self.samples.values() for s in ss)


def cpu_of(pids: Sequence[int]) -> float:
    return sum(cpu_s(pid) for pid in pids)


def rss_of(pids: Sequence[int]) -> int:
    return sum(rss_kb(pid) for pid in pids)


class Admin:
    """The admin HTTP API of one server."""

    def __init__(self, http: aiohttp.ClientSession, url: str) -> None:
        self.http = http
        self.url = url

    async def _json(self, method: str, path: str, body: Any = None, status: int = 200) -> Any:
        async with self.http.request(method, self.url + path, json=body) as r:
            if r.status != status:
                raise RuntimeError(f"{method} {path}: {r.status} {await r.text()}")
            return await r.json()

    async def create_event(self) -> tuple[str, str]:
        ev = await self._json("POST", "/api/events", EVENT, 201)
        return ev["id"], ev["host_url"].rsplit("/", 1)[1]

    async def register(self, event_id: str, n: int) -> list[str]:
        sides = ("commune", "solution")
        tokens: list[str] = []
        for first in range(0, n, BATCH):
            people = [
                {"name": f"P{i + 1}", "side": sides[i % 2]}
                for i in range(first, min(n, first + BATCH))
            ]
            rows = await self._json("POST", f"/api/events/{event_id}/participants", people, 201)
            tokens += [row["join_url"].rsplit("/", 1)[1] for row in rows]
        return tokens

    async def wait_online(self, event_id: str, n: int) -> int:
        deadline = time.monotonic() + ONLINE_TIMEOUT_S
        while True:
            online = int((await self._json("GET", f"/api/events/{event_id}"))["online"])
            if online >= n or time.monotonic() > deadline:
                return online
            await asyncio.sleep(0.1)


async def host_call(host: socketio.AsyncClient, command: str) -> dict[str, Any]:
    reply = await host.call(command, {}, namespace="/host", timeout=60)
    if not (isinstance(reply, dict) and reply.get("ok")):
        raise RuntimeError(f"host {command}: {reply}")
    return reply


async def bare_connect(loads: Loads, case: Case, pid: int, url: str, group: str) -> None:
    """Connect the bare server's participants once (its triggers reuse them)."""
    before = rss_kb(pid)
    tokens = [(url, f"bare-{i}") for i in range(case.participants)]
    got = await loads.connect(group, tokens)
    case.connect_s.append(got.seconds)
    case.errors += got.errors
    case.memory_kb.append((rss_kb(pid) - before) / case.participants)


async def bare_trigger(
    loads: Loads, case: Case, http: aiohttp.ClientSession, pid: int, url: str, group: str, rnd: int
) -> None:
    """``POST /go``: one message to every socket; time from just before the request."""
    cpu, others = cpu_s(pid), cpu_of(loads.pids)
    t0 = time.time_ns()
    async with http.post(f"{url}/go", params={"round": str(rnd)}) as r:
        await r.read()
    ack_ms = (time.time_ns() - t0) / 1e6
    times, missing = await loads.arrivals(group, rnd)
    spent = cpu_of(loads.pids) - others
    case.add("go", Sample.of(t0, times, missing, cpu_s(pid) - cpu, ack_ms, spent))


async def speedmeet_run(
    loads: Loads,
    case: Case,
    admin: Admin,
    servers: list[tuple[int, str]],
    group: str,
    idle: bool,
    settle: bool,
    others: Sequence[int] = (),
) -> None:
    """One event: register, connect everyone, ``start``, ``end_round`` then ``next``.

    ``settle``: before each measured command, wait until the clients have received nothing for
    ``QUIET_MS`` (the board's pushes, the previous fan-out are over).
    """
    n = case.participants
    pids = [pid for pid, _ in servers]
    event_id, host_token = await admin.create_event()
    tokens = await admin.register(event_id, n)
    host = socketio.AsyncClient(reconnection=False, handle_sigint=False)
    await host.connect(
        servers[0][1],
        namespaces=["/host"],
        auth={"token": host_token},
        transports=["websocket"],
        wait_timeout=30,
    )
    try:
        before = rss_of(pids)
        targets = [(servers[i % len(servers)][1], token) for i, token in enumerate(tokens)]
        got = await loads.connect(group, targets)
        case.connect_s.append(got.seconds)
        case.errors += got.errors
        online = await admin.wait_online(event_id, n)
        if online < n:
            case.errors.append(f"only {online} of {n} online after {ONLINE_TIMEOUT_S:.0f} s")
        case.memory_kb.append((rss_of(pids) - before) / n)

        if settle and not (await loads.carded(group, 1) and await loads.quiet(group)):
            case.errors.append("not everyone had their first card, or no quiet, before `start`")
        rest = [*loads.pids, *others]
        cpu, spent = cpu_of(pids), cpu_of(rest)
        t0 = time.time_ns()
        await host_call(host, "start")
        ack_ms = (time.time_ns() - t0) / 1e6
        times, missing = await loads.arrivals(group, 1)
        spent = cpu_of(rest) - spent
        case.add("start", Sample.of(t0, times, missing, cpu_of(pids) - cpu, ack_ms, spent))

        await host_call(host, "end_round")
        if settle and not (await loads.carded(group, 2) and await loads.quiet(group)):
            case.errors.append(
                "not everyone had their card for round 2, or no quiet, before `next`"
            )
        cpu, spent = cpu_of(pids), cpu_of(rest)
        t0 = time.time_ns()
        await host_call(host, "next")
        ack_ms = (time.time_ns() - t0) / 1e6
        times, missing = await loads.arrivals(group, 2)
        spent = cpu_of(rest) - spent
        case.add("next", Sample.of(t0, times, missing, cpu_of(pids) - cpu, ack_ms, spent))

        if idle:  # a round running, everyone online, nothing asked: what the server burns
            await loads.quiet(group)
            cpu = cpu_of(pids)
            await asyncio.sleep(IDLE_WINDOW_S)
            case.idle_cpu.append((cpu_of(pids) - cpu) / IDLE_WINDOW_S)
    finally:
        await loads.disconnect(group)
        with contextlib.suppress(Exception):
            await host_call(host, "end")  # the board and conductor forget it
        await host.disconnect()


async def block(
    procs: Processes,
    loads: Loads,
    http: aiohttp.ClientSession,
    n: int,
    processes: int,
    repeat: int,
    settle: bool,
) -> tuple[Case, Case]:
    """The bare server and Speedmeet (``processes`` of them) at one size, runs interleaved."""
    tag = f"{n}x{processes}"
    started: list[Child] = []
    try:
        bare_child, bare_url = await start_bare(procs, f"bare-{n}")
        started.append(bare_child)
        servers: list[tuple[int, str]] = []
        others: list[int] = []  # Redis, when there is one
        if processes == 1:
            child, url = await start_speedmeet(procs, f"speedmeet-{tag}", {})
            started.append(child)
            servers.append((child.pid, url))
            name = "speedmeet, embedded store"
        else:
            redis, redis_url = await start_redis(procs)
            started.append(redis)
            others.append(redis.pid)
            extra = {
                "SPEEDMEET_STORE": "redis",
                "SPEEDMEET_REDIS_URL": redis_url,
                "SPEEDMEET_REDIS_PREFIX": f"fanout-{uuid.uuid4().hex[:8]}",
                "SPEEDMEET_DATA_KEY": base64.urlsafe_b64encode(os.urandom(32)).decode(),
            }
            for i in range(processes):
                child, url = await start_speedmeet(procs, f"speedmeet-{tag}-{i}", extra)
                started.append(child)
                servers.append((child.pid, url))
            name = "speedmeet, Redis store"
        bare = Case("bare python-socketio", n, 1)
        ours = Case(name, n, processes)
        admin = Admin(http, servers[0][1])
        await bare_connect(loads, bare, bare_child.pid, bare_url, f"bare-{tag}")
        for r in range(repeat):
            for k in (1, 2):
                await bare_trigger(
                    loads, bare, http, bare_child.pid, bare_url, f"bare-{tag}", 2 * r + k
                )
            await speedmeet_run(
                loads, ours, admin, servers, f"sm-{tag}-{r}", idle=r == 0, settle=settle,
                others=others,
            )  # fmt: skip
            print(
                f"  {tag} run {r + 1}/{repeat}: bare p99 "
                f"{_ms(bare.samples['go'][-1].p99)} ms, start p99 "
                f"{_ms(ours.samples['start'][-1].p99)} ms, next p99 "
                f"{_ms(ours.samples['next'][-1].p99)} ms",
                flush=True,
            )
        await loads.disconnect(f"bare-{tag}")
        return bare, ours
    finally:
        await procs.stop(started)


# ---------------------------------------------------------------------------------------------
# report


def _ms(v: float) -> str:
    return "inf" if math.isinf(v) else f"{v:.1f}"


def _procs(n: int) -> str:
    return f"{n} process" if n == 1 else f"{n} processes"


def _ratio(a: float, b: float) -> float:
    return math.inf if b <= 0 or math.isinf(a) or math.isinf(b) else a / b


def table(pairs: list[tuple[Case, Case]]) -> list[str]:
    lines = [
        "| case | participants | processes | command | p50 ms | p99 ms | bare p99 ms "
        "| p99 / bare p99 | memory KB/participant |",
        "|---|---:|---:|---|---:|---:|---:|---:|---:|",
    ]
    for bare, ours in pairs:
        base = bare.pooled("p99")
        lines.append(
            f"| {bare.name} | {bare.participants} | 1 | go | {_ms(bare.pooled('p50'))} "
            f"| {_ms(base)} | {_ms(base)} | 1.00 | {bare.memory_kb[0]:.1f} |"
        )
        for command in ("start", "next"):
            p99 = ours.median(command, "p99")
            lines.append(
                f"| {ours.name} | {ours.participants} | {ours.processes} | {command} "
                f"| {_ms(ours.median(command, 'p50'))} | {_ms(p99)} | {_ms(base)} "
                f"| {_ratio(p99, base):.2f} | {ours.memory_kb[0]:.1f} |"
            )
    return lines


def goals(pairs: list[tuple[Case, Case]]) -> tuple[list[str], list[bool]]:
    lines: list[str] = []
    met: list[bool] = []
    for bare, ours in pairs:
        limit = GOAL_ONE if ours.processes == 1 else GOAL_TWO
        base = bare.pooled("p99")
        for command in ("start", "next"):
            ratio = _ratio(ours.median(command, "p99"), base)
            ok = ratio <= limit
            met.append(ok)
            lines.append(
                f"- {ours.participants} participants on {_procs(ours.processes)}, "
                f"`{command}` p99 within {limit}x bare ({bare.participants} on 1): "
                f"{ratio:.2f}x -> {'goal met' if ok else 'goal missed'}"
            )
        kb = ours.memory_kb[0]
        ok = kb < GOAL_KB
        met.append(ok)
        lines.append(
            f"- {ours.participants} participants on {_procs(ours.processes)}, memory under "
            f"{GOAL_KB:.0f} KB per participant: {kb:.1f} KB -> {'goal met' if ok else 'goal missed'}"
        )
    return lines, met


def figures(pairs: list[tuple[Case, Case]]) -> list[dict[str, Any]]:
    """Each case's medians, for the load model (``bench/fanout_model.py``)."""
    out = []
    for bare, ours in pairs:
        for case in (bare, ours):
            out.append(
                {
                    "name": case.name,
                    "participants": case.participants,
                    "processes": case.processes,
                    "commands": {
                        command: {
                            attr: case.median(command, attr)
                            for attr in ("p50", "p99", "server_cpu_s", "others_cpu_s", "ack_ms")
                        }
                        for command in case.samples
                    },
                }
            )
    return out


def details(pairs: list[tuple[Case, Case]]) -> list[str]:
    lines = []
    for bare, ours in pairs:
        for case in (bare, ours):
            lines.append(
                f"- {case.name}, {case.participants} on {case.processes}: connect "
                + ", ".join(f"{s:.1f}" for s in case.connect_s)
                + " s; memory KB/participant per run "
                + ", ".join(f"{m:.1f}" for m in case.memory_kb)
                + (
                    "; CPU when quiet in a round, everyone online "
                    + ", ".join(f"{c * 100:.0f}%" for c in case.idle_cpu)
                    + " of a core"
                    if case.idle_cpu
                    else ""
                )
            )
            for command, samples in case.samples.items():
                lines.append(
                    f"  - {command}: p50 "
                    + " / ".join(_ms(s.p50) for s in samples)
                    + " ms; p99 "
                    + " / ".join(_ms(s.p99) for s in samples)
                    + " ms; last "
                    + " / ".join(_ms(s.last) for s in samples)
                    + " ms; ack "
                    + " / ".join(_ms(s.ack_ms or 0.0) for s in samples)
                    + " ms; server CPU "
                    + " / ".join(f"{s.server_cpu_s * 1000:.0f}" for s in samples)
                    + " ms"
                    + (
                        f"; MISSING {sum(s.missing for s in samples)} messages"
                        if any(s.missing for s in samples)
                        else ""
                    )
                )
            for error in dict.fromkeys(case.errors):
                lines.append(f"  - error: {error}")
    return lines


def reading(pairs: list[tuple[Case, Case]], met: list[bool], settle: bool) -> str:
    parts = []
    for bare, ours in pairs:
        base = bare.pooled("p99")
        s, x = ours.median("start", "p99"), ours.median("next", "p99")
        parts.append(
            f"with {ours.participants} participants on {_procs(ours.processes)} "
            f"({ours.name}), the last 1% got their round-1 assignment {_ms(s)} ms after `start` "
            f"and their round-2 one {_ms(x)} ms after `next`, against {_ms(base)} ms for a bare "
            f"python-socketio server sending the same one message each to {bare.participants} "
            f"sockets ({_ratio(s, base):.2f}x and {_ratio(x, base):.2f}x), holding "
            f"{ours.memory_kb[0]:.1f} KB per connected participant (first run, fresh processes)"
        )
    verdict = "every goal is met" if all(met) else f"{met.count(False)} goal(s) missed"
    if settle:
        mode = (
            "Each command was sent as a host would: once everyone had their next-partner card "
            f"and the clients had heard nothing for {QUIET_MS / 1000:.1f} s (--rush sends them "
            "back to back instead)."
        )
    else:
        mode = (
            "`start` went out as soon as everyone was online and `next` as soon as `end_round` "
            "answered (--rush), so a command may overlap the server's own pushes (the lobby's "
            "next-partner cards, the break's assignments and cards)."
        )
    return (
        "Reading: "
        + "; ".join(parts)
        + f". Overall {verdict}. {mode} The ratio is what Speedmeet adds to python-socketio's "
        "own cost of one emit per socket: the command (pairing, unless the board's plan for the "
        "cards still holds), committing, and with Redis the trip through the feed. Both "
        "servers share the machine's two cores with the load processes, so absolute times move "
        "from run to run: compare the medians, and the ratios within one run."
    )


async def run(args: argparse.Namespace) -> int:
    folder = Path(tempfile.mkdtemp(prefix="fanout-"))
    procs = Processes(folder)
    ok = False
    try:
        loads = Loads(procs, args.load_processes)
        await loads.start()
        pairs = []
        headers = {"Authorization": f"Bearer {ADMIN}"}
        timeout = aiohttp.ClientTimeout(total=120)
        async with aiohttp.ClientSession(headers=headers, timeout=timeout) as http:
            for n, processes in args.cases:
                print(f"case: {n} participants, {_procs(processes)}", flush=True)
                pairs.append(
                    await block(procs, loads, http, n, processes, args.repeat, args.settle)
                )
        await loads.quit()
        print()
        print("\n".join(table(pairs)))
        print()
        lines, met = goals(pairs)
        print("Goals:")
        print("\n".join(lines))
        print()
        print(
            f"Per run ({args.repeat} runs; bare: 2 triggers a run; `last` is the slowest "
            "participant; `ack` the command's answer to the host):"
        )
        print("\n".join(details(pairs)))
        print()
        print(reading(pairs, met, args.settle))
        if args.json:
            text = json.dumps(figures(pairs), indent=1)
            await asyncio.to_thread(Path(args.json).write_text, text)
        ok = True
        return 0
    finally:
        await procs.stop()
        if ok:
            shutil.rmtree(folder, ignore_errors=True)
        else:
            print(f"logs kept in {folder}", file=sys.stderr)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--participants", type=int, default=1000, help="one-process case size (two: twice)"
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs (events) per case")
    parser.add_argument("--load-processes", type=int, default=4, help="client processes")
    parser.add_argument("--quick", action="store_true", help="200 participants, one run")
    parser.add_argument(
        "--rush",
        action="store_true",
        help="`start` as soon as everyone is online and `next` right after `end_round` answers "
        "(default: as a host would, once everyone has their next-partner card and all is quiet)",
    )
    parser.add_argument(
        "--cases",
        default=None,
        help="participants x processes, comma-separated, e.g. 1000x1,2000x2,4000x4 "
        "(default: --participants on one process, twice that on two)",
    )
    parser.add_argument("--json", default=None, help="also write each case's figures here")
    args = parser.parse_args()
    args.settle = not args.rush
    if args.quick:
        args.participants, args.repeat = 200, 1
    if args.cases is None:
        args.cases = f"{args.participants}x1,{2 * args.participants}x2"
    try:
        args.cases = [
            (int(n), int(p)) for n, p in (c.strip().split("x") for c in args.cases.split(","))
        ]
    except ValueError:
        parser.error("--cases is a comma-separated list of NxP, e.g. 1000x1,2000x2")
    if any(n < 2 or n % 2 or p < 1 for n, p in args.cases):
        parser.error("each case needs an even number of participants, at least 2, on 1+ processes")

    async def guarded() -> int:
        task = asyncio.current_task()
        assert task is not None
        termed: list[bool] = []

        def on_term() -> None:
            termed.append(True)
            task.cancel()

        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, on_term)
        try:
            return await run(args)
        except asyncio.CancelledError:  # Ctrl+C or SIGTERM: run's cleanup stopped everything
            print("interrupted; every process started was stopped", file=sys.stderr)
            return 143 if termed else 130

    try:
        code = asyncio.run(guarded())
    except KeyboardInterrupt:  # a second Ctrl+C, during the cleanup
        code = 130
    sys.exit(code)


if __name__ == "__main__":
    main()
