"""One page per person: a second page opened with the same link mid-meeting is held back (no
call, no signal) while the first is live; "Continue here" moves charge to it, on whichever
process each page is, and the first page is told; a reload of a page is that page again.

On main a second page joined the call as the first one did: both answered the partner's
offers, and the partner's call flapped between them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.conftest import Client, Running
from tests.transport.gathering import Gathering, gather


def _refused(ack: dict[str, Any], code: str) -> bool:
    return ack["ok"] is False and ack["error"]["code"] == code


async def _second_page(g: Gathering, pid: str, tab: str, server: Running | None = None) -> Client:
    page = await (server or g.server).connect("/participant", g.tokens[pid], tab=tab)
    await page.wait_for("page")
    return page


async def test_a_second_page_is_held_back_while_the_first_is_live(server: Running) -> None:
    g = await gather(server, started=False)
    pid = next(iter(g.people))
    await g.people[pid].close()
    first = await server.connect("/participant", g.tokens[pid], tab="tab-first")
    assert (await first.wait_for("page")) == {"here": True, "reason": "here"}
    g.people[pid] = first
    await g.start()
    partner = g.partner(pid)

    second = await _second_page(g, pid, "tab-second")
    assert second.last("page") == {"here": False, "reason": "elsewhere"}
    assert second.last("clock") is not None  # it keeps the time
    assert second.last("assignment") is None  # and hears nothing of the call
    to_partner = {"to": partner, "data": {"candidate": {"candidate": ""}}}
    assert _refused(await second.call("signal", to_partner), "page_elsewhere")
    stats = {"room": g.room(pid), "ice": "connected"}
    assert _refused(await second.call("stats", stats), "page_elsewhere")
    assert (await first.call("signal", to_partner))["ok"]  # the first page calls as before

    # a reload of the first page (the same tab, its old socket still open) is that page
    reloaded = await server.connect("/participant", g.tokens[pid], tab="tab-first")
    assert (await reloaded.wait_for("page")) == {"here": True, "reason": "here"}
    assert (await reloaded.wait_for("assignment"))["room"] == g.room(pid)
    await first.close()
    assert (await reloaded.call("signal", to_partner))["ok"]
    # the board counts the pages: two of them (both tabs of that person)
    board = await g.mod.wait_board(lambda b: _pages(b, pid) == 2)
    assert _pages(board, pid) == 2


def _pages(board: dict[str, Any], pid: str) -> int | None:
    return next((p.get("pages") for p in board["participants"] if p["id"] == pid), None)


async def _takeover(g: Gathering, other: Running) -> None:
    pid = next(iter(g.people))
    partner = g.partner(pid)
    await g.people[pid].close()
    first = await g.server.connect("/participant", g.tokens[pid], tab="tab-a")
    await first.wait_for("assignment", lambda a: a["room"] == g.room(pid))
    second = await _second_page(g, pid, "tab-b", other)
    assert second.last("page")["here"] is False

    heard = len(first.received)
    ack = await second.call("take")
    assert ack == {"ok": True, "here": True}
    assert await first.wait_for("page", after=heard) == {"here": False, "reason": "taken"}
    assert (await second.wait_for("page", lambda p: p["here"])) == {"here": True, "reason": "here"}
    assigned = await second.wait_for("assignment")
    assert assigned["room"] == g.room(pid) and [p["id"] for p in assigned["peers"]] == [partner]
    to_partner = {"to": partner, "data": {"candidate": {"candidate": ""}}}
    assert _refused(await first.call("signal", to_partner), "page_elsewhere")
    # signals reach the page in charge only
    heard_first = len(first.received)
    partner_ack = await g.people[partner].call("signal", {"to": pid, "data": {"hello": True}})
    assert partner_ack["ok"]
    await second.wait_for("signal", lambda m: m["from"] == partner)
    assert all(e != "signal" for e, _ in first.received[heard_first:])
    # the board says the person changed pages
    await g.mod.wait_board(lambda b: _switched(b, pid))
    # and back: the first page takes charge again
    assert (await first.call("take")) == {"ok": True, "here": True}
    await second.wait_for("page", lambda p: p == {"here": False, "reason": "taken"})
    # the page in charge closes: the other one is handed charge by itself
    heard = len(second.received)
    await first.close()
    await second.wait_for("page", lambda p: p["here"], after=heard)
    assert (await second.call("signal", to_partner))["ok"]


def _switched(board: dict[str, Any], pid: str) -> bool:
    return any(p["id"] == pid and p.get("switched") for p in board["participants"])


async def test_continue_here_moves_the_call_and_tells_the_first_page(server: Running) -> None:
    g = await gather(server)
    await _takeover(g, server)


async def test_continue_here_works_across_processes(start: Callable[..., Any]) -> None:
    """The two pages on two processes sharing one Redis: charge moves and the first page is
    told through the feed, as per-person messages go."""
    one = await start(board_interval_ms=20, redis=True)
    two = await start(board_interval_ms=20, redis=True)
    g = await gather(one)
    await _takeover(g, two)
