"""One rating near the end of a 2,000-person event: the whole record rewritten (before) against
an entry appended to the feedback log (after), on the embedded store and on Redis.

The event: 1,000 municipalities and 1,000 solution makers, 12 rounds of 1,000 rooms played,
5 wishes each, everyone has rated every meeting (24,000 ratings with a short note). "Before" is
the first version's path, rebuilt here in the same run: the rating is added to the aggregate
(filtering the tuple of every rating), the whole aggregate is encoded and written (SQLite
``INSERT OR REPLACE`` of one row; Redis ``SET``), all on the event loop. "After" is today's
path through the owner: the (cached) record is read, ``give_feedback`` runs, the store appends
one entry (SQLite on its writer thread; one Lua script on Redis).

Besides the time per rating (median and 95th percentile of ``--ratings`` in a row), the table
gives the bytes written per rating and how long the event loop was blocked (the longest gap a
ticker task saw while the ratings ran).

    .venv/bin/python bench/store.py            # about a minute
    .venv/bin/python bench/store.py --quick
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import msgspec

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from server.core.feedback import give_feedback
from server.core.model import (
    AuditEntry,
    Clock,
    EventState,
    Feedback,
    Matching,
    Participant,
    Phase,
    Room,
    RoundRecord,
    Settings,
    Wish,
    wish_key,
)
from server.live.owner import Owner
from server.metrics import Metrics
from server.store import EmbeddedStore, Store
from server.store.legacy import _Legacy
from server.store.redis import RedisStore
from server.store.sealing import new_key

SIDE = 1000
ROUNDS = 12
T0 = 1_800_000_000_000


def event(side: int, rounds: int) -> tuple[EventState, list[Feedback], list[AuditEntry]]:
    """The end of a two-sided event: every round played, every meeting rated."""
    communes = [f"p{i + 1}" for i in range(side)]
    solutions = [f"p{side + i + 1}" for i in range(side)]
    people = {
        pid: Participant(
            id=pid,
            name=f"Person {pid}",
            token_hash=f"hash-{pid}-" + "x" * 12,
            organization=f"Organisation of {pid}",
            side="commune" if n < side else "solution",
            email=f"{pid}@example.org",
        )
        for n, pid in enumerate(communes + solutions)
    }
    wishes = {}
    for i, pid in enumerate(communes):
        for k in range(5):
            other = solutions[(i * 7 + k * 13) % side]
            wishes[wish_key(pid, other)] = Wish(source=pid, target=other, level="like")
            wishes[wish_key(other, pid)] = Wish(source=other, target=pid, level="must")
    history, feedback = [], []
    for r in range(1, rounds + 1):
        rooms = tuple(
            Room(id=f"r{r}-{i + 1}", round=r, members=(communes[i], solutions[(i + r) % side]))
            for i in range(side)
        )
        history.append(
            RoundRecord(round=r, started_at=T0 + r * 600_000, rooms=rooms, no_shows_checked=True)
        )
        for room in rooms:
            for pid in room.members:
                feedback.append(
                    Feedback(
                        participant=pid,
                        room=room.id,
                        rating=4,
                        follow_up=True,
                        note="Good talk, send the brochure",
                        at=T0,
                    )
                )
    audit = [
        AuditEntry(at=T0 + i, actor="host", action="start" if i == 0 else "next")
        for i in range(rounds)
    ]
    state = EventState(
        id="bench",
        settings=Settings(
            title="Mayors meet innovators",
            round_seconds=420,
            break_seconds=60,
            rounds=rounds,
            matching=Matching(mode="bipartite", sides=("commune", "solution")),
        ),
        host_token_hash="host",
        moderator_token_hash="mod",
        created_at=T0,
        version=40,
        clock=Clock(
            phase=Phase.BREAK,
            round=rounds - 1,
            rounds=rounds,
            ends_at=T0 + 10**7,
            opened=True,
            started_at=T0,
        ),
        participants=people,
        wishes=wishes,
        history=tuple(history),
    )
    return state, feedback, audit


class Ticker:
    """Measures the longest time the event loop did not run a 1 ms ticker."""

    def __init__(self) -> None:
        self.worst = 0.0
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        last = time.perf_counter()
        while True:
            await asyncio.sleep(0.001)
            now = time.perf_counter()
            self.worst = max(self.worst, now - last - 0.001)
            last = now

    def __enter__(self) -> Ticker:
        self._task = asyncio.get_running_loop().create_task(self._run())
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._task is not None
        self._task.cancel()


async def timed(count: int, rate: Callable[[int], Awaitable[int]]) -> dict[str, float]:
    """Run ``rate(i)`` ``count`` times; the time of each, the bytes written, the loop's worst gap."""
    times, written = [], 0
    with Ticker() as ticker:
        for i in range(count):
            await asyncio.sleep(0.002)  # let the ticker run between ratings, as other work would
            started = time.perf_counter()
            written += await rate(i)
            times.append(time.perf_counter() - started)
    times.sort()
    return {
        "median_ms": statistics.median(times) * 1000,
        "p95_ms": times[int(len(times) * 0.95) - 1] * 1000,
        "bytes": written / count,
        "blocked_ms": ticker.worst * 1000,
    }


# --- before: the first version's whole aggregate --------------------------------------------


def legacy(state: EventState, feedback: list[Feedback], audit: list[AuditEntry]) -> _Legacy:
    return _Legacy(
        id=state.id,
        settings=state.settings,
        host_token=state.host_token_hash,
        moderator_token=state.moderator_token_hash,
        created_at=state.created_at,
        version=state.version,
        clock=state.clock,
        participants=state.participants,
        wishes=list(state.wishes.values()),
        history=list(state.history),
        feedback=feedback,
        audit=audit,
    )


