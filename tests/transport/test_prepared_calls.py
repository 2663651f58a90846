"""Calls prepared in the break: a ``signal`` marked ``next`` reaches a person of the sender's
next-round card, only in the lobby or the break before that round, and as any signal once the
round runs; the ``next`` card carries the polite roles the round's assignment will give."""

from __future__ import annotations

from typing import Any

from tests.conftest import Running
from tests.transport.gathering import gather

OFFER = {"description": {"type": "offer", "sdp": "v=0 fake"}, "session": "s1"}


def error(ack: dict[str, Any]) -> str:
    assert ack["ok"] is False, ack
    return str(ack["error"]["code"])


async def test_a_prepared_call_reaches_the_next_partner_in_the_break_only(
    server: Running,
) -> None:
    g = await gather(server)
    pid = next(iter(g.people))
    now_partner = g.partner(pid)
    ahead = {"to": now_partner, "data": OFFER, "next": 2}
    # during round 1 nothing is prepared for round 2
    assert error(await g.people[pid].call("signal", ahead)) == "not_next_round"

    await g.end_round()
    cards = await g.cards()
    nxt = cards[pid][0]
    assert nxt != now_partner  # never the same pair twice
    card = g.people[pid].last("next")
    assert [p["polite"] for p in card["peers"]] == [pid > nxt]
    assert card["ice_servers"] == []  # as in an assignment (no STUN/TURN configured here)
    other_card = g.people[nxt].last("next")
    assert [p["polite"] for p in other_card["peers"]] == [nxt > pid]

    seen = len(g.people[nxt].received)
    ack = await g.people[pid].call("signal", {"to": nxt, "data": OFFER, "next": 2})
    assert ack == {"ok": True}
    got = await g.people[nxt].wait_for("signal", after=seen)
    assert got == {"from": pid, "data": OFFER, "next": 2}

    # only to the card's people, only for the round that follows, only marked
    assert error(await g.people[pid].call("signal", ahead)) == "not_your_next"
    assert error(await g.people[pid].call("signal", {**ahead, "to": pid})) == "not_your_next"
    assert error(await g.people[pid].call("signal", {**ahead, "to": "p99"})) == "not_your_next"
    late = {"to": nxt, "data": OFFER, "next": 3}
    assert error(await g.people[pid].call("signal", late)) == "not_next_round"
    assert error(await g.people[pid].call("signal", {"to": nxt, "data": OFFER})) == "no_round"
    big = {"to": nxt, "data": {"blob": "x" * (70 * 1024)}, "next": 2}
    assert error(await g.people[pid].call("signal", big)) == "too_big"
    assert not any(e == "signal" and d.get("next") for e, d in g.people[now_partner].received)

    # once round 2 runs, a late one of the prepared call goes as any signal of the room
    assert (await g.host.call("next"))["ok"]
    await g.assigned(2)
    assert g.partner(pid) == nxt
    seen = len(g.people[nxt].received)
    assert await g.people[pid].call("signal", {"to": nxt, "data": OFFER, "next": 2}) == {"ok": True}
    assert (await g.people[nxt].wait_for("signal", after=seen))["next"] == 2
    stranger = g.stranger(pid)
    assert error(await g.people[pid].call("signal", {**ahead, "to": stranger})) == "not_your_peer"
    assert error(await g.people[pid].call("signal", {**ahead, "next": 3})) == "not_next_round"


async def test_in_the_lobby_a_call_is_prepared_for_round_one(server: Running) -> None:
    g = await gather(server, started=False)
    assert (await g.host.call("open"))["ok"]
    await g.mod.wait_board(lambda d: sum(p["online"] for p in d["participants"]) == 4)
    cards = await g.cards()
    pid = next(iter(g.people))
    nxt = cards[pid][0]
    stranger = next(o for o in g.people if o not in (pid, nxt))
    seen = len(g.people[nxt].received)
    assert (await g.people[pid].call("signal", {"to": nxt, "data": OFFER, "next": 1}))["ok"]
    assert (await g.people[nxt].wait_for("signal", after=seen))["next"] == 1
    ahead = {"to": stranger, "data": OFFER, "next": 1}
    assert error(await g.people[pid].call("signal", ahead)) == "not_your_next"
