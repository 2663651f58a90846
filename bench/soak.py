"""Soak: a compressed event with people who come late, leave, drop and come back; then the results.

One event, bipartite (half the people on each side), rounds of ``round_seconds`` 10 with a break
of 0 to 3 seconds (``--break-seconds``, by default drawn from the seed), as many rounds as fit in
``--minutes``, against one real server process (the embedded store) or, with ``--redis``, two
processes on a Redis of the run's own (each connection goes to either process at random, so a
person who comes back often lands on the other one). Every port is picked free at run time;
every process started is stopped at the end, error or not.

The people (``--participants``, default 200; their clients all live in this process, each with
its own Socket.IO connection, websocket only) act at random, from ``--seed``:

- about 30% arrive late (during the first half of the event); the others are there at the start;
- *steady* people stay connected throughout; *churners* leave after a while (half of the time
  cleanly, half abruptly: the TCP connection is aborted, no Socket.IO or Engine.IO goodbye) and
  come back later with the same link (a new connection, as a page reload would); *quitters* do
  the same until they send ``stop`` (not paired again), then half of them close the page for
  good; *vanishers* drop abruptly once, a while into the event, and never return;
- at the end of each meeting (the round ends, or a break or the end of the event begins) most
  rate it (``feedback`` for the room they were in, as the page's break form does: also after a
  reload in that break); some rate it twice (the last rating counts), some rate it during the
  meeting already, a few try to rate a room that is not theirs (must be refused), and some rate
  a meeting again from the ``summary`` at the end.

At ``--minutes`` the people stop acting (whoever is connected stays connected), the host sends
``end`` (mid-round or mid-break), and the results are read back and checked: nobody in two rooms
of one round; no pair meeting twice; every room cross-side with two or three people; every
meeting in ``meetings.csv`` once (read as one row per person, room and peer: a trio gives each member
two rows); every acknowledged rating stored (the last one sent for a person and room); a
``summary`` for everyone connected at the end. Also checked: nobody is paired again two rounds
after their ``stop`` was acknowledged; what each client was last told about a round (when it
was connected until the round's end) is the room it is recorded in; ratings of someone else's
room are refused; the server's count of people online comes back to the clients connected.

Reported: the server's RSS (after everyone registered, peak, at the end, growth per round),
rounds played, meetings, connections made and closed, ratings sent and acknowledged, every
error code the acks carried, and what the server logged at WARNING and above. The verdict is
the last line; the exit status is 1 when an invariant fails (2 when the run itself broke).

With ``--burst``, then, on a server of its own with the default limits (the baseline is its
memory with an event of people registered, idle): a photo burst, ``--burst-people`` people (5)
each sending two 16-megapixel PNG photos at once (their allowance; the server decodes one at a
time and answers ``429 busy`` past 8 waiting), and a socket storm, one link opening
``--storm`` sockets (300) as fast as it can; three runs of each, the RSS sampled every 20 ms:
the medians of the peak above idle, and of the peak over idle, with what the requests were
answered. Checked: the photo burst's peak stays under 600 MB above idle, and the server answers
throughout.

    .venv/bin/python bench/soak.py                 # 200 people, 10 minutes
    .venv/bin/python bench/soak.py --quick         # 60 people, 1 minute: a smoke test
    .venv/bin/python bench/soak.py --redis --seed 7
    .venv/bin/python bench/soak.py --quick --burst # and the photo burst and the socket storm
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import csv
import ctypes
import io
import itertools
import math
import os
import random
import re
import shutil
import signal
import socket
import statistics
import sys
import tempfile
import time
import traceback
import uuid
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import socketio

ROOT = Path(__file__).resolve().parents[1]
ADMIN = "soak-bench-admin"
NS = "/participant"
SIDES = ("commune", "solution")
ROUND_S = 10  # the shortest round the API allows
NO_SHOW_S = 5  # the shortest no-show wait the API allows
READY_S = 30.0
CALL_TIMEOUT_S = 20.0
CONNECT_TIMEOUT_S = 20.0
CONNECT_CONCURRENCY = 20
RSS_EVERY_S = 2.0
SUMMARY_WAIT_S = 20.0
SETTLE_WAIT_S = 30.0
SHOW = 12  # details printed per failed check

# shares of the people (the rest are churners)
STEADY, QUITTERS, VANISHERS = 0.25, 0.12, 0.08
LATE = 0.30
RATE = 0.85  # rate a meeting that ended
RATE_TWICE = 0.12
RATE_DURING = 0.08
RATE_FOREIGN = 0.03
RATE_FROM_SUMMARY = 0.20
NOTES = ("", "Très bien, merci", 'Said "hello", then left', "line one\nline two", "👍 ok", "a,b;c")


# ---------------------------------------------------------------------------------------------
# processes (as bench/fanout.py starts them)


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


class Child:
    """A child process, its output (stdout and stderr) in a log file of the run's folder."""

    def __init__(self, name: str, folder: Path) -> None:
        self.name = name
        self.log_path = folder / f"{name}.log"
        self.proc: asyncio.subprocess.Process | None = None

    async def spawn(self, argv: Sequence[str], env: dict[str, str] | None = None) -> None:
        with self.log_path.open("ab") as log:
            self.proc = await asyncio.create_subprocess_exec(
                *argv,
                cwd=ROOT,
                env=env,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                start_new_session=True,  # Ctrl+C reaches only us; we stop them in order
                preexec_fn=_die_with_parent,
            )

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def running(self) -> bool:
        return self.proc is not None and self.proc.returncode is None

    def text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def tail(self, lines: int = 40) -> str:
        return "\n".join(self.text().splitlines()[-lines:])

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

    async def stop(self) -> None:
        for child in reversed(self.children):
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


