"""What one link may do, whatever the number of its sockets (issue 17, item 5): a few sockets
per person, one budget of edits and link reports per person, reports only about one's own room
and its people this round, and an audit log that stays bounded under a flood.

Reproduced on main: 300 sockets opened on one link in 0.3 s; 20 of them sending ``profile``
edits wrote 277 times a second (2,800 audit entries in 10 s); ``stats`` with made-up room and
peer ids wrote 288 counter rows in 20 s.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from server.app import NAMESPACES, OWNER
from server.core.outcome import OWN_ENTRIES
from tests.conftest import PEOPLE, Client, Running
from tests.procs import eventually
from tests.transport.gathering import gather
from tests.transport.test_contract import refused


def _code(ack: dict[str, Any]) -> str | None:
    return None if ack["ok"] else str(ack["error"]["code"])


async def test_stats_about_another_room_or_people_are_refused_and_write_nothing(
    server: Running,
) -> None:
    g = await gather(server)
    store = server.server.app[OWNER].store
    pid = next(iter(g.people))
    me, partner, stranger = g.people[pid], g.partner(pid), g.stranger(pid)
    good = {"room": g.room(pid), "ice": "connected", "peers": [{"id": partner, "ice": "connected"}]}
    assert (await me.call("stats", good))["ok"]
    kept, counters = (await store.stats(g.ev.id))[pid], await store.connected(g.ev.id)
    made_up = [
        ({**good, "room": "r-made-up"}, "not_your_room"),
        ({**good, "room": g.room(stranger)}, "not_your_room"),
        ({**good, "peers": [{"id": "p-made-up", "ice": "connected"}]}, "not_your_peer"),
        ({**good, "peers": [{"id": stranger, "ice": "connected"}]}, "not_your_peer"),
    ]
    for body, code in made_up:
        for _ in range(3):  # twice in a row would credit the made-up call its time
            ack = await me.call("stats", body)
            assert _code(ack) == code, ack
            assert ack["error"]["message"]
    # nothing of them was written: no counter row, no stored report
    assert await store.connected(g.ev.id) == counters
    assert (await store.stats(g.ev.id))[pid] == kept
    # the person's own room and partner are still reported (and a report outside a room)
    assert (await me.call("stats", good))["ok"]
    assert (await me.call("stats", {"ice": "new", "camera": "on"}))["ok"]


def _sockets(server: Running, pid: str) -> int:
    """How many sockets of ``pid`` this server holds."""
    who = server.server.app[NAMESPACES].participants.who
    return sum(ref.participant_id == pid for ref in who.values())


async def _page(server: Running, token: str, tab: str | None) -> Client:
    """A page (or a program naming none, ``tab`` ``None``) connected and recorded."""
    client = await server.connect("/participant", token, tab=tab)
    await client.wait_for("page")
    return client


async def test_a_link_opens_a_few_pages_and_a_reload_still_gets_in(server: Running) -> None:
    ev = await server.event(PEOPLE[:2])
    pid, token = ev.person(0)
    pages = {tab: await _page(server, token, tab) for tab in ("tab-a", "tab-b", "tab-c")}
    await _page(server, token, None)  # a program that names no page counts as one page
    # a fifth page is refused at connect, with a sentence and a code
    for auth in ({"token": token, "tab": "tab-e"}, {"token": token}):
        data = await refused(server, "/participant", auth)
        assert data["code"] == "too_many_pages", data
        assert "4" in data["message"] and "close" in data["message"]
    # a reload of a page (its old socket still open) is that page: it gets in, the old
    # socket is closed once the new one is recorded
    reloaded = await _page(server, token, "tab-c")
    await eventually(lambda: _async(not pages["tab-c"].sio.connected))
    assert reloaded.sio.connected and _sockets(server, pid) == 4
    assert (await refused(server, "/participant", {"token": token, "tab": "tab-e"}))[
        "code"
    ] == "too_many_pages"
    # a page that is closed frees its place
    await pages["tab-a"].close()
    await eventually(lambda: _async(_sockets(server, pid) == 3))
    assert (await _page(server, token, "tab-e")).sio.connected
    # the other person's link is not concerned
    assert (await _page(server, ev.person(1)[1], "tab-a")).sio.connected


async def test_the_pages_of_a_link_are_counted_across_processes(
    start: Callable[..., Any],
) -> None:
    one = await start(board_interval_ms=20, redis=True)
    two = await start(board_interval_ms=20, redis=True)
    ev = await one.event(PEOPLE[:2])
    _, token = ev.person(0)
    for server, tab in ((one, "tab-a"), (one, "tab-b"), (two, "tab-c"), (two, "tab-d")):
        await _page(server, token, tab)
    for server in (one, two):
        data = await refused(server, "/participant", {"token": token, "tab": "tab-e"})
        assert data["code"] == "too_many_pages", data
    # a page reloaded onto the other process (its old socket still open there) gets in
    assert (await _page(one, token, "tab-c")).sio.connected


async def _async(value: bool) -> bool:
    return value


@pytest.mark.parametrize("redis", [False, True], ids=["embedded", "redis"])
async def test_the_sockets_of_one_link_share_one_budget_of_edits_and_reports(
    start: Callable[..., Any], redis: bool
) -> None:
    budget = {"per_second": 0.001, "burst": 5}  # no token comes back during the test
    server = await start(
        board_interval_ms=20,
        redis=redis,
        pages_per_link=20,
        **{f"rate_person_{kind}_{k}": v for kind in ("edits", "stats") for k, v in budget.items()},
    )
    g = await gather(server, started=False)  # profiles change until the start
    store = server.server.app[OWNER].store
    pid = next(iter(g.people))
    sockets = [g.people[pid]] + [await _page(server, g.tokens[pid], None) for _ in range(19)]
    edits = [
        await s.call("profile", {"pitch": f"Pitch {i}-{n}"})
        for n in range(3)
        for i, s in enumerate(sockets)
    ]
    assert sum(a["ok"] for a in edits) == 5  # one budget for all twenty sockets
    assert {_code(a) for a in edits if not a["ok"]} == {"rate_limited"}
    written = [e for e in await store.entries(g.ev.id, "audit") if e.action == "edit_profile"]
    assert len(written) == 5
    reports = [await s.call("stats", {"ice": "new", "camera": "on"}) for s in sockets * 2]
    assert sum(a["ok"] for a in reports) == 5
    # someone else's budget is their own
    other = next(p for p in g.people if p != pid)
    assert (await g.people[other].call("profile", {"pitch": "Mine"}))["ok"]


@pytest.mark.parametrize("redis", [False, True], ids=["embedded", "redis"])
async def test_the_audit_log_stays_bounded_per_person_under_a_flood(
    start: Callable[..., Any], redis: bool
) -> None:
    # budgets wide open: what is tested is the log's own bound, whatever gets through
    server = await start(
        board_interval_ms=20,
        redis=redis,
        pages_per_link=8,
        rate_events_burst=200,
        rate_person_edits_burst=200,
    )
    g = await gather(server, started=False)
    store = server.server.app[OWNER].store
    pid = next(iter(g.people))
    sockets = [g.people[pid]] + [await _page(server, g.tokens[pid], None) for _ in range(7)]
    for n in range(10):
        for i, s in enumerate(sockets):
            assert (await s.call("profile", {"pitch": f"Pitch {n}-{i}"}))["ok"]
    mine = [e for e in await store.entries(g.ev.id, "audit") if e.actor == pid]
    assert len(mine) == OWN_ENTRIES  # 80 edits, a bounded log
    assert [e.action for e in mine[:-1]] == ["edit_profile"] * (OWN_ENTRIES - 1)
    assert (mine[-1].action, mine[-1].detail) == ("capped", "edit_profile")
    # every edit was made, and counted on the person's record
    state = await store.load(g.ev.id)
    assert state.participants[pid].pitch == "Pitch 9-7" and state.participants[pid].acted == 80
    # and someone else's log is their own
    other = next(p for p in g.people if p != pid)
    assert (await g.people[other].call("profile", {"pitch": "Mine"}))["ok"]
    entries = await store.entries(g.ev.id, "audit")
    assert [e.action for e in entries if e.actor == other] == ["edit_profile"]
