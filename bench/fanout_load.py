"""Load process of ``bench/fanout.py``: holds a share of the participants' Socket.IO clients.

Driven by the coordinator over JSON lines: one command a line on stdin, one answer a line on
stdout (same ``id``). Commands:

- ``connect {group, targets: [[url, token], ...], concurrency, timeout}``: connect one client
  per target to ``/participant`` (websocket only), at most ``concurrency`` at a time, and answer
  once every client has its first ``assignment`` (round 0, the greeting);
- ``arrivals {group, round, timeout}``: answer, once every client of the group has it (or at
  the timeout), the ``time.time_ns()`` at which each received its first ``assignment`` of that
  round, and how many never did;
- ``quiet {group, quiet_ms, timeout}``: answer once the group has received nothing at all for
  ``quiet_ms`` (the server's pushes after a change are over);
- ``disconnect {group}``: close the group's clients;
- ``quit``: close everything and exit (so does the end of stdin).

Every process runs on the same machine, so ``time.time_ns()`` compares across processes.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import socketio

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from server.sockets.codec import Json

NS = "/participant"
CONNECT_ATTEMPTS = 3


@dataclass
class Group:
    """The clients of one connect command and when each got each round's assignment."""

    clients: list[socketio.AsyncClient] = field(default_factory=list)
    arrivals: list[dict[int, int]] = field(default_factory=list)  # per client: round -> ns
    counts: dict[int, int] = field(default_factory=dict)
    complete: dict[int, asyncio.Event] = field(default_factory=dict)
    cards: list[set[int]] = field(default_factory=list)  # per client: rounds it has a card of
    carded: dict[int, int] = field(default_factory=dict)
    all_carded: dict[int, asyncio.Event] = field(default_factory=dict)
    size: int = 0
    last_ns: int = 0  # when any client of the group last received anything

    def heard(self, *_: Any) -> None:
        self.last_ns = time.time_ns()

    def done(self, rnd: int) -> asyncio.Event:
        return self.complete.setdefault(rnd, asyncio.Event())

    def card(self, index: int, rnd: int) -> None:
        """A `next` card (whom the client will meet in round ``rnd``) arrived."""
        self.last_ns = time.time_ns()
        if rnd in self.cards[index]:
            return
        self.cards[index].add(rnd)
        self.carded[rnd] = self.carded.get(rnd, 0) + 1
        if self.carded[rnd] >= self.size:
            self.all_carded.setdefault(rnd, asyncio.Event()).set()

    def record(self, index: int, rnd: int, at: int) -> None:
        self.last_ns = at
        seen = self.arrivals[index]
        if rnd in seen:
            return
        seen[rnd] = at
        self.counts[rnd] = self.counts.get(rnd, 0) + 1
        if self.counts[rnd] >= self.size:
            self.done(rnd).set()