async def start_redis(procs: Processes) -> str:
    """Our own redis-server on a free port, nothing saved."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise RuntimeError("--redis needs redis-server (Debian: apt-get install redis-server)")
    port = free_port()
    child = procs.new("redis")
    data = procs.folder / "redis"
    data.mkdir()
    await child.spawn(
        [
            binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
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
                return f"redis://127.0.0.1:{port}/0"
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
        SPEEDMEET_DATA_DIR=str(data),
        SPEEDMEET_LOG_LEVEL="WARNING",
        SPEEDMEET_NO_SHOW_SECONDS=str(NO_SHOW_S),
        SPEEDMEET_RESTART_GRACE_SECONDS="0",
        # every simulated person shares this machine's address: no cap per address
        SPEEDMEET_CONNECTIONS_PER_ADDRESS="0",
    )
    env.update(extra)
    child = procs.new(name)
    await child.spawn([sys.executable, "-m", "server"], env)
    url = f"http://127.0.0.1:{port}"
    await _healthy(child, url)
    return child, url


# ---------------------------------------------------------------------------------------------
# the admin API


class Admin:
    """The admin HTTP API of one server."""

    def __init__(self, http: aiohttp.ClientSession, url: str) -> None:
        self.http = http
        self.url = url

    async def _request(self, method: str, path: str, body: Any = None, status: int = 200) -> Any:
        async with self.http.request(method, self.url + path, json=body) as r:
            if r.status != status:
                raise RuntimeError(f"{method} {path}: {r.status} {await r.text()}")
            if r.content_type == "application/json":
                return await r.json()
            return await r.text()

    async def create_event(self, rounds: int, break_s: int) -> tuple[str, str]:
        body = {
            "title": "soak",
            "round_seconds": ROUND_S,
            "break_seconds": break_s,
            "rounds": rounds,
            "matching": {"mode": "bipartite", "sides": list(SIDES)},
            "no_show_seconds": NO_SHOW_S,
        }
        ev = await self._request("POST", "/api/events", body, 201)
        return ev["id"], ev["host_url"].rsplit("/", 1)[1]

    async def register(self, event_id: str, n: int) -> list[dict[str, Any]]:
        people = [
            {"name": f"{SIDES[i % 2].title()} {i + 1}", "side": SIDES[i % 2]} for i in range(n)
        ]
        rows = await self._request("POST", f"/api/events/{event_id}/participants", people, 201)
        return list(rows)

    async def event(self, event_id: str) -> dict[str, Any]:
        return dict(await self._request("GET", f"/api/events/{event_id}"))

    async def meetings(self, event_id: str) -> str:
        return str(await self._request("GET", f"/api/events/{event_id}/meetings.csv"))

    async def schedule(self, event_id: str) -> dict[str, Any]:
        return dict(await self._request("GET", f"/api/events/{event_id}/schedule"))


# ---------------------------------------------------------------------------------------------
# the people


@dataclass
class Plan:
    """What one person will do, drawn up front from the seed."""

    kind: str  # steady, churner, quitter, vanisher
    arrive_at: float  # seconds after the start; 0: there before it
    quit_at: float | None = None
    leave_after_stop: bool = False
    vanish_at: float | None = None


@dataclass(frozen=True)
class View:
    """One ``assignment`` as a client received it."""

    round: int
    room: str | None
    peers: tuple[str, ...]
    phase: str
    conn: int


@dataclass
class Sent:
    """One ``feedback`` sent, and what came of it (``ok``, an error code, or ``lost``)."""

    seq: int
    pid: str
    room: str
    round: int | None
    kind: str  # end, late, during, again, foreign, summary
    rating: int
    follow_up: bool
    note: str
    outcome: str = "pending"


class Sim:
    """The run's shared state: the clock as the host hears it, the counters, the people."""

    def __init__(self, urls: list[str], duration: float, seed: int) -> None:
        self.urls = urls
        self.duration = duration
        self.seed = seed
        self.stopping = asyncio.Event()
        self.t0 = time.monotonic()
        self.round = 0
        self.phase = "lobby"
        self.connect_limit = asyncio.Semaphore(CONNECT_CONCURRENCY)
        self.session_mean = min(90.0, max(15.0, duration / 6.5))
        self.away_mean = min(25.0, max(5.0, duration / 30))
        self.people: list[Person] = []
        self.pending: set[asyncio.Task[None]] = set()
        self.sent: list[Sent] = []
        self.seq = itertools.count(1)
        self.acks: Counter[tuple[str, str]] = Counter()  # (event, ok | error code | lost)
        self.call_failures: Counter[str] = Counter()
        self.connect_errors: Counter[str] = Counter()
        self.heard: Counter[str] = Counter()
        self.ungreeted: list[tuple[str, int, float, str]] = []  # (pid, conn, seconds open, how)
        self.count: Counter[str] = Counter()

    def elapsed(self) -> float:
        return time.monotonic() - self.t0

    def spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self.pending.add(task)
        task.add_done_callback(self.pending.discard)

    async def wait_until(self, at: float, *events: asyncio.Event) -> str:
        """Until ``at`` (seconds since the start), the end of the run, or one of ``events``."""
        if self.stopping.is_set():
            return "stop"
        timeout = at - self.elapsed()
        if timeout <= 0:
            return "time"
        waits = [asyncio.ensure_future(e.wait()) for e in (self.stopping, *events)]
        try:
            done, _ = await asyncio.wait(
                waits,
                timeout=None if math.isinf(timeout) else timeout,
                return_when=asyncio.FIRST_COMPLETED,
            )
        finally:
            for w in waits:
                w.cancel()
        if self.stopping.is_set():
            return "stop"
        return "event" if done else "time"

    async def wait(self, seconds: float, *events: asyncio.Event) -> str:
        return await self.wait_until(self.elapsed() + seconds, *events)


def _transport(client: socketio.AsyncClient) -> asyncio.BaseTransport | None:
    """The TCP transport under a client's websocket (aiohttp), to abort it."""
    ws = getattr(client.eio, "ws", None)
    conn = getattr(ws, "_conn", None)
    return getattr(conn, "transport", None) if conn is not None else None