def rate_legacy(aggregate: _Legacy, i: int) -> _Legacy:
    """What ``give_feedback`` did then: replace the person's rating in the whole tuple."""
    room = aggregate.history[-1].rooms[i % SIDE]
    pid = room.members[0]
    entry = Feedback(participant=pid, room=room.id, rating=5, follow_up=True, note="again", at=T0)
    kept = [f for f in aggregate.feedback if (f.participant, f.room) != (pid, room.id)]
    return msgspec.structs.replace(
        aggregate, version=aggregate.version + 1, feedback=[*kept, entry]
    )


async def before_sqlite(folder: Path, aggregate: _Legacy, count: int) -> dict[str, float]:
    db = sqlite3.connect(folder / "before.sqlite3", isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute(
        "CREATE TABLE events (id TEXT PRIMARY KEY, version INTEGER, created_at INTEGER, body BLOB)"
    )
    encode = msgspec.json.Encoder().encode
    current = aggregate

    async def rate(i: int) -> int:
        nonlocal current
        current = rate_legacy(current, i)
        body = encode(current)
        db.execute(
            "INSERT OR REPLACE INTO events VALUES (?, ?, ?, ?)",
            (current.id, current.version, current.created_at, body),
        )
        return len(body)

    try:
        return await timed(count, rate)
    finally:
        db.close()


async def before_redis(url: str, aggregate: _Legacy, count: int) -> dict[str, float]:
    from redis import asyncio as aioredis

    r = aioredis.Redis.from_url(url)
    encode = msgspec.json.Encoder().encode
    current = aggregate

    async def rate(i: int) -> int:
        nonlocal current
        current = rate_legacy(current, i)
        body = encode(current)
        await r.set("before:event", body)
        return len(body)

    try:
        return await timed(count, rate)
    finally:
        await r.aclose()


# --- after: today's path through the owner ---------------------------------------------------


async def after(
    store: Store, state: EventState, feedback: list[Feedback], audit: list[AuditEntry], count: int
) -> dict[str, float]:
    await store.open()
    try:
        await store.create(state)
        # the logs as they are near the end of the event
        from server.store import Change

        for chunk in range(0, len(feedback), 2000):
            await store.commit(
                Change(base=state, state=None, entries=feedback[chunk : chunk + 2000])
            )
        await store.commit(Change(base=state, state=None, entries=audit))
        owner = Owner(store, lambda: T0, Metrics())
        encode = msgspec.json.Encoder().encode

        async def rate(i: int) -> int:
            room = state.history[-1].rooms[i % SIDE]
            pid = room.members[0]
            outcome = await owner.apply(
                state.id,
                lambda s, c: give_feedback(s, pid, room.id, 5, True, "again", c.now),
            )
            return sum(len(encode(e)) for e in outcome.entries)

        return await timed(count, rate)
    finally:
        await store.close()


def start_redis(folder: Path) -> tuple[subprocess.Popen[bytes], str]:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    binary = shutil.which("redis-server")
    if binary is None:
        sys.exit("bench/store.py needs redis-server (Debian: apt-get install redis-server)")
    proc = subprocess.Popen(
        [
            binary,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(folder),
        ],
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 20
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as c:
                c.sendall(b"PING\r\n")
                if c.recv(16).startswith(b"+PONG"):
                    break
        except OSError:
            pass
        if time.monotonic() > deadline:
            proc.kill()
            sys.exit("redis-server did not start")
        time.sleep(0.05)
    return proc, f"redis://127.0.0.1:{port}/0"


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--ratings", type=int, default=200, help="ratings in a row per case")
    parser.add_argument("--quick", action="store_true", help="a smaller event, fewer ratings")
    args = parser.parse_args()
    global SIDE
    side, rounds, count = (SIDE, ROUNDS, args.ratings) if not args.quick else (200, 6, 40)
    SIDE = side
    state, feedback, audit = event(side, rounds)
    aggregate = legacy(state, feedback, audit)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        redis, url = start_redis(folder)
        try:
            rows = [
                (
                    "embedded (SQLite)",
                    "before: whole record",
                    await before_sqlite(folder, aggregate, count),
                ),
                (
                    "embedded (SQLite)",
                    "after: one entry",
                    await after(
                        EmbeddedStore(folder / "after.sqlite3"), state, feedback, audit, count
                    ),
                ),
                ("Redis", "before: whole record", await before_redis(url, aggregate, count)),
                (
                    "Redis",
                    "after: one entry",
                    await after(
                        RedisStore(url, proc="bench", prefix="after", key=new_key()),
                        state,
                        feedback,
                        audit,
                        count,
                    ),
                ),
            ]
        finally:
            redis.terminate()
            redis.wait(10)
    print(
        f"\nOne rating near the end of an event of {2 * side} people ({rounds} rounds, {len(feedback)} ratings so far); {count} ratings in a row per case.\n"
    )
    print(
        "| store | design | median per rating | p95 | bytes written per rating | longest loop stall | x faster (median) |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for i, (store, design, r) in enumerate(rows):
        base = rows[i - i % 2][2]["median_ms"]
        print(
            f"| {store} | {design} | {r['median_ms']:.2f} ms | {r['p95_ms']:.2f} ms | {r['bytes']:,.0f} | "
            f"{r['blocked_ms']:.1f} ms | {base / r['median_ms']:.1f} |"
        )
    for i in (0, 2):
        b, a = rows[i][2], rows[i + 1][2]
        print(
            f"\n{rows[i][0]}: {2 * side} ratings in one break take {2 * side * b['median_ms'] / 1000:.1f} s "
            f"before, {2 * side * a['median_ms'] / 1000:.2f} s after."
        )


if __name__ == "__main__":
    asyncio.run(main())
