"""What runs often does little: a rating appends, a relayed candidate loads nothing."""

from __future__ import annotations

import csv
import io
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from server.store import EmbeddedStore
from tests.conftest import Running
from tests.transport.gathering import gather


class Counting:
    """A real store that counts the calls made to it, and which Socket.IO handler (``on_*``)
    made each (``by``): the board and the conductor load the event on their own, any time."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.calls: Counter[str] = Counter()
        self.by: Counter[tuple[str, str]] = Counter()

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self.inner, name)
        if not callable(attr):
            return attr

        def counted(*args: Any, **kw: Any) -> Any:
            self.calls[name] += 1
            self.by[(name, _handler())] += 1
            return attr(*args, **kw)

        return counted


def _handler() -> str:
    """The Socket.IO handler on the stack, or ``""``."""
    frame = sys._getframe(2)
    while frame is not None:
        if frame.f_code.co_name.startswith("on_"):
            return frame.f_code.co_name
        frame = frame.f_back  # type: ignore[assignment]
    return ""


async def seq_of(server: Running, event_id: str) -> int:
    status, body = await server.api("GET", f"/api/events/{event_id}")
    assert status == 200
    return int(body["clock"]["seq"])


async def test_a_rating_does_not_rewrite_the_event(server: Running) -> None:
    g = await gather(server)
    await g.end_round()
    before = await seq_of(server, g.ev.id)
    for pid, client in g.people.items():
        ack = await client.call("feedback", {"room": g.room(pid), "rating": 4, "note": "good"})
        assert ack["ok"], ack
    # the ratings are kept (the results show them) but the decided record did not change
    assert await seq_of(server, g.ev.id) == before
    status, text = await server.api("GET", f"/api/events/{g.ev.id}/meetings.csv")
    rows = list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))
    assert status == 200 and len(rows) == 2
    assert all((row["a_rating"], row["b_rating"]) == ("4", "4") for row in rows)


async def test_relaying_a_candidate_loads_nothing(
    start: Callable[..., Any], tmp_path: Path
) -> None:
    store = Counting(EmbeddedStore(tmp_path / "speedmeet.sqlite3"))
    server = await start(store=store, board_interval_ms=20)
    g = await gather(server)
    # the board's own push after the round started (it reads the event) is out of the way
    await g.mod.wait_board(lambda d: len(d["rooms"]) == 2)
    pid = next(iter(g.people))
    partner = g.partner(pid)
    first = {"candidate": {"candidate": "candidate:0 1 udp 1 10.0.0.1 9 typ host"}}
    assert (await g.people[pid].call("signal", {"to": partner, "data": first}))["ok"]
    await g.people[partner].wait_for("signal")
    loads = store.by[("load", "on_signal")]
    for i in range(20):
        data = {"candidate": {"candidate": f"candidate:{i} 1 udp 1 10.0.0.1 9 typ host"}}
        assert (await g.people[pid].call("signal", {"to": partner, "data": data}))["ok"]
    await g.people[partner].wait_for("signal", lambda m: m["data"] == data)
    assert store.by[("load", "on_signal")] == loads


async def test_a_link_report_loads_nothing_and_counts_its_call(
    start: Callable[..., Any], tmp_path: Path
) -> None:
    store = Counting(EmbeddedStore(tmp_path / "speedmeet.sqlite3"))
    server = await start(store=store, board_interval_ms=20)
    g = await gather(server)
    await g.mod.wait_board(lambda d: len(d["rooms"]) == 2)
    pid = next(iter(g.people))
    report = {
        "room": g.room(pid),
        "ice": "connected",
        "peers": [{"id": g.partner(pid), "ice": "connected"}],
    }
    # the first report reads the round's rooms once (the room index, as a first signal does:
    # a report is only about one's own room and its people)
    assert (await g.people[pid].call("stats", report))["ok"]
    loads = store.by[("load", "on_stats")]
    assert loads <= 1
    for _ in range(20):
        assert (await g.people[pid].call("stats", report))["ok"]
    # the meter keeps each socket's last report itself: a report reads no event
    assert store.by[("load", "on_stats")] == loads and store.by[("stats", "on_stats")] == 0
    assert store.calls["add_connected"] >= 1