class Load:
    """Every group of this process."""

    def __init__(self) -> None:
        self.groups: dict[str, Group] = {}

    async def connect(self, cmd: dict[str, Any]) -> dict[str, Any]:
        group = Group(size=len(cmd["targets"]))
        self.groups[cmd["group"]] = group
        limit = asyncio.Semaphore(int(cmd.get("concurrency", 50)))
        errors: list[str] = []
        started = time.perf_counter()

        async def one(index: int, url: str, token: str) -> None:
            async with limit:
                for attempt in range(CONNECT_ATTEMPTS):
                    c = socketio.AsyncClient(reconnection=False, json=Json, handle_sigint=False)

                    def on_assignment(data: Any, i: int = index) -> None:
                        at = time.time_ns()
                        if isinstance(data, dict) and isinstance(data.get("round"), int):
                            group.record(i, data["round"], at)

                    def on_next(data: Any, i: int = index) -> None:
                        if isinstance(data, dict) and isinstance(data.get("round"), int):
                            group.card(i, data["round"])

                    c.on("assignment", on_assignment, namespace=NS)
                    c.on("next", on_next, namespace=NS)
                    c.on("*", group.heard, namespace=NS)  # clock, next, peer...
                    try:
                        await c.connect(
                            url,
                            namespaces=[NS],
                            auth={"token": token},
                            transports=["websocket"],
                            wait_timeout=30,
                        )
                    except Exception as exc:
                        await c.disconnect()
                        if attempt == CONNECT_ATTEMPTS - 1:
                            errors.append(f"{type(exc).__name__}: {exc}")
                            return
                        await asyncio.sleep(0.2 * (attempt + 1))
                        continue
                    group.clients.append(c)
                    return

        group.arrivals = [{} for _ in cmd["targets"]]
        group.cards = [set() for _ in cmd["targets"]]
        await asyncio.gather(*(one(i, u, t) for i, (u, t) in enumerate(cmd["targets"])))
        connected = time.perf_counter() - started
        greeted = True
        try:
            async with asyncio.timeout(float(cmd.get("timeout", 60))):
                await group.done(0).wait()
        except TimeoutError:
            greeted = False
        return {
            "connected": len(group.clients),
            "failed": len(errors),
            "errors": errors[:5],
            "greeted": group.counts.get(0, 0),
            "all_greeted": greeted,
            "connect_s": round(connected, 3),
            "total_s": round(time.perf_counter() - started, 3),
        }

    async def arrivals(self, cmd: dict[str, Any]) -> dict[str, Any]:
        group = self.groups[cmd["group"]]
        rnd = int(cmd["round"])
        try:
            async with asyncio.timeout(float(cmd.get("timeout", 60))):
                await group.done(rnd).wait()
        except TimeoutError:
            pass
        times = [a[rnd] for a in group.arrivals if rnd in a]
        return {"times": times, "missing": group.size - len(times)}

    async def carded(self, cmd: dict[str, Any]) -> dict[str, Any]:
        """Wait until every client of the group has its card for the round (or the timeout)."""
        group = self.groups[cmd["group"]]
        rnd = int(cmd["round"])
        event = group.all_carded.setdefault(rnd, asyncio.Event())
        if group.carded.get(rnd, 0) >= group.size:
            event.set()
        try:
            async with asyncio.timeout(float(cmd.get("timeout", 30))):
                await event.wait()
        except TimeoutError:
            pass
        return {"carded": group.carded.get(rnd, 0), "size": group.size}

    async def quiet(self, cmd: dict[str, Any]) -> dict[str, Any]:
        group = self.groups[cmd["group"]]
        quiet_ns = int(cmd.get("quiet_ms", 1500)) * 1_000_000
        started = time.time_ns()
        deadline = started + int(float(cmd.get("timeout", 15)) * 1e9)
        while True:
            now = time.time_ns()
            left = group.last_ns + quiet_ns - now
            if left <= 0:
                return {"quiet": True, "waited_s": (now - started) / 1e9}
            if now + left > deadline:
                await asyncio.sleep(max(0, deadline - now) / 1e9)
                return {"quiet": False, "waited_s": (time.time_ns() - started) / 1e9}
            await asyncio.sleep(left / 1e9)

    async def disconnect(self, cmd: dict[str, Any]) -> dict[str, Any]:
        group = self.groups.pop(cmd["group"], None)
        if group is None:
            return {"closed": 0}
        limit = asyncio.Semaphore(100)

        async def close(c: socketio.AsyncClient) -> None:
            async with limit:
                try:
                    async with asyncio.timeout(10):
                        await c.disconnect()
                except Exception:
                    pass

        await asyncio.gather(*(close(c) for c in group.clients))
        return {"closed": len(group.clients)}

    async def close(self) -> None:
        for name in list(self.groups):
            await self.disconnect({"group": name})


def _answer(reply: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(reply) + "\n")
    sys.stdout.flush()


async def main() -> None:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=64 * 1024 * 1024)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    load = Load()
    pending: set[asyncio.Task[None]] = set()

    async def handle(cmd: dict[str, Any]) -> None:
        op = cmd.get("op")
        try:
            if op == "connect":
                body = await load.connect(cmd)
            elif op == "arrivals":
                body = await load.arrivals(cmd)
            elif op == "carded":
                body = await load.carded(cmd)
            elif op == "quiet":
                body = await load.quiet(cmd)
            elif op == "disconnect":
                body = await load.disconnect(cmd)
            else:
                raise ValueError(f"unknown op {op!r}")
            _answer({"id": cmd.get("id"), "ok": True, **body})
        except Exception as exc:
            _answer({"id": cmd.get("id"), "ok": False, "error": f"{type(exc).__name__}: {exc}"})

    try:
        while True:
            line = await reader.readline()
            if not line:
                break
            cmd = json.loads(line)
            if cmd.get("op") == "quit":
                break
            task = asyncio.create_task(handle(cmd))
            pending.add(task)
            task.add_done_callback(pending.discard)
    finally:
        for task in pending:
            task.cancel()
        await load.close()


if __name__ == "__main__":
    asyncio.run(main())