class Person:
    """One participant: their plan, their current connection, what they were told and sent."""

    def __init__(
        self, sim: Sim, index: int, row: dict[str, Any], plan: Plan, rng: random.Random
    ) -> None:
        self.sim = sim
        self.index = index
        self.pid: str = row["id"]
        self.side: str = row["side"]
        self.token: str = row["join_url"].rsplit("/", 1)[1]
        self.plan = plan
        self.rng = rng
        self.sio: socketio.AsyncClient | None = None
        self.conn = 0  # number of the current (or last) connection
        self.leaving = False
        self.lost = asyncio.Event()  # the connection went away without us asking
        self.closed = asyncio.Event()  # the current connection is closed, whoever closed it
        self.lock = asyncio.Lock()  # one call at a time; a clean leave waits for it
        self.cur: View | None = None
        self.told: dict[int, View] = {}  # round -> last view, when connected until its end
        self.summary: tuple[int, dict[str, Any]] | None = None  # (conn, summary)
        self.stopped = False
        self.stop_round: int | None = None
        self.stop_unsure = False
        self.gone = False
        self.story: list[tuple[float, int, str]] = []  # (seconds, host's round, what)
        self.since = 0.0  # when the current connection opened
        self.welcomed = False  # the current connection got its first assignment

    def ungreeted(self, how: str) -> None:
        """The current connection closes (or the run ends): was it ever greeted?"""
        if self.sio is not None and not self.welcomed:
            self.sim.ungreeted.append((self.pid, self.conn, self.sim.elapsed() - self.since, how))

    def note(self, what: str) -> None:
        self.story.append((self.sim.elapsed(), self.sim.round, what))

    def story_of(self, rnd: int) -> str:
        """What happened to this person while the host was in round ``rnd`` (or its break)."""
        return "; ".join(f"{t:.1f}s {what}" for t, r, what in self.story if r == rnd) or "-"

    @property
    def connected(self) -> bool:
        return self.sio is not None and self.sio.connected

    # --- connection ----------------------------------------------------------------------------

    async def connect(self) -> bool:
        sim = self.sim
        url = self.rng.choice(sim.urls)
        self.conn += 1
        conn = self.conn
        c = socketio.AsyncClient(reconnection=False, handle_sigint=False)
        c.on("assignment", lambda d, k=conn: self.on_assignment(d, k), namespace=NS)
        c.on("summary", lambda d, k=conn: self.on_summary(d, k), namespace=NS)
        c.on("disconnect", lambda *_, k=conn: self.on_disconnect(k), namespace=NS)
        c.on("*", lambda event, *_: sim.heard.update([event]), namespace=NS)
        self.lost.clear()
        self.closed.clear()
        async with sim.connect_limit:
            try:
                await c.connect(
                    url,
                    namespaces=[NS],
                    auth={"token": self.token},
                    transports=["websocket"],
                    wait_timeout=CONNECT_TIMEOUT_S,
                )
            except Exception as exc:
                sim.connect_errors[f"{type(exc).__name__}: {exc}"[:160]] += 1
                with contextlib.suppress(Exception):
                    await c.disconnect()
                return False
        self.sio = c
        self.since = sim.elapsed()
        self.welcomed = False
        sim.count["connects"] += 1
        self.note(f"connect #{conn}" + (f" to {sim.urls.index(url)}" if len(sim.urls) > 1 else ""))
        return True

    def on_disconnect(self, conn: int) -> None:
        if conn == self.conn:
            self.closed.set()
        if conn == self.conn and not self.leaving:
            self.note("connection lost")
            self.sim.count["unexpected disconnects"] += 1
            self.ungreeted("lost")
            self.sio = None
            self.lost.set()

    async def leave(self, abrupt: bool) -> None:
        """Close the connection: cleanly, or by aborting the TCP connection under it."""
        c = self.sio
        if c is None:
            return
        self.ungreeted("dropped" if abrupt else "closed")
        self.leaving = True
        try:
            transport = _transport(c) if abrupt else None
            if transport is not None:
                transport.abort()  # no Socket.IO DISCONNECT, no Engine.IO CLOSE, no WS close
                self.note("abrupt drop")
                self.sim.count["abrupt drops"] += 1
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.closed.wait(), 5)  # the client notices
                if c.connected:
                    await c.disconnect()
            else:
                async with self.lock:  # a rating being sent gets its answer first
                    await c.disconnect()
                self.note("clean disconnect")
                self.sim.count["clean disconnects"] += 1
        finally:
            self.sio = None
            self.leaving = False

    async def close(self) -> None:
        """At the very end: close without counting it."""
        c, self.sio = self.sio, None
        self.leaving = True
        if c is not None:
            with contextlib.suppress(Exception):
                async with asyncio.timeout(10):
                    await c.disconnect()

    # --- what the server says ------------------------------------------------------------------

    def on_assignment(self, data: Any, conn: int) -> None:
        sim = self.sim
        sim.heard["assignment"] += 1
        if conn != self.conn or not isinstance(data, dict):
            return
        self.welcomed = True
        clock = data.get("clock") or {}
        new = View(
            round=int(data.get("round") or 0),
            room=data.get("room"),
            peers=tuple(p["id"] for p in data.get("peers") or ()),
            phase=str(clock.get("phase", "")),
            conn=conn,
        )
        peers = ",".join(new.peers)
        self.note(f"assignment {new.phase} {new.round} room {new.room} [{peers}]")
        cur = self.cur
        if cur is not None and cur.phase == "round":
            ended = new.round != cur.round or new.phase != "round"
            if ended:
                if cur.conn == conn:
                    self.told[cur.round] = cur
                if cur.room is not None and cur.peers and self.rng.random() < RATE:
                    if cur.conn == conn:
                        sim.spawn(self.rate(cur.room, cur.round, "end"))
                    elif new.round == cur.round and new.phase == "break":
                        # back in the break after that round: the page still offers the form
                        sim.spawn(self.rate(cur.room, cur.round, "late"))
                if cur.conn == conn and cur.room is not None and self.rng.random() < RATE_FOREIGN:
                    sim.spawn(self.rate_foreign(cur))
            elif new.room != cur.room:
                sim.count["moved within a round"] += 1
        fresh = cur is None or new.room != cur.room or new.round != cur.round
        if fresh and new.phase == "round" and new.room and new.peers:
            if self.rng.random() < RATE_DURING:
                sim.spawn(self.rate(new.room, new.round, "during", delay=(2.0, 6.0)))
        self.cur = new

    def on_summary(self, data: Any, conn: int) -> None:
        self.sim.heard["summary"] += 1
        if conn != self.conn or not isinstance(data, dict):
            return
        self.summary = (conn, data)
        met = [m for m in data.get("meetings") or () if m.get("peers")]
        if met and self.rng.random() < RATE_FROM_SUMMARY:
            m = self.rng.choice(met)
            self.sim.spawn(self.rate(m["room"], m.get("round"), "summary", twice=False))

    # --- what they send ------------------------------------------------------------------------

    async def call(self, event: str, data: dict[str, Any]) -> str:
        """``ok``, the error code, ``lost`` (no answer), or ``offline`` (not sent)."""
        sim = self.sim
        c = self.sio
        if c is None or not c.connected:
            return "offline"
        try:
            reply = await c.call(event, data, namespace=NS, timeout=CALL_TIMEOUT_S)
        except Exception as exc:
            sim.call_failures[f"{event}: {type(exc).__name__}"] += 1
            sim.acks[(event, "lost")] += 1
            return "lost"
        if isinstance(reply, dict) and reply.get("ok") is True:
            outcome = "ok"
        elif isinstance(reply, dict) and isinstance(reply.get("error"), dict):
            outcome = str(reply["error"].get("code"))
        else:
            outcome = f"malformed ack {reply!r}"[:80]
        sim.acks[(event, outcome)] += 1
        return outcome

    async def rate(
        self,
        room: str,
        rnd: int | None,
        kind: str,
        delay: tuple[float, float] = (0.2, 2.5),
        twice: bool = True,
    ) -> None:
        rng = self.rng
        await asyncio.sleep(rng.uniform(*delay))
        times = 2 if twice and rng.random() < RATE_TWICE else 1
        for i in range(times):
            if i:
                await asyncio.sleep(rng.uniform(0.3, 2.0))
            await self.send_feedback(room, rnd, kind if i == 0 else "again")

    async def rate_foreign(self, view: View) -> None:
        """Rate a room of that round that is not one's own (must be refused)."""
        assert view.room is not None
        await asyncio.sleep(self.rng.uniform(0.2, 2.0))
        mine = int(view.room.rsplit("-", 1)[1])
        other = self.rng.choice([n for n in range(1, 60) if n != mine])
        await self.send_feedback(f"r{view.round}-{other}", view.round, "foreign")

    async def send_feedback(self, room: str, rnd: int | None, kind: str) -> None:
        sim, rng = self.sim, self.rng
        async with self.lock:
            if not self.connected:
                sim.count["ratings not sent (offline)"] += 1
                return
            seq = next(sim.seq)
            note = f"{rng.choice(NOTES)} #{seq}".strip()
            sent = Sent(seq, self.pid, room, rnd, kind, rng.randint(1, 5), rng.random() < 0.4, note)
            sim.sent.append(sent)
            body = {"room": room, "rating": sent.rating, "follow_up": sent.follow_up, "note": note}
            sent.outcome = await self.call("feedback", body)
            self.note(f"feedback {kind} {room}: {sent.outcome}")

    async def stop(self) -> None:
        sim = self.sim
        async with self.lock:
            before = max(sim.round, self.cur.round if self.cur else 0)
            outcome = await self.call("stop", {})
            self.note(f"stop: {outcome}")
        if outcome == "ok":
            self.stopped = True
            # the round this person's client or the host had heard of once it was acknowledged
            self.stop_round = max(before, sim.round, self.cur.round if self.cur else 0)
            sim.count["stops acknowledged"] += 1
        elif outcome in ("lost", "offline"):
            self.stop_unsure = True

    # --- the life of a person ------------------------------------------------------------------

    async def life(self) -> None:
        sim, plan, rng = self.sim, self.plan, self.rng
        if plan.arrive_at > 0 and await sim.wait_until(plan.arrive_at) == "stop":
            return
        while True:
            if self.sio is None:
                if not await self.connect():
                    if await sim.wait(rng.uniform(1, 3)) == "stop":
                        return
                    continue
            now = sim.elapsed()
            at, action = math.inf, "stay"
            if plan.kind != "steady" and not self.stopped:
                at, action = now + rng.expovariate(1 / sim.session_mean), "leave"
            if plan.quit_at is not None and not self.stopped and plan.quit_at < at:
                at, action = max(plan.quit_at, now), "stop"
            if plan.vanish_at is not None and plan.vanish_at < at:
                at, action = max(plan.vanish_at, now), "vanish"
            why = await sim.wait_until(at, self.lost)
            if why == "stop":
                return
            if why == "event":  # the connection went away without us asking
                if await sim.wait(rng.uniform(0.5, 3)) == "stop":
                    return
                continue
            if action == "stop":
                await self.stop()
                if plan.leave_after_stop:
                    await self.leave(abrupt=False)
                    self.gone = True
                    sim.count["left for good after stop"] += 1
                    return
                continue
            await self.leave(abrupt=action == "vanish" or rng.random() < 0.5)
            if action == "vanish":
                self.gone = True
                sim.count["vanished"] += 1
                return
            if await sim.wait(rng.expovariate(1 / sim.away_mean)) == "stop":
                return


