"""Ratings never lost: every meeting not rated yet is offered again (``to_rate``), a rating of
an older meeting is taken (and checked like any other), and after the end a rating that makes
a follow-up mutual reaches both people's pages at once (a new ``summary``)."""

from __future__ import annotations

from typing import Any

from tests.conftest import Running
from tests.transport.gathering import gather


def error(ack: dict[str, Any]) -> str:
    assert ack["ok"] is False, ack
    return str(ack["error"]["code"])


async def _to_rate(g: Any, pid: str) -> list[tuple[int, str, list[str]]]:
    ack = await g.people[pid].call("to_rate")
    assert ack["ok"], ack
    return [(m["round"], m["room"], [p["id"] for p in m["peers"]]) for m in ack["meetings"]]


async def test_a_missed_rating_is_offered_again_and_taken_later(server: Running) -> None:
    g = await gather(server, rounds=3)
    pid = next(iter(g.people))
    first_room, first_partner = g.room(pid), g.partner(pid)
    # the meeting being played is not offered: it is not certain yet
    assert await _to_rate(g, pid) == []
    await g.end_round()
    assert await _to_rate(g, pid) == [(1, first_room, [first_partner])]
    # the break goes by without a rating; round 2 still offers round 1, not itself
    assert (await g.host.call("next"))["ok"]
    await g.assigned(2)
    second_room, second_partner = g.room(pid), g.partner(pid)
    assert second_partner != first_partner
    assert await _to_rate(g, pid) == [(1, first_room, [first_partner])]
    await g.end_round()
    # most recent first
    assert await _to_rate(g, pid) == [
        (2, second_room, [second_partner]),
        (1, first_room, [first_partner]),
    ]
    # round 1's meeting rated in the second break: taken, and checked as any rating
    older = {"room": first_room, "rating": 4, "follow_up": True, "reasons": ["purchase"]}
    assert await g.people[pid].call("feedback", older) == {"ok": True}
    assert await _to_rate(g, pid) == [(2, second_room, [second_partner])]
    (outsider,) = set(g.people) - {pid, first_partner, second_partner}  # never met pid
    assert error(await g.people[outsider].call("feedback", older)) == "not_your_room"
    assert error(await g.people[pid].call("feedback", {**older, "rating": 6})) == "bad_payload"
    assert error(await g.people[pid].call("feedback", {**older, "peer": "p99"})) == (
        "not_your_peer"
    )
    # each person's list is their own
    partner_list = await _to_rate(g, first_partner)
    assert (1, first_room, [pid]) in partner_list
    assert (await g.host.call("end"))["ok"]
    summary = await g.people[pid].wait_for("summary")
    rated = {m["round"]: m["peers"][0]["rating"] for m in summary["meetings"]}
    assert rated == {1: 4, 2: None}
    assert await _to_rate(g, pid) == [(2, second_room, [second_partner])]


async def test_a_follow_up_that_becomes_mutual_after_the_end_reaches_both_pages(
    server: Running,
) -> None:
    g = await gather(server, rounds=1)
    pid = next(iter(g.people))
    partner, stranger = g.partner(pid), g.stranger(pid)
    room = g.room(pid)
    await g.host.call("end_round")
    for c in g.people.values():
        await c.wait_clock(lambda c: c["phase"] == "ended")
    mine = {"room": room, "rating": 5, "follow_up": True, "reasons": ["experiment"]}
    assert (await g.people[pid].call("feedback", mine))["ok"]
    await g.people[partner].wait_for(
        "summary", lambda s: s["meetings"][0]["peers"][0]["mutual_follow_up"] is False
    )
    seen = {p: len(c.received) for p, c in g.people.items()}
    theirs = {"room": room, "rating": 4, "follow_up": True, "reasons": ["documentation"]}
    assert (await g.people[partner].call("feedback", theirs))["ok"]

    def mutual(s: dict[str, Any]) -> bool:
        return bool(s["meetings"][0]["peers"][0]["mutual_follow_up"])

    mine_now = await g.people[pid].wait_for("summary", mutual, after=seen[pid])
    peer = mine_now["meetings"][0]["peers"][0]
    assert peer["email"] == next(p["email"] for p in g.ev.people if p["id"] == partner)
    assert peer["their_reasons"] == ["documentation"]
    theirs_now = await g.people[partner].wait_for("summary", mutual, after=seen[partner])
    assert theirs_now["meetings"][0]["peers"][0]["rating"] == 4
    # the others of the event hear nothing of it
    assert not any(name == "summary" for name, _ in g.people[stranger].received[seen[stranger] :])
