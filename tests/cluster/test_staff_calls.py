"""A moderator's call and writing across processes: the moderator's page on one process, the
room's two members on two others."""

from __future__ import annotations

from tests.cluster.conftest import Cluster
from tests.cluster.test_cluster import SIX, everyone_in_round, room_of, spread


async def test_a_moderator_on_another_process_calls_the_room_it_joined(cluster: Cluster) -> None:
    a, b, c = [await cluster.add(n) for n in ("a", "b", "c")]
    ev = await cluster.event(a, [SIX[0], SIX[1], SIX[3], SIX[4]])
    people, where = await spread(cluster, ev, [a, b])
    host = await cluster.connect(a, "/host", ev.host_token)
    mod = await cluster.connect(c, "/moderator", ev.moderator_token)
    mod2 = await cluster.connect(b, "/moderator", ev.moderator_token)
    await mod.wait_board(lambda d: sum(p["online"] for p in d["participants"]) == 4)
    assert (await host.call("start"))["ok"]
    await everyone_in_round(people, 1)
    pid = next(iter(people))
    mine = room_of(people[pid], 1)
    partner = mine["peers"][0]["id"]
    stranger = next(p for p in people if p not in (pid, partner))
    assert where[pid] is not where[partner]

    ack = await mod.call("join_room", {"room": mine["room"]})
    assert ack["ok"], ack
    staff = ack["staff"]["id"]
    for who in (pid, partner):
        await people[who].wait_for("moderator", lambda m: m["joined"])
        # the members' processes learnt of the visit: signals go through at once, both ways
        assert (await people[who].call("signal", {"to": staff, "data": {"n": who}}))["ok"]
        await mod.wait_for("signal", lambda m, w=who: m["from"] == w and m["data"] == {"n": w})
        assert (await mod.call("signal", {"to": who, "data": {"back": True}}))["ok"]
        await people[who].wait_for("signal", lambda m: m["from"] == staff)
    refused = await people[stranger].call("signal", {"to": staff, "data": {}})
    assert refused["error"]["code"] == "not_your_peer"

    # a claim on one process is seen on another; a write reaches the room's members only
    assert (await people[pid].call("help", {"reason": "no_video"}))["ok"]
    await mod2.wait_for("help")
    assert (await mod.call("claim_help", {"participant": pid}))["ok"]
    seen = await mod2.wait_for("help_claimed")
    assert seen["by"]["id"] == staff
    assert (await mod2.call("message", {"room": mine["room"], "text": "hello"}))["ok"]
    for who in (pid, partner):
        await people[who].wait_for("notice", lambda n: n.get("kind") == "room_message")

    assert (await mod.call("leave_room"))["ok"]
    for who in (pid, partner):
        await people[who].wait_for("moderator", lambda m: not m["joined"])
        refused = await people[who].call("signal", {"to": staff, "data": {}})
        assert refused["error"]["code"] == "not_your_peer"


async def test_a_moderator_whose_process_dies_leaves_the_call(cluster: Cluster) -> None:
    """On main the visit of a moderator whose process died stayed in the record until the
    round ended: the members kept waiting for a third video, and signaling still let a ghost
    call them. Now the sweep that gives the process up for dead ends its pages' calls."""
    a, b, c = [await cluster.add(n) for n in ("a", "b", "c")]
    ev = await cluster.event(a, [SIX[0], SIX[3]])
    people, _ = await spread(cluster, ev, [a, b])
    host = await cluster.connect(a, "/host", ev.host_token)
    mod = await cluster.connect(c, "/moderator", ev.moderator_token)
    await mod.wait_board(lambda d: sum(p["online"] for p in d["participants"]) == 2)
    assert (await host.call("start"))["ok"]
    await everyone_in_round(people, 1)
    pid = next(iter(people))
    ack = await mod.call("join_room", {"room": room_of(people[pid], 1)["room"]})
    assert ack["ok"], ack
    for who in people:
        await people[who].wait_for("moderator", lambda m: m["joined"])
    await c.kill()  # the moderator's machine is gone: nothing says goodbye
    for who in people:
        await people[who].wait_for("moderator", lambda m: not m["joined"], timeout=15)
        refused = await people[who].call("signal", {"to": ack["staff"]["id"], "data": {}})
        assert refused["error"]["code"] == "not_your_peer"