def make_plans(n: int, duration: float, rng: random.Random) -> list[Plan]:
    plans = []
    for _ in range(n):
        draw = rng.random()
        if draw < STEADY:
            kind = "steady"
        elif draw < STEADY + QUITTERS:
            kind = "quitter"
        elif draw < STEADY + QUITTERS + VANISHERS:
            kind = "vanisher"
        else:
            kind = "churner"
        late = rng.random() < LATE
        plan = Plan(kind=kind, arrive_at=rng.uniform(2, duration * 0.5) if late else 0.0)
        if kind == "quitter":
            plan.quit_at = max(plan.arrive_at + 1, rng.uniform(0.2, 0.85) * duration)
            plan.leave_after_stop = rng.random() < 0.5
        if kind == "vanisher":
            plan.vanish_at = max(plan.arrive_at + 1, rng.uniform(0.2, 0.85) * duration)
        plans.append(plan)
    return plans


# ---------------------------------------------------------------------------------------------
# memory


@dataclass
class Rss:
    """VmRSS of the server processes over the run."""

    pids: list[int]
    samples: list[tuple[float, int, str, list[int]]] = field(default_factory=list)
    start: list[int] = field(default_factory=list)
    end: list[int] = field(default_factory=list)

    def read(self) -> list[int]:
        return [rss_kb(pid) for pid in self.pids]

    def sample(self, sim: Sim) -> None:
        self.samples.append((sim.elapsed(), sim.round, sim.phase, self.read()))

    def peak(self) -> int:
        return max([sum(s[3]) for s in self.samples] + [sum(self.start), sum(self.end)])

    def per_round(self) -> tuple[float | None, float | None]:
        """kB per round: (end of the event − first round) / rounds, and the slope of a line
        through the samples of the second half of the rounds (what a leak would show)."""
        during = [(r, sum(kb)) for _, r, phase, kb in self.samples if phase in ("round", "break")]
        if len(during) < 2 or during[-1][0] <= during[0][0]:
            return None, None
        first = [kb for r, kb in during if r == during[0][0]]
        last = [kb for r, kb in during if r == during[-1][0]]
        overall = (statistics.mean(last) - statistics.mean(first)) / (during[-1][0] - during[0][0])
        half = [(r, kb) for r, kb in during if r >= during[-1][0] / 2]
        slope = None
        if len({r for r, _ in half}) >= 3:
            slope = statistics.linear_regression([r for r, _ in half], [kb for _, kb in half])[0]
        return overall, slope


async def sampler(sim: Sim, rss: Rss, servers: list[Child]) -> None:
    while True:
        for child in servers:
            if not child.running():
                raise RuntimeError(f"{child.name} exited during the run:\n{child.tail()}")
        rss.sample(sim)
        await asyncio.sleep(RSS_EVERY_S)


# ---------------------------------------------------------------------------------------------
# the photo burst and the socket storm (--burst)

BURST_RUNS = 3
PHOTO_SIDE = 4000  # 16 megapixels: the most a source photo may have
PHOTOS_EACH = 2  # what one person may send at once
RSS_FAST_S = 0.02
BURST_LIMIT_MB = 600  # the photo burst's peak above idle must stay under this


