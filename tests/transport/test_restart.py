"""A restart loses nothing, and the conductor fires deadlines on the server's (injected) clock."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from server.app import CONDUCTOR
from server.errors import Unavailable
from server.store import EmbeddedStore
from tests.conftest import Running, stop
from tests.procs import eventually
from tests.transport.gathering import gather

ROUND_MS = 300_000
BREAK_MS = 60_000


class FakeClock:
    """The server's time, moved by the test (epoch milliseconds)."""

    def __init__(self, ms: int = 1_800_000_000_000) -> None:
        self.ms = ms

    def __call__(self) -> int:
        return self.ms


async def event_clock(server: Running, event_id: str) -> dict[str, Any]:
    status, body = await server.api("GET", f"/api/events/{event_id}")
    assert status == 200
    return body["clock"]  # type: ignore[no-any-return]


async def test_a_restart_keeps_the_round_its_rooms_and_its_deadline(
    start: Callable[..., Any],
) -> None:
    first = await start(board_interval_ms=20)
    g = await gather(first)
    pid = next(iter(g.people))
    assert (await g.people[pid].call("help", {"text": "no sound"}))["ok"]
    before = await event_clock(first, g.ev.id)
    assert (before["phase"], before["round"]) == ("round", 1)
    rooms = {p: (a["room"], [peer["id"] for peer in a["peers"]]) for p, a in g.rooms.items()}
    await stop(first)

    second = await start(board_interval_ms=20)  # same data_dir: the test's tmp_path
    after = await event_clock(second, g.ev.id)
    assert {k: after[k] for k in ("phase", "round", "ends_at", "paused", "seq")} == {
        k: before[k] for k in ("phase", "round", "ends_at", "paused", "seq")
    }
    host = await second.connect("/host", g.ev.host_token)
    snap = await host.wait_for("snapshot")
    assert snap["clock"]["ends_at"] == before["ends_at"]
    assert [(h["participant"], h["text"]) for h in snap["help"]] == [(pid, "no sound")]
    assert sorted(r["id"] for r in snap["rooms"]) == sorted({room for room, _ in rooms.values()})
    clients = {}
    for p, token in g.tokens.items():
        clients[p] = await second.connect("/participant", token)
        a = await clients[p].wait_for("assignment")
        assert (a["round"], a["room"], [peer["id"] for peer in a["peers"]]) == (1, *rooms[p])
        clock = await clients[p].wait_for("clock")
        assert (clock["phase"], clock["ends_at"]) == ("round", before["ends_at"])
    # the relay works again between the same partners, and the rating survived
    partner = rooms[pid][1][0]
    await host.wait_board(lambda d: sum(p["online"] for p in d["participants"]) == 4)
    assert (await clients[pid].call("signal", {"to": partner, "data": {"hello": 1}}))["ok"]
    assert await clients[partner].wait_for("signal") == {"from": pid, "data": {"hello": 1}}
    await host.wait_board(lambda d: len(d["help"]) == 1)  # the help request survived


async def test_the_conductor_fires_deadlines_at_their_logical_time(
    start: Callable[..., Any],
) -> None:
    now = FakeClock()
    server = await start(now=now, board_interval_ms=20)
    g = await gather(server)
    conductor = server.server.app[CONDUCTOR]
    started = await event_clock(server, g.ev.id)
    round_end = started["ends_at"]
    assert round_end == now.ms + ROUND_MS
    first = {pid: g.partner(pid) for pid in g.people}

    # the round's deadline passes; the conductor notices 5 s late
    now.ms = round_end + 5_000
    conductor.poke()
    for client in g.people.values():
        brk = await client.wait_clock(lambda c: c["phase"] == "break")
        assert (brk["round"], brk["ends_at"]) == (1, round_end + BREAK_MS)  # not now + break
        seq = brk["seq"]
        await client.wait_for(
            "assignment", lambda a, seq=seq: a["seq"] >= seq and a["room"] is None
        )
    await g.mod.wait_for("clock", lambda c: c["phase"] == "break")

    # and the break's deadline: round 2 starts where the break was due to end
    break_end = round_end + BREAK_MS
    now.ms = break_end + 1_234
    conductor.poke()
    await g.assigned(2)
    clock = await next(iter(g.people.values())).wait_clock(lambda c: c["round"] == 2)
    assert (clock["phase"], clock["ends_at"]) == ("round", break_end + ROUND_MS)
    assert all(g.partner(pid) != first[pid] for pid in g.people)


async def test_the_conductor_pairs_no_shows_after_the_grace_period(
    start: Callable[..., Any],
) -> None:
    now = FakeClock()
    server = await start(now=now, board_interval_ms=20)
    g = await gather(server)
    pid, lonely = await g.orphan_two()

    now.ms += 46_000  # past no_show_seconds (45 by default)
    server.server.app[CONDUCTOR].poke()
    a = await g.people[pid].wait_for("assignment", lambda a: a["reason"] == "repaired")
    assert [p["id"] for p in a["peers"]] == [lonely]
    clock = await event_clock(server, g.ev.id)
    assert (clock["phase"], clock["round"]) == ("round", 1)  # the round itself goes on


async def test_a_deadline_missed_while_down_fires_after_the_restart(
    start: Callable[..., Any],
) -> None:
    now = FakeClock()
    first = await start(now=now, board_interval_ms=20)
    g = await gather(first)
    round_end = (await event_clock(first, g.ev.id))["ends_at"]
    await stop(first)

    now.ms = round_end + 20_000  # down across the end of the round
    second = await start(now=now)
    host = await second.connect("/host", g.ev.host_token)
    brk = await host.wait_for("clock", lambda c: c["phase"] == "break")
    assert (brk["round"], brk["ends_at"]) == (1, round_end + BREAK_MS)


class Flaky:
    """A real store whose conductor commits fail the first ``failures`` times."""

    def __init__(self, inner: Any, failures: int) -> None:
        self.inner = inner
        self.failures = failures

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    async def commit(self, change: Any) -> None:
        by_clock = any(getattr(e, "actor", None) == "clock" for e in change.entries)
        if by_clock and self.failures > 0:
            self.failures -= 1
            raise Unavailable("unavailable", "the store is away (test)")
        await self.inner.commit(change)


async def test_a_deadline_that_fails_is_retried_and_counted(
    start: Callable[..., Any], tmp_path: Path
) -> None:
    now = FakeClock()
    store = Flaky(EmbeddedStore(tmp_path / "speedmeet.sqlite3"), failures=2)
    server = await start(now=now, store=store, board_interval_ms=20)
    g = await gather(server)
    round_end = (await event_clock(server, g.ev.id))["ends_at"]

    conductor = server.server.app[CONDUCTOR]

    async def failures(count: int) -> bool:
        _, metrics = await server.api("GET", "/metrics")
        return f"speedmeet_deadline_failures_total {count}.0" in metrics

    now.ms = round_end + 1_000
    conductor.poke()
    for count in (1, 2):  # each failure is tried again after a growing pause
        await eventually(lambda c=count: failures(c))
        assert g.host.last("clock")["phase"] == "round"
        now.ms += 10_000  # the server's clock passes the pause
        conductor.poke()
    for client in g.people.values():
        brk = await client.wait_clock(lambda c: c["phase"] == "break")
        assert brk["ends_at"] == round_end + BREAK_MS  # on the logical schedule
    assert store.failures == 0 and await failures(2)
