"""One event across several processes on Redis: spread, killed, and Redis itself restarted."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

from tests.cluster.conftest import LEASE_S, PRESENCE_S, Cluster
from tests.conftest import Client, Event
from tests.procs import Server, eventually

SIX = [
    {"name": "Claire Martin", "organization": "Lyon", "side": "commune", "email": "c@lyon.example"},
    {"name": "Hugo Bernard", "organization": "Nantes", "side": "commune", "email": "h@nantes.example"},
    {"name": "Inès Dubois", "organization": "Villeurbanne", "side": "commune"},
    {"name": "Léa Garnier", "organization": "Mobilis", "side": "solution", "email": "l@mobilis.example"},
    {"name": "Thomas Petit", "organization": "Lumio", "side": "solution"},
    {"name": "Amélie Roux", "organization": "Aquasense", "side": "solution"},
]  # fmt: skip


def room_of(client: Client, round_: int) -> dict[str, Any]:
    """The one assignment with a room of ``round_`` this client got (fails if not exactly one)."""
    got = [
        a for e, a in client.received if e == "assignment" and a["round"] == round_ and a["room"]
    ]
    assert len(got) == 1, f"{len(got)} room assignments for round {round_}: {got}"
    return got[0]


async def everyone_in_round(people: dict[str, Client], round_: int, timeout: float = 10) -> None:
    for client in people.values():
        await client.wait_for(
            "assignment", lambda a: a["round"] == round_ and a["room"] is not None, timeout
        )


def no_clock_twice(client: Client) -> None:
    seqs = Counter(c["seq"] for e, c in client.received if e == "clock")
    assert all(n == 1 for n in seqs.values()), seqs


async def spread(
    cluster: Cluster, ev: Event, servers: list[Server]
) -> tuple[dict[str, Client], dict[str, Server]]:
    """Connect communes to the first process, solution makers to the next: every pair spans two."""
    people: dict[str, Client] = {}
    where: dict[str, Server] = {}
    for i, row in enumerate(ev.people):
        pid, token = ev.person(i)
        server = servers[0] if row["side"] == "commune" else servers[1 % len(servers)]
        people[pid] = await cluster.connect(server, "/participant", token)
        where[pid] = server
        await people[pid].wait_for("assignment")
    return people, where


async def test_people_on_three_processes_meet_and_hear_each_change_once(cluster: Cluster) -> None:
    a, b, c = [await cluster.add(n) for n in ("a", "b", "c")]
    ev = await cluster.event(a, SIX)
    people, where = await spread(cluster, ev, [a, b])
    host = await cluster.connect(c, "/host", ev.host_token)
    mod = await cluster.connect(a, "/moderator", ev.moderator_token)
    await mod.wait_board(lambda d: sum(p["online"] for p in d["participants"]) == 6)

    assert (await host.call("start"))["ok"]
    await everyone_in_round(people, 1)
    rooms = {pid: room_of(client, 1) for pid, client in people.items()}
    for pid, mine in rooms.items():
        partner = mine["peers"][0]["id"]
        assert rooms[partner]["room"] == mine["room"]
        assert where[pid] is not where[partner]  # the two sides are on different processes
        assert mine["peers"][0]["polite"] != rooms[partner]["peers"][0]["polite"]

    # signals cross processes, both ways, in order
    for pid, mine in rooms.items():
        partner = mine["peers"][0]["id"]
        for n in range(3):
            ack = await people[pid].call("signal", {"to": partner, "data": {"n": n, "from": pid}})
            assert ack["ok"], ack
    for pid, mine in rooms.items():
        partner = mine["peers"][0]["id"]
        await people[partner].wait_for("signal", lambda m, p=pid: m["data"] == {"n": 2, "from": p})
        heard = [
            m["data"]["n"]
            for e, m in people[partner].received
            if e == "signal" and m["from"] == pid
        ]
        assert heard == [0, 1, 2]

    assert (await host.call("end_round"))["ok"]
    for client in people.values():
        await client.wait_clock(lambda k: k["phase"] == "break")
    assert (await host.call("next"))["ok"]
    await everyone_in_round(people, 2)
    for pid, client in people.items():
        second = room_of(client, 2)
        assert second["peers"][0]["id"] != rooms[pid]["peers"][0]["id"]  # nobody twice
        no_clock_twice(client)
    no_clock_twice(host)
    no_clock_twice(mod)


async def test_the_conductor_moves_on_when_its_process_dies(cluster: Cluster) -> None:
    a = await cluster.add("a")
    b = await cluster.add("b")
    ev = await cluster.event(a, round_seconds=10, break_seconds=0, rounds=2)
    holder = await cluster.holder(ev.id)
    other = b if holder is a else a
    people, _ = await spread(cluster, ev, [other])
    host = await cluster.connect(other, "/host", ev.host_token)
    await host.wait_board(lambda d: sum(p["online"] for p in d["participants"]) == 4)
    started = (await host.call("start"))["clock"]
    await everyone_in_round(people, 1)

    await holder.kill()  # mid-round: nobody left to end it but the other process
    # the round ended and the next started (no break): the rest of a 10 s round, then a lease
    # to lapse and be taken, then the pairing; a guard against hanging, not a measure
    await everyone_in_round(people, 2, timeout=30)
    clock = await host.wait_for("clock", lambda k: k["round"] == 2)
    assert clock["ends_at"] == started["ends_at"] + 10_000  # on the logical schedule
    assert (await cluster.holder(ev.id)) is other
    for client in people.values():
        room_of(client, 2)  # exactly once
        no_clock_twice(client)


async def test_people_of_a_killed_process_resume_on_another(cluster: Cluster) -> None:
    a = await cluster.add("a")
    b = await cluster.add("b")
    ev = await cluster.event(a)
    people, where = await spread(cluster, ev, [a, b])
    host = await cluster.connect(b, "/host", ev.host_token)
    mod = await cluster.connect(b, "/moderator", ev.moderator_token)
    await mod.wait_board(lambda d: sum(p["online"] for p in d["participants"]) == 4)
    start = (await host.call("start"))["clock"]
    await everyone_in_round(people, 1)
    before = {pid: room_of(client, 1) for pid, client in people.items()}
    on_a = [pid for pid, s in where.items() if s is a]

    await a.kill()
    # within the presence timeout, b forgets a's people: the board and their partners see it
    board = await mod.wait_board(
        lambda d: {p["id"] for p in d["participants"] if not p["online"]} == set(on_a),
        timeout=PRESENCE_S * 4,
    )
    assert all("alone" in r["flags"] for r in board["rooms"])
    for pid in on_a:
        partner = before[pid]["peers"][0]["id"]
        await people[partner].wait_for("peer", lambda m, p=pid: m == {"id": p, "online": False})

    # their browsers reconnect, through the load balancer, to b: same room, same clock
    for pid in on_a:
        i = next(i for i, row in enumerate(ev.people) if row["id"] == pid)
        people[pid] = await cluster.connect(b, "/participant", ev.person(i)[1])
        again = await people[pid].wait_for("assignment")
        assert (again["round"], again["room"]) == (1, before[pid]["room"])
        assert again["peers"] == before[pid]["peers"]
        clock = await people[pid].wait_for("clock")
        assert (clock["phase"], clock["ends_at"]) == ("round", start["ends_at"])
        partner = before[pid]["peers"][0]["id"]
        await people[partner].wait_for("peer", lambda m, p=pid: m == {"id": p, "online": True})
        ack = await people[pid].call("signal", {"to": partner, "data": {"back": True}})
        assert ack["ok"], ack
        await people[partner].wait_for("signal", lambda m: m["data"] == {"back": True})
    await mod.wait_board(lambda d: sum(p["online"] for p in d["participants"]) == 4)


async def _audit(cluster: Cluster, event_id: str) -> list[str]:
    from redis import asyncio as aioredis

    r = aioredis.Redis.from_url(cluster.redis.url)
    try:
        raw = await r.lrange(f"{cluster.prefix}:ev:{event_id}:log:audit", 0, -1)
    finally:
        await r.aclose()
    return [x.decode() for x in raw]


async def test_redis_restarts_mid_round_and_nothing_acknowledged_is_lost(cluster: Cluster) -> None:
    a = await cluster.add("a")
    b = await cluster.add("b")
    ev = await cluster.event(a)
    people, _ = await spread(cluster, ev, [a, b])
    host = await cluster.connect(a, "/host", ev.host_token)
    await host.wait_board(lambda d: sum(p["online"] for p in d["participants"]) == 4)
    assert (await host.call("start"))["ok"]
    await everyone_in_round(people, 1)
    rooms = {pid: room_of(client, 1)["room"] for pid, client in people.items()}
    partners = {pid: room_of(client, 1)["peers"][0]["id"] for pid, client in people.items()}
    acked: dict[str, str] = {}
    for n, (pid, client) in enumerate(people.items()):
        ack = await client.call("help", {"text": f"n{n}"})
        assert ack["ok"], ack
        acked[pid] = f"n{n}"

    await cluster.redis.kill()  # a crash: appendfsync always keeps what was acknowledged
    for client in people.values():
        await client.wait_for("status", lambda s: s["degraded"] is True)
    ack = await host.call("pause")
    assert ack["ok"] is False and ack["error"]["code"] == "unavailable", ack
    await cluster.redis.start()
    for client in people.values():
        await client.wait_for("status", lambda s: s["degraded"] is False, timeout=70)
    # "not degraded" means the processes hear each other again: a call can be set up
    pid, client = next(iter(people.items()))
    partner = partners[pid]
    assert (await client.call("signal", {"to": partner, "data": {"after": "restart"}}))["ok"]
    await people[partner].wait_for("signal", lambda m: m["data"] == {"after": "restart"})

    # the event goes on where it was, with everything that was acknowledged
    ack = await eventually(lambda: _ok(host.call("extend", {"seconds": 60})))
    assert ack["clock"]["round"] == 1
    late = await cluster.connect(b, "/moderator", ev.moderator_token)
    snap = await late.wait_for("snapshot")
    assert {h["participant"]: h["text"] for h in snap["help"]} == acked
    audit = await _audit(cluster, ev.id)
    assert any('"action":"start"' in line for line in audit)
    assert any('"action":"extend"' in line for line in audit)
    for pid, client in people.items():
        # after the resync each one still has the same room
        state = await client.wait_for("assignment", lambda x: x["seq"] >= ack["clock"]["seq"] - 1)
        assert state["room"] == rooms[pid]


async def _ok(pending: Any) -> Any:
    ack = await pending
    return ack if ack.get("ok") else None


async def test_redis_paused_past_the_lease_while_ratings_are_sent(cluster: Cluster) -> None:
    """Redis hangs (SIGSTOP) for three leases in the middle of a round while everyone rates:
    the leases lapse and are taken again, and the round still ends by itself on time (late by
    at most a lease and a retry), the next round starts, and each person's last acknowledged
    rating is the one in the results."""
    a = await cluster.add("a")
    b = await cluster.add("b")
    ev = await cluster.event(a, round_seconds=16, break_seconds=2, rounds=2, no_show_seconds=5)
    people, _ = await spread(cluster, ev, [a, b])
    host = await cluster.connect(a, "/host", ev.host_token)
    await host.wait_board(lambda d: sum(p["online"] for p in d["participants"]) == 4)
    assert (await host.call("start"))["ok"]
    await everyone_in_round(people, 1)
    ends_at = room_of(next(iter(people.values())), 1)["clock"]["ends_at"]
    rated: dict[str, int] = {}
    stop = asyncio.Event()

    async def rate(pid: str, client: Client) -> None:
        room, n = room_of(client, 1)["room"], 0
        while not stop.is_set():
            n += 1
            body = {"room": room, "rating": 1 + n % 5, "note": f"{pid} {n}"}
            try:
                ack = await client.call("feedback", body, timeout=40)
            except TimeoutError:
                continue
            if ack["ok"]:
                rated[pid] = n
            elif ack["error"]["code"] == "too_early":  # before the no-show check
                await asyncio.sleep(0.2)
            elif ack["error"]["code"] == "rate_limited":  # a page waits as it is told
                await asyncio.sleep(ack["error"]["retry_after_ms"] / 1000)

    raters = [asyncio.create_task(rate(pid, c)) for pid, c in people.items()]
    await eventually(lambda: _all(rated, people), timeout=15)
    cluster.redis.pause()
    await asyncio.sleep(3 * LEASE_S)  # the outage: it lasts three leases, by design
    cluster.redis.resume()
    before = dict(rated)
    await eventually(lambda: _more(rated, before), timeout=30)  # ratings go on
    ended = [
        await c.wait_for("assignment", lambda x: x["clock"]["phase"] == "break", timeout=30)
        for c in people.values()
    ]
    late_ms = min(x["clock"]["server_ms"] for x in ended) - ends_at
    assert late_ms <= (LEASE_S + 3) * 1000, late_ms
    stop.set()
    await asyncio.gather(*raters)
    await everyone_in_round(people, 2)  # the break ended by itself too
    status, text = await cluster.api(a, "GET", f"/api/events/{ev.id}/meetings.csv")
    assert status == 200
    notes = "\n".join(text.splitlines()[1:])
    for pid, n in rated.items():
        assert f"{pid} {n}" in notes, (pid, n)


async def _all(rated: dict[str, int], people: dict[str, Client]) -> bool:
    return len(rated) == len(people)


async def _more(rated: dict[str, int], before: dict[str, int]) -> bool:
    return all(rated[pid] > n for pid, n in before.items())