def big_png() -> bytes:
    """A 16-megapixel PNG that compresses well (a few kB to send, 48 MB once decoded)."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (PHOTO_SIDE, PHOTO_SIDE), (40, 90, 160))
    draw = ImageDraw.Draw(image)
    for i in range(0, PHOTO_SIDE, 500):
        draw.rectangle((i, 0, i + 250, PHOTO_SIDE - 1), fill=(200, 120 + i % 100, 60))
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


class Peak:
    """The RSS of one process sampled every ``RSS_FAST_S`` while a phase runs."""

    def __init__(self, child: Child) -> None:
        self.child = child
        self.samples: list[int] = []
        self._task: asyncio.Task[None] | None = None

    async def _sample(self) -> None:
        while True:
            self.samples.append(rss_kb(self.child.pid))
            await asyncio.sleep(RSS_FAST_S)

    async def __aenter__(self) -> Peak:
        self._task = asyncio.create_task(self._sample())
        return self

    async def __aexit__(self, *_: object) -> None:
        assert self._task is not None
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)
        self.samples.append(rss_kb(self.child.pid))

    def most(self) -> int:
        return max(self.samples)


async def _photo(http: aiohttp.ClientSession, url: str, body: bytes) -> str:
    async with http.put(url, data=body, headers={"Content-Type": "image/png"}) as r:
        if r.status == 201:
            return "201"
        data = await r.json() if r.content_type == "application/json" else {}
        return f"{r.status} {data.get('error', {}).get('code', '?')}"


async def _socket(url: str, token: str, opened: list[socketio.AsyncClient]) -> str:
    c = socketio.AsyncClient(reconnection=False, handle_sigint=False)
    try:
        await c.connect(
            url, namespaces=[NS], auth={"token": token}, transports=["websocket"],
            wait_timeout=CONNECT_TIMEOUT_S,
        )  # fmt: skip
    except Exception as exc:
        with contextlib.suppress(Exception):
            await c.disconnect()
        text = str(exc)
        return "refused: " + (re.sub(r"\s+", " ", text)[:50] or type(exc).__name__)
    opened.append(c)
    return "connected"


def _outcomes(answers: list[str]) -> str:
    return ", ".join(f"{k} x{n}" for k, n in sorted(Counter(answers).items()))


async def burst_phase(
    procs: Processes, senders: int, storm: int
) -> tuple[list[tuple[str, str, str, str, str, str, str]], list[Check]]:
    """Both phases on a server of their own; the rows of their table and their checks."""
    # the default limits, the cap of connections per address included (config.yaml's 200)
    defaults = {"SPEEDMEET_CONNECTIONS_PER_ADDRESS": "200"}
    child, url = await start_speedmeet(procs, "speedmeet-burst", defaults)
    png = await asyncio.get_running_loop().run_in_executor(None, big_png)
    headers = {"Authorization": f"Bearer {ADMIN}"}
    timeout = aiohttp.ClientTimeout(total=300)
    connector = aiohttp.TCPConnector(limit=0)
    rows: list[tuple[str, str, str, str, str, str, str]] = []
    checks: list[Check] = []
    async with aiohttp.ClientSession(headers=headers, timeout=timeout, connector=connector) as http:
        admin = Admin(http, url)
        event_id, _ = await admin.create_event(1, 0)  # stays in the lobby: profiles are open
        people = await admin.register(event_id, BURST_RUNS * (senders + 1))
        links = [str(p["join_url"]).rsplit("/", 1)[1] for p in people]
        idle = rss_kb(child.pid)

        async def photos(run: int) -> list[str]:
            mine = links[run * senders : (run + 1) * senders]  # each run its own people
            puts = [
                _photo(http, f"{url}/e/{event_id}/p/{token}/photo", png)
                for token in mine
                for _ in range(PHOTOS_EACH)
            ]
            return list(await asyncio.gather(*puts))

        async def sockets(run: int) -> list[str]:
            token = links[BURST_RUNS * senders + run]
            opened: list[socketio.AsyncClient] = []
            try:
                return list(
                    await asyncio.gather(*(_socket(url, token, opened) for _ in range(storm)))
                )
            finally:
                await asyncio.gather(*(c.disconnect() for c in opened), return_exceptions=True)

        for name, at_once, act in (
            (f"photo burst: {senders} people x {PHOTOS_EACH} PNG of 16 Mpx "
             f"({len(png) // 1024} kB each)", senders * PHOTOS_EACH, photos),
            (f"socket storm: one link opens {storm} sockets", storm, sockets),
        ):  # fmt: skip
            above: list[int] = []
            answers: list[str] = []
            for run in range(BURST_RUNS):
                async with Peak(child) as peak:
                    answers += await act(run)
                above.append(peak.most() - idle)
                await _healthy(child, url)  # it answers between runs
            after = rss_kb(child.pid)
            ratio = statistics.median((idle + a) / idle for a in above)
            rows.append((
                name, str(at_once), _fmt_kb(idle), _fmt_kb(statistics.median(above)),
                f"{ratio:.2f}x", _fmt_kb(after), _outcomes(answers) + f" ({BURST_RUNS} runs)",
            ))  # fmt: skip
            if act is photos:
                worst = max(above)
                checks.append(Check(
                    f"(burst) the photo burst's peak stays under {BURST_LIMIT_MB} MB above idle",
                    worst < BURST_LIMIT_MB * 1024,
                    f"at most {_fmt_kb(worst)} above idle in {BURST_RUNS} runs",
                ))  # fmt: skip
        checks.append(Check(
            "(burst) the server answers after both", child.running(), "/healthz 200 after each run"
        ))  # fmt: skip
    await child.stop()
    return rows, checks


# ---------------------------------------------------------------------------------------------
# checks


@dataclass
class Check:
    name: str
    ok: bool
    summary: str
    details: list[str] = field(default_factory=list)


@dataclass
class Played:
    """The played rounds of the schedule, with the room ids of meetings.csv put on them."""

    rounds: dict[int, list[tuple[str, ...]]]  # round -> rooms' members
    waiting: dict[int, tuple[str, ...]]
    csv_rows: list[dict[str, str]]
    room_ids: dict[tuple[int, frozenset[str]], str]  # from the CSV, rooms of two or more

    def room_of(self, pid: str, rnd: int) -> tuple[str, ...] | None:
        return next((m for m in self.rounds.get(rnd, ()) if pid in m), None)


def per_person(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    """meetings.csv's rows (one per meeting, both people on it) as one per person and peer,
    what the checks below read. A follow-up shows only when mutual: ``hidden`` otherwise."""
    out = []
    for row in rows:
        if row["kind"] != "meeting":
            continue
        for me, them in (("a", "b"), ("b", "a")):
            out.append(
                {
                    "round": row["round"],
                    "room": row["room"],
                    "participant_id": row[f"{me}_id"],
                    "peer_id": row[f"{them}_id"],
                    "rating": row[f"{me}_rating"],
                    "follow_up": "yes" if row["mutual_follow_up"] == "yes" else "hidden",
                    "note": row[f"{me}_note"],
                    "took_place": row["took_place"],
                }
            )
    return out


def played_of(schedule: dict[str, Any], csv_text: str) -> Played:
    rounds: dict[int, list[tuple[str, ...]]] = {}
    waiting: dict[int, tuple[str, ...]] = {}
    for r in schedule["rounds"]:
        if r.get("played"):
            rounds[int(r["round"])] = [tuple(room["members"]) for room in r["rooms"]]
            waiting[int(r["round"])] = tuple(r.get("waiting") or ())
    rows = per_person(list(csv.DictReader(io.StringIO(csv_text.removeprefix("\ufeff")))))
    members: dict[tuple[int, str], set[str]] = defaultdict(set)
    for row in rows:
        members[(int(row["round"]), row["room"])] |= {row["participant_id"], row["peer_id"]}
    room_ids = {(rnd, frozenset(m)): room for (rnd, room), m in members.items()}
    return Played(rounds, waiting, rows, room_ids)


def _more(details: list[str]) -> list[str]:
    return details[:SHOW] + ([f"... and {len(details) - SHOW} more"] if len(details) > SHOW else [])


def check_one_room(p: Played) -> Check:
    bad = []
    for rnd, rooms in sorted(p.rounds.items()):
        seen = Counter(m for room in rooms for m in room)
        seen.update(p.waiting.get(rnd, ()))
        for pid, n in seen.items():
            if n > 1:
                where = [list(room) for room in rooms if pid in room]
                waits = " and waiting" if pid in p.waiting.get(rnd, ()) else ""
                bad.append(f"round {rnd}: {pid} in {n} places: rooms {where}{waits}")
    return Check(
        "nobody in two rooms in the same round",
        not bad,
        f"{len(bad)} double placements" if bad else f"{len(p.rounds)} rounds checked",
        _more(bad),
    )


def check_no_repeat(p: Played) -> Check:
    met: dict[frozenset[str], list[int]] = defaultdict(list)
    for rnd, rooms in sorted(p.rounds.items()):
        for room in rooms:
            for a, b in itertools.combinations(sorted(room), 2):
                met[frozenset((a, b))].append(rnd)
    bad = [
        f"{' & '.join(sorted(pair))} met in rounds {rs}" for pair, rs in met.items() if len(rs) > 1
    ]
    return Check(
        "no pair met twice",
        not bad,
        f"{len(bad)} pairs met again" if bad else f"{len(met)} pairs, each once",
        _more(bad),
    )


def check_cross_side(p: Played, sides: dict[str, str], who: dict[str, Person]) -> Check:
    bad, alone = [], 0
    rooms = 0
    for rnd, rs in sorted(p.rounds.items()):
        for room in rs:
            rooms += 1
            have = {sides[m] for m in room}
            if 2 <= len(room) <= 3 and have == set(SIDES):
                continue
            if len(room) == 1:
                alone += 1
                one = who[room[0]]
                bad.append(
                    f"round {rnd}: room of one [{one.pid} ({one.side}, {one.plan.kind})]; "
                    f"their round {rnd}: {one.story_of(rnd)}"
                )
            else:
                people = ", ".join(f"{m} ({sides[m]})" for m in room)
                bad.append(f"round {rnd}: room of {len(room)} [{people}]")
    summary = f"{rooms} rooms checked"
    if bad:
        summary = (
            f"{len(bad)} of {rooms} rooms not 2-3 people of both sides ({alone} of one person)"
        )
    return Check(
        "every room cross-side, 2-3 people (bipartite)",
        not bad,
        summary,
        _more(bad),
    )


def check_meetings_once(p: Played) -> Check:
    bad: list[str] = []
    expected: Counter[tuple[int, str, str, str]] = Counter()
    solo = 0
    for rnd, rooms in sorted(p.rounds.items()):
        for room in rooms:
            if len(room) < 2:
                solo += 1  # nobody to meet: no row expected
                continue
            rid = p.room_ids.get((rnd, frozenset(room)))
            if rid is None:
                bad.append(f"round {rnd}: room {list(room)} has no rows in meetings.csv")
                continue
            for a, b in itertools.permutations(room, 2):
                expected[(rnd, rid, a, b)] += 1
    got = Counter(
        (int(r["round"]), r["room"], r["participant_id"], r["peer_id"]) for r in p.csv_rows
    )
    for key, n in sorted(got.items()):
        if n > 1:
            bad.append(f"row round {key[0]} room {key[1]} {key[2]} -> {key[3]} appears {n} times")
        if key not in expected:
            bad.append(f"row round {key[0]} room {key[1]} {key[2]} -> {key[3]} is not a meeting")
    missing = [k for k in expected if k not in got]
    bad += [f"no row round {k[0]} room {k[1]} {k[2]} -> {k[3]}" for k in missing]
    meetings = sum(1 for rs in p.rounds.values() for room in rs if len(room) >= 2)
    return Check(
        "every meeting in meetings.csv once (a row per person, room and peer)",
        not bad,
        f"{len(bad)} problems"
        if bad
        else f"{len(p.csv_rows)} rows for {meetings} meetings"
        + (f" (+{solo} rooms of one: no rows)" if solo else ""),
        _more(bad),
    )


def check_feedback(p: Played, sent: list[Sent], who: dict[str, Person]) -> tuple[Check, Check]:
    rows: dict[tuple[str, str], list[dict[str, str]]] = defaultdict(list)
    for r in p.csv_rows:
        rows[(r["participant_id"], r["room"])].append(r)
    by_key: dict[tuple[str, str], list[Sent]] = defaultdict(list)
    for s in sent:
        if s.kind != "foreign":
            by_key[(s.pid, s.room)].append(s)
    csv_room_round = {r["room"]: int(r["round"]) for r in p.csv_rows}

    def shows(row: dict[str, str], s: Sent) -> bool:
        return (
            row["rating"] == str(s.rating)
            and row["follow_up"] in (("yes", "hidden") if s.follow_up else ("hidden",))
            and row["note"] == s.note
        )

    bad: list[str] = []
    why: Counter[str] = Counter()
    acked = 0
    for (pid, room), ss in sorted(by_key.items()):
        ss.sort(key=lambda s: s.seq)
        oks = [s for s in ss if s.outcome == "ok"]
        last = oks[-1] if oks else None
        unsure = [s for s in ss if s.outcome == "lost" and (last is None or s.seq > last.seq)]
        acked += len(oks)
        have = rows.get((pid, room), [])
        if last is None:
            if have and any(row["rating"] for row in have):
                if not any(shows(row, s) for row in have for s in unsure):
                    why["a rating no ack said ok"] += 1
                    bad.append(f"{pid} room {room}: a rating in meetings.csv that no ack said ok")
            continue
        if not have:
            rnd = last.round
            placed = p.room_of(pid, rnd) if rnd is not None else None
            if placed is not None and len(placed) == 1:
                why["rated a room they were left alone in (no row for a room of one)"] += 1
                where = f"in round {rnd} the schedule has them alone in a room {list(placed)}"
            else:
                if placed is not None and p.room_ids.get((rnd, frozenset(placed))) != room:
                    why["rated a room they were re-paired out of afterwards"] += 1
                else:
                    why["missing for another reason"] += 1
                where = f"in round {rnd} the schedule has them in {list(placed or ['no room'])}"
            bad.append(
                f"{pid} room {room} ({last.kind}, rating {last.rating} acked ok): no row in "
                f"meetings.csv; {where}; their round {rnd}: "
                + (who[pid].story_of(rnd) if rnd is not None else "-")
            )
            continue
        for row in have:
            if not shows(row, last) and not any(shows(row, s) for s in unsure):
                why["meetings.csv shows another rating than the last acked"] += 1
                bad.append(
                    f"{pid} room {room} round {csv_room_round.get(room)}: meetings.csv says "
                    f"rating {row['rating']!r} follow_up {row['follow_up']!r} note "
                    f"{row['note']!r}; last acked was {last.rating}/{last.follow_up}/{last.note!r}"
                )
                break
    sent_keys = set(by_key)
    for (pid, room), have in rows.items():
        if (pid, room) not in sent_keys and any(row["rating"] for row in have):
            why["a rating this run never sent"] += 1
            bad.append(f"{pid} room {room}: rated in meetings.csv but this run never rated it")
    stored = Check(
        "every acknowledged rating stored (the last one wins)",
        not bad,
        f"{len(bad)} (person, room) of {len(by_key)}: "
        + "; ".join(f"{n} {what}" for what, n in why.most_common())
        if bad
        else f"{acked} acked ratings on {len(by_key)} (person, room)",
        _more(bad),
    )
    foreign = [s for s in sent if s.kind == "foreign"]
    wrong = []
    for s in foreign:
        theirs = any(r["room"] == s.room and r["participant_id"] == s.pid for r in p.csv_rows)
        if s.outcome == "ok" and not theirs:
            wrong.append(f"{s.pid} rated room {s.room} (not theirs): acked ok")
        elif s.outcome not in ("ok", "not_your_room", "lost", "offline"):
            wrong.append(f"{s.pid} rated room {s.room} (not theirs): {s.outcome}")
    refused = sum(s.outcome == "not_your_room" for s in foreign)
    probe = Check(
        "(extra) a rating of someone else's room is refused (not_your_room)",
        not wrong,
        f"{len(wrong)} accepted" if wrong else f"{refused} of {len(foreign)} refused",
        _more(wrong),
    )
    return stored, probe


def check_summaries(p: Played, people: list[Person], at_end: set[str]) -> tuple[Check, Check]:
    missing, wrong = [], []
    took = {
        (int(r["round"]), r["participant_id"], r["peer_id"])
        for r in p.csv_rows
        if r["took_place"] == "yes"
    }
    for person in people:
        if person.pid not in at_end:
            continue
        if person.summary is None or person.summary[0] != person.conn:
            missing.append(f"{person.pid} ({person.plan.kind}): connected, no summary")
            continue
        data = person.summary[1]
        told = sorted(
            (int(m["round"]), tuple(sorted([person.pid, *(x["id"] for x in m["peers"])])))
            for m in data.get("meetings") or ()
        )
        # a partner who never came (took_place no in meetings.csv) is no meeting of theirs
        truth = sorted(
            (rnd, tuple(sorted([person.pid, *peers])))
            for rnd, rooms in p.rounds.items()
            for room in rooms
            if person.pid in room
            and (peers := [x for x in room if x != person.pid and (rnd, person.pid, x) in took])
        )
        if told != truth:
            wrong.append(f"{person.pid}: summary {told} but played {truth}")
    got = Check(
        "everyone connected at the end got their summary",
        not missing,
        f"{len(missing)} of {len(at_end)} without"
        if missing
        else f"{len(at_end)} of {len(at_end)}",
        _more(missing),
    )
    right = Check(
        "(extra) each summary lists exactly the person's played rooms",
        not wrong,
        f"{len(wrong)} differ" if wrong else f"{len(at_end) - len(missing)} summaries match",
        _more(wrong),
    )
    return got, right


def check_stopped(p: Played, people: list[Person]) -> Check:
    bad = []
    checked = 0
    for person in people:
        if not person.stopped or person.stop_round is None:
            continue
        checked += 1
        for rnd, rooms in sorted(p.rounds.items()):
            if rnd >= person.stop_round + 2 and any(person.pid in room for room in rooms):
                bad.append(
                    f"{person.pid}: stop acked in round {person.stop_round}, in a room in round {rnd}"
                )
    return Check(
        "(extra) nobody paired again 2+ rounds after their stop was acked",
        not bad,
        f"{len(bad)} pairings after stop" if bad else f"{checked} who stopped, none paired again",
        _more(bad),
    )


def check_told(p: Played, people: list[Person]) -> Check:
    bad = []
    checked = 0
    for person in people:
        for rnd, view in sorted(person.told.items()):
            if rnd not in p.rounds:
                continue
            checked += 1
            room = p.room_of(person.pid, rnd)
            told = tuple(sorted([person.pid, *view.peers])) if view.room else None
            truth = tuple(sorted(room)) if room else None
            rid = p.room_ids.get((rnd, frozenset(room))) if room else None
            if told != truth or (rid is not None and view.room != rid):
                bad.append(
                    f"{person.pid} round {rnd}: last told room {view.room} with {list(view.peers)}"
                    f", recorded in {list(room) if room else 'no room'} (csv id {rid})"
                )
    return Check(
        "(extra) a client's last assignment of a round is the room it is recorded in",
        not bad,
        f"{len(bad)} of {checked} differ" if bad else f"{checked} (person, round) checked",
        _more(bad),
    )


def check_greeted(sim: Sim) -> Check:
    """A connection open for a while must have had its greeting (clock, assignment)."""
    slow = [u for u in sim.ungreeted if u[2] >= 2.0]
    quick = [u for u in sim.ungreeted if u[2] < 2.0]
    bad = [f"{pid} connection #{n}: no assignment in {t:.1f} s ({how})" for pid, n, t, how in slow]
    summary = f"{len(slow)} connections open 2 s or more without one" if slow else "all greeted"
    if quick:
        longest = max(u[2] for u in quick)
        summary += (
            f"; {len(quick)} closed by the client before theirs arrived "
            f"(open {longest * 1000:.0f} ms at most)"
        )
    return Check(
        "(extra) every connection gets its greeting (an assignment)", not slow, summary, bad
    )


# ---------------------------------------------------------------------------------------------
# the run


def _fmt_kb(kb: float | None) -> str:
    return "n/a" if kb is None else f"{kb / 1024:.1f} MB"


def _fmt_per_round(kb: float | None) -> str:
    return "n/a" if kb is None else f"{kb:+.1f} kB"


def server_log_lines(children: list[Child]) -> list[str]:
    """WARNING and above from the servers' logs (stdout and stderr), tracebacks included."""
    out = []
    for child in children:
        for line in child.text().splitlines():
            if re.search(r"\b(WARNING|ERROR|CRITICAL)\b|Traceback|Error:|Exception", line):
                out.append(f"{child.name}: {line}")
    return out


async def host_connect(url: str, token: str, sim: Sim) -> socketio.AsyncClient:
    host = socketio.AsyncClient(reconnection=False, handle_sigint=False)

    def on_clock(data: Any) -> None:
        if isinstance(data, dict):
            sim.round = int(data.get("round") or 0)
            sim.phase = str(data.get("phase"))
            if sim.phase == "round":
                sim.count["round starts heard by the host"] += 1

    host.on("clock", on_clock, namespace="/host")
    await host.connect(
        url,
        namespaces=["/host"],
        auth={"token": token},
        transports=["websocket"],
        wait_timeout=CONNECT_TIMEOUT_S,
    )
    return host


async def host_call(host: socketio.AsyncClient, sim: Sim, command: str) -> dict[str, Any]:
    reply = await host.call(command, {}, namespace="/host", timeout=60)
    code = "ok" if isinstance(reply, dict) and reply.get("ok") else str(reply)
    if isinstance(reply, dict) and isinstance(reply.get("error"), dict):
        code = str(reply["error"].get("code"))
    sim.acks[(f"host {command}", code)] += 1
    if code != "ok":
        raise RuntimeError(f"host {command}: {reply}")
    return dict(reply)


async def wait_online(admin: Admin, event_id: str, want: int, limit: float) -> tuple[int, float]:
    started = time.monotonic()
    online = -1
    while time.monotonic() - started < limit:
        online = int((await admin.event(event_id))["online"])
        if online == want:
            break
        await asyncio.sleep(0.25)
    return online, time.monotonic() - started


async def run(args: argparse.Namespace) -> int:
    folder = Path(tempfile.mkdtemp(prefix="soak-"))
    procs = Processes(folder)
    people: list[Person] = []
    host: socketio.AsyncClient | None = None
    servers: list[Child] = []
    tasks: list[asyncio.Task[Any]] = []
    keep = args.keep
    code = 2
    try:
        rng = random.Random(args.seed)
        duration = args.minutes * 60
        break_s = args.break_seconds if args.break_seconds is not None else rng.randint(0, 3)
        rounds = min(200, math.ceil(duration / (ROUND_S + break_s)) + 1)
        urls: list[str] = []
        if args.redis:
            redis_url = await start_redis(procs)
            extra = {
                "SPEEDMEET_STORE": "redis",
                "SPEEDMEET_REDIS_URL": redis_url,
                "SPEEDMEET_REDIS_PREFIX": f"soak-{uuid.uuid4().hex[:8]}",
                # the same on every process (the stored e-mail addresses are sealed with it)
                "SPEEDMEET_DATA_KEY": base64.urlsafe_b64encode(os.urandom(32)).decode(),
            }
            for i in range(2):
                child, url = await start_speedmeet(procs, f"speedmeet-{i}", extra)
                servers.append(child)
                urls.append(url)
        else:
            child, url = await start_speedmeet(procs, "speedmeet", {})
            servers.append(child)
            urls.append(url)
        where = "two processes on Redis" if args.redis else "one process, embedded store"
        print(
            f"soak: {args.participants} people, {args.minutes:g} min, {where}, seed {args.seed}, "
            f"rounds of {ROUND_S} s, breaks of {break_s} s, {rounds} rounds set; logs in {folder}",
            flush=True,
        )
        sim = Sim(urls, duration, args.seed)
        rss = Rss([c.pid for c in servers])
        headers = {"Authorization": f"Bearer {ADMIN}"}
        timeout = aiohttp.ClientTimeout(total=120)
        async with aiohttp.ClientSession(headers=headers, timeout=timeout) as http:
            admin = Admin(http, urls[0])
            event_id, host_token = await admin.create_event(rounds, break_s)
            rows = await admin.register(event_id, args.participants)
            rss.start = rss.read()
            sides = {row["id"]: row["side"] for row in rows}
            plans = make_plans(len(rows), duration, rng)
            people = [
                Person(sim, i, row, plan, random.Random(f"{args.seed}:{i}"))
                for i, (row, plan) in enumerate(zip(rows, plans, strict=True))
            ]
            sim.people = people
            host = await host_connect(urls[0], host_token, sim)

            on_time = [p for p in people if p.plan.arrive_at == 0]
            ok = await asyncio.gather(*(p.connect() for p in on_time))
            online, _ = await wait_online(admin, event_id, sum(ok), SETTLE_WAIT_S)
            print(f"  {sum(ok)} of {len(on_time)} on time connected ({online} online); start")

            await host_call(host, sim, "start")
            sim.t0 = time.monotonic()
            tasks.append(asyncio.create_task(sampler(sim, rss, servers)))
            lives = [asyncio.create_task(p.life()) for p in people]
            tasks += lives
            next_note = 60.0
            while sim.elapsed() < duration:
                await asyncio.sleep(min(1.0, max(0.0, duration - sim.elapsed())))
                if tasks[0].done():
                    tasks[0].result()  # a server died: raise
                if sim.elapsed() >= next_note:
                    next_note += 60.0
                    print(
                        f"  {sim.elapsed():.0f} s: round {sim.round} ({sim.phase}), "
                        f"{sum(p.connected for p in people)} connected, "
                        f"{sim.count['connects']} connects, {len(sim.sent)} ratings sent, "
                        f"RSS {_fmt_kb(sum(rss.samples[-1][3]))}",
                        flush=True,
                    )

            # the end: people stop acting (whoever is connected stays), then the host ends it
            sim.stopping.set()
            done, stuck = await asyncio.wait(lives, timeout=30)
            for t in stuck:
                t.cancel()
            for t in done:
                if t.exception() is not None:
                    raise RuntimeError(f"a person's task failed: {t.exception()!r}")
            await asyncio.sleep(1.0)
            at_end = {p.pid for p in people if p.connected}
            reply = await host_call(host, sim, "end")
            ended_in = f"{reply['clock']['phase']} after round {reply['clock']['round']}"
            deadline = time.monotonic() + SUMMARY_WAIT_S
            while time.monotonic() < deadline:
                if all(p.summary is not None for p in people if p.pid in at_end):
                    break
                await asyncio.sleep(0.2)
            deadline = time.monotonic() + 60
            while sim.pending and time.monotonic() < deadline:
                await asyncio.wait(set(sim.pending), timeout=1)
            still = {p.pid for p in people if p.connected}
            for p in people:
                if p.connected:
                    p.ungreeted("still open at the end")
            lost_at_end = sorted(at_end - still)
            online, waited = await wait_online(admin, event_id, len(still), SETTLE_WAIT_S)
            state = await admin.event(event_id)
            csv_text = await admin.meetings(event_id)
            schedule = await admin.schedule(event_id)
            rss.end = rss.read()
            tasks[0].cancel()
        burst_rows: list[tuple[str, ...]] = []
        if args.burst:
            print("  the photo burst and the socket storm, on a server of their own", flush=True)
            burst_rows, burst_checks = await burst_phase(procs, args.burst_people, args.storm)

        # --- checks ---------------------------------------------------------------------------
        played = played_of(schedule, csv_text)
        by_pid = {p.pid: p for p in people}
        checks = [
            check_one_room(played),
            check_no_repeat(played),
            check_cross_side(played, sides, by_pid),
            check_meetings_once(played),
        ]
        stored, probe = check_feedback(played, sim.sent, by_pid)
        got, right = check_summaries(played, people, at_end)
        checks += [stored, got, check_stopped(played, people)]
        checks += [check_told(played, people), probe, right]
        checks.append(check_greeted(sim))
        if args.burst:
            checks += burst_checks
        checks.append(
            Check(
                "(extra) the server's online count comes back to the clients connected",
                online == len(still),
                f"{online} online for {len(still)} connected clients"
                + (f" after {waited:.1f} s" if online == len(still) else f" after {waited:.0f} s"),
            )
        )

        # --- report ---------------------------------------------------------------------------
        rooms_all = [room for rs in played.rounds.values() for room in rs]
        meetings = [room for room in rooms_all if len(room) >= 2]
        fb = Counter(s.outcome for s in sim.sent if s.kind != "foreign")
        kinds_ok = ", ".join(
            f"{k} {v}"
            for k, v in sorted(Counter(s.kind for s in sim.sent if s.outcome == "ok").items())
        )
        foreign = sum(s.kind == "foreign" for s in sim.sent)
        overall, slope = rss.per_round()
        c = sim.count
        lines = [
            ("store", where + (f" (pids {', '.join(str(x) for x in rss.pids)})")),
            ("people", f"{args.participants} ({len(sides) // 2} per side); "
             + ", ".join(f"{k} {v}" for k, v in sorted(Counter(p.plan.kind for p in people).items()))
             + f"; {sum(p.plan.arrive_at > 0 for p in people)} late"),
            ("event", f"rounds of {ROUND_S} s, breaks of {break_s} s, {rounds} rounds set, "
             f"host `end` in the {ended_in}; state at the end: {state['clock']['phase']}"),
            ("rounds played", str(len(played.rounds))),
            ("meetings", f"{len(meetings)} rooms of 2-3 ({sum(len(m) == 3 for m in meetings)} "
             f"trios) + {len(rooms_all) - len(meetings)} rooms of one; {len(played.csv_rows)} "
             "csv rows"),
            ("connects", f"{c['connects']} (incl. {sum(ok)} at the start); "
             f"{sum(sim.connect_errors.values())} failed"),
            ("disconnects", f"{c['clean disconnects']} clean, {c['abrupt drops']} abrupt (TCP "
             f"abort), {c['unexpected disconnects']} not asked for"),
            ("left for good", f"{c['stops acknowledged']} stops acked "
             f"({c['left for good after stop']} then closed the page), {c['vanished']} vanished"),
            ("connected at the end", f"{len(at_end)} (server says {online} online)"
             + (f"; lost after `end`: {', '.join(lost_at_end)}" if lost_at_end else "")),
            ("moved within a round", f"{c['moved within a round']} assignments changed mid-round"),
            ("feedback", f"{sum(fb.values())} sent to own rooms, {fb['ok']} acked ok"
             + "".join(f", {v} {k}" for k, v in sorted(fb.items()) if k != "ok")
             + f"; acked ok by moment: {kinds_ok}; {foreign} sent to others' rooms; "
             f"{c['ratings not sent (offline)']} not sent (offline when due)"),
            ("ack errors", ", ".join(
                f"{ev}: {code_} x{n}" for (ev, code_), n in sorted(sim.acks.items())
                if code_ != "ok") or "none"),
            ("server RSS", f"start {_fmt_kb(sum(rss.start))}, peak {_fmt_kb(rss.peak())}, "
             f"end {_fmt_kb(sum(rss.end))}"
             + (" (" + "; ".join(
                 f"{child.name} {_fmt_kb(s)} / {_fmt_kb(max(x[3][i] for x in rss.samples))} / "
                 f"{_fmt_kb(e)}" for i, (child, s, e) in enumerate(
                     zip(servers, rss.start, rss.end, strict=True))) + ")"
                if len(servers) > 1 else "")),
            ("RSS growth per round", f"{_fmt_per_round(overall)} (first to last round), "
             f"{_fmt_per_round(slope)} (slope over the second half)"),
            ("messages heard", ", ".join(f"{k} {v}" for k, v in sorted(sim.heard.items()))),
        ]  # fmt: skip
        logged = server_log_lines(servers)
        lines.append(("server log", f"{len(logged)} lines at WARNING or above"))
        print()
        print("| what | measured |")
        print("|---|---|")
        for what, value in lines:
            print(f"| {what} | {value.replace('|', '/')} |")
        if burst_rows:
            print()
            print("| phase | requests at once | idle RSS | peak above idle (median) "
                  "| peak / idle (median) | RSS after | answers |")  # fmt: skip
            print("|---|---|---|---|---|---|---|")
            for row in burst_rows:
                print("| " + " | ".join(cell.replace("|", "/") for cell in row) + " |")
        print()
        print("| invariant | holds | detail |")
        print("|---|---|---|")
        for ch in checks:
            print(f"| {ch.name} | {'yes' if ch.ok else '**NO**'} | {ch.summary} |")
        failed = [ch for ch in checks if not ch.ok]
        for ch in failed:
            print(f"\n{ch.name}: FAILED")
            for d in ch.details:
                print(f"  - {d}")
        if sim.connect_errors:
            print("\nconnect failures:")
            for msg, n in sim.connect_errors.most_common(SHOW):
                print(f"  - {n} x {msg}")
        if sim.call_failures:
            print("\ncalls without an answer:")
            for msg, n in sim.call_failures.most_common(SHOW):
                print(f"  - {n} x {msg}")
        if logged:
            print("\nserver log (WARNING and above):")
            shown = Counter(re.sub(r"^\S+ \S+ \S+ ", "", line) for line in logged)
            for line, n in shown.most_common(30):
                print(f"  - {n} x {line}" if n > 1 else f"  - {line}")
        print()
        if failed:
            print("verdict: FAILED: " + "; ".join(ch.name for ch in failed))
            keep = True
            code = 1
        else:
            print("verdict: every invariant holds")
            code = 0
        if logged:
            keep = True
        return code
    except Exception:
        keep = True
        for child in servers:
            print(f"--- {child.name} log (tail) ---\n{child.tail()}", file=sys.stderr)
        raise
    finally:
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if people:
            for t in list(people[0].sim.pending):
                t.cancel()
        await asyncio.gather(*(p.close() for p in people), return_exceptions=True)
        if host is not None:
            with contextlib.suppress(Exception):
                await host.disconnect()
        await procs.stop()
        if keep:
            print(f"logs kept in {folder}", file=sys.stderr)
        else:
            shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--minutes", type=float, default=10.0, help="length of the event")
    parser.add_argument("--participants", type=int, default=None, help="default 200 (quick: 60)")
    parser.add_argument("--seed", type=int, default=1, help="what everyone does, and when")
    parser.add_argument(
        "--break-seconds", type=int, choices=range(4), default=None, help="default: from the seed"
    )
    parser.add_argument("--redis", action="store_true", help="two processes on a Redis")
    parser.add_argument("--quick", action="store_true", help="60 people, 1 minute")
    parser.add_argument(
        "--keep", action="store_true", help="keep the logs folder even if all is well"
    )
    parser.add_argument(
        "--burst", action="store_true", help="then the photo burst and the socket storm"
    )
    parser.add_argument(
        "--burst-people", type=int, default=5, help="people sending 2 photos at once (5)"
    )
    parser.add_argument("--storm", type=int, default=300, help="sockets one link opens (300)")
    args = parser.parse_args()
    if args.quick:
        args.minutes = 1.0
        args.participants = args.participants or 60
    args.participants = args.participants or 200
    if args.participants < 4 or args.participants % 2:
        parser.error("--participants must be even and at least 4 (two equal sides)")

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
        except Exception:
            traceback.print_exc()
            print("the run broke (see above); every process started was stopped", file=sys.stderr)
            return 2
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
