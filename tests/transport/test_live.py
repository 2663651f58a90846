"""The live event over real connections: late arrivals paired at once, trios rated per person,
"I have to leave" undone, "+N min" announced."""

from __future__ import annotations

import asyncio
import csv
import io
from typing import Any

from tests.conftest import PEOPLE, Client, Running
from tests.transport.gathering import Gathering, gather

WAIT = {"mode": "bipartite", "sides": ["commune", "solution"], "odd": "wait"}


def error(ack: dict[str, Any]) -> str:
    assert ack["ok"] is False, ack
    return str(ack["error"]["code"])


async def sign_up(server: Running, ev_body: dict[str, Any], name: str, side: str) -> str:
    """Sign up through the event's registration link; the new person's token."""
    url = server.url + "/" + ev_body["registration_url"].split("/", 3)[3]
    form = {"name": name, "organization": "Late Org", "side": side, "consent": "yes"}
    async with server.http.post(url, data=form, allow_redirects=False) as r:
        assert r.status == 303, await r.text()
        return r.headers["Location"].split("?")[0].rsplit("/", 1)[1]


async def online(g: Gathering, count: int) -> None:
    await g.mod.wait_board(lambda d: sum(p["online"] for p in d["participants"]) == count)


async def test_a_late_arrival_is_paired_with_a_waiting_person_within_seconds(
    server: Running,
) -> None:
    g = await gather(server, started=False, matching=WAIT)
    late = "p4"  # Thomas, a solution: away when the round is paired
    await g.people.pop(late).close()
    await online(g, 3)
    assert (await g.host.call("start"))["ok"]
    got = {
        pid: await c.wait_for("assignment", lambda a: a["round"] == 1)
        for pid, c in g.people.items()
    }
    (idle,) = [pid for pid, a in got.items() if a["room"] is None]
    assert got[idle]["wait"] == {"code": "sit_out", "next_round": 2}
    await g.mod.wait_board(lambda d: [w["id"] for w in d["waiting"]] == [idle])

    client = await g.reconnect(late)
    mine = await client.wait_for("assignment", lambda a: a["round"] == 1 and a["room"])
    theirs = await g.people[idle].wait_for("assignment", lambda a: a["room"] is not None)
    assert mine["room"] == theirs["room"]
    assert [p["id"] for p in mine["peers"]] == [idle] and [p["id"] for p in theirs["peers"]] == [
        late
    ]
    assert mine["polite"] != theirs["polite"] and mine["clock"]["phase"] == "round"
    board = await g.mod.wait_board(lambda d: not d["waiting"] and len(d["rooms"]) == 2)
    assert {m["id"] for r in board["rooms"] for m in r["members"]} == set(g.tokens)
    # they can call each other at once
    offer = {"description": {"type": "offer", "sdp": "v=0"}}
    assert (await client.call("signal", {"to": idle, "data": offer}))["ok"]
    await g.people[idle].wait_for("signal", lambda m: m["from"] == late)
    # a reload changes nothing: the arrival was decided once
    again = await g.reconnect(late)
    back = await again.wait_for("assignment")
    assert back["room"] == mine["room"]


async def test_a_late_sign_up_with_nobody_free_is_told_the_truth_and_seen_waiting(
    server: Running,
) -> None:
    g = await gather(server)  # four people, two rooms, nobody waits
    token = await sign_up(server, g.ev.body, "Ana Pereira", "commune")
    ana = await server.connect("/participant", token)
    a = await ana.wait_for("assignment")
    assert (a["round"], a["room"], a["stopped"]) == (1, None, False)
    assert a["wait"] == {"code": "late", "next_round": 2}
    for staff in (g.mod, g.host):
        board = await staff.wait_board(
            lambda d: [w["name"] for w in d["waiting"]] == ["Ana Pereira"]
        )
        ana_row = next(p for p in board["participants"] if p["name"] == "Ana Pereira")
        assert ana_row["online"] and ana_row["room"] is None
    # she gets a card for the next round
    card = await ana.wait_for("next", lambda n: n["round"] == 2 and n["peers"])
    assert all(p["side"] == "solution" for p in card["peers"])
    # someone of the other side comes late too: the two meet at once
    token = await sign_up(server, g.ev.body, "Bruno Costa", "solution")
    bruno = await server.connect("/participant", token)
    b = await bruno.wait_for("assignment", lambda x: x["room"] is not None)
    assert [p["name"] for p in b["peers"]] == ["Ana Pereira"]
    await ana.wait_for("assignment", lambda x: x["room"] == b["room"])
    await g.mod.wait_board(lambda d: not d["waiting"] and len(d["rooms"]) == 3)


async def test_a_sign_up_in_the_last_round_is_not_promised_another(server: Running) -> None:
    g = await gather(server, rounds=1)
    token = await sign_up(server, g.ev.body, "Ana Pereira", "commune")
    ana = await server.connect("/participant", token)
    a = await ana.wait_for("assignment")
    assert a["wait"] == {"code": "late", "next_round": None}


async def test_trios_are_rated_per_person(server: Running) -> None:
    three = [{**p, "side": ""} for p in PEOPLE[:3]]
    open_trio = {"mode": "open", "odd": "trio"}
    g = await gather(server, three, started=False, matching=open_trio)
    await online(g, 3)
    await g.start()
    (room,) = {a["room"] for a in g.rooms.values()}
    assert all(len(a["peers"]) == 2 for a in g.rooms.values())
    await g.end_round()
    pid = "p1"
    me = g.people[pid]
    rate = {"room": room, "rating": 5, "follow_up": True}
    assert error(await me.call("feedback", rate)) == "peer_required"
    assert error(await me.call("feedback", {**rate, "peer": pid})) == "not_your_peer"
    assert (await me.call("feedback", {**rate, "peer": "p2"}))["ok"]
    assert (await me.call("feedback", {**rate, "peer": "p3", "rating": 2, "follow_up": False}))[
        "ok"
    ]
    for other in ("p2", "p3"):
        ack = await g.people[other].call("feedback", {**rate, "peer": pid})
        assert ack["ok"], ack
    assert (await g.host.call("end"))["ok"]
    summary = await me.wait_for("summary")
    (meeting,) = summary["meetings"]
    peers = {p["id"]: p for p in meeting["peers"]}
    assert (peers["p2"]["rating"], peers["p2"]["mutual_follow_up"]) == (5, True)
    assert (peers["p3"]["rating"], peers["p3"]["mutual_follow_up"]) == (2, False)
    assert peers["p2"]["email"] and "email" not in peers["p3"]
    status, text = await server.api("GET", f"/api/events/{g.ev.id}/meetings.csv")
    assert status == 200
    rows = list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))
    assert len(rows) == 3  # a room of three: a row per pair
    mine = {}
    for row in rows:
        for me, them in (("a", "b"), ("b", "a")):
            if row[f"{me}_id"] == "p1":
                mine[row[f"{them}_id"]] = row[f"{me}_rating"]
    assert mine == {"p2": "5", "p3": "2"}


async def test_a_two_sided_event_waits_rather_than_make_trios(server: Running) -> None:
    g = await gather(server, PEOPLE[:3], started=False)  # two communes, one solution
    assert g.ev.body["odd"] == "wait"
    await online(g, 3)
    assert (await g.host.call("start"))["ok"]
    got = [await c.wait_for("assignment", lambda a: a["round"] == 1) for c in g.people.values()]
    assert sorted(len(a["peers"]) for a in got) == [0, 1, 1]
    created = await server.event(matching={"mode": "open"})
    assert created.body["odd"] == "trio"  # open events: as configured


async def test_undoing_i_have_to_leave_by_the_participant(server: Running) -> None:
    g = await gather(server)
    pid = "p1"
    me = g.people[pid]
    first = g.partner(pid)
    assert (await me.call("stop"))["ok"]
    await me.wait_for("assignment", lambda a: a["stopped"] is True)
    await g.end_round()
    assert (await g.host.call("next"))["ok"]
    a = await me.wait_for("assignment", lambda a: a["round"] == 2)
    assert a["room"] is None and a["wait"]["code"] == "stopped"
    others = {
        o: await g.people[o].wait_for("assignment", lambda a: a["round"] == 2)
        for o in g.people
        if o != pid
    }
    (idle,) = [o for o, x in others.items() if x["room"] is None]
    assert idle != first  # the other commune met them already: they wait
    ack = await me.call("rejoin")
    assert ack == {"ok": True, "paired": sorted([pid, idle])}
    back = await me.wait_for("assignment", lambda a: a["round"] == 2 and a["room"] is not None)
    assert back["stopped"] is False and [p["id"] for p in back["peers"]] == [idle]
    await g.people[idle].wait_for("assignment", lambda a: a["room"] == back["room"])
    assert (await g.host.call("end"))["ok"]
    assert error(await me.call("rejoin")) == "ended"


async def test_undoing_i_have_to_leave_by_the_host(server: Running) -> None:
    g = await gather(server, started=False)
    pid = "p2"
    assert (await g.people[pid].call("stop"))["ok"]
    await g.host.wait_board(
        lambda d: any(p["id"] == pid and p["stopped"] for p in d["participants"])
    )
    assert (await g.host.call("rejoin", {"participant": pid}))["ok"]
    await g.people[pid].wait_for("assignment", lambda a: a["stopped"] is False and a["seq"] > 1)
    await g.host.wait_board(
        lambda d: any(p["id"] == pid and not p["stopped"] for p in d["participants"])
    )
    assert error(await g.host.call("rejoin", {"participant": "p99"})) == "unknown_participant"
    assert error(await g.host.call("rejoin", {})) == "bad_payload"


async def test_extend_is_announced_to_everybody(server: Running) -> None:
    g = await gather(server)
    ack = await g.host.call("extend", {"seconds": 120})
    assert ack["ok"]
    clients: list[Client] = [*g.people.values(), g.host, g.mod]
    for client in clients:
        n = await client.wait_for("notice", lambda n: n.get("kind") == "extended")
        assert n["params"] == {"seconds": 120, "phase": "round"}
        assert n["expires_at"] > n["at"]
    assert (await g.host.call("notice", {"text": "Coffee"}))["ok"]
    n = await g.people["p1"].wait_for("notice", lambda n: n.get("text") == "Coffee")
    assert n["expires_at"] > n["at"]


async def test_arrivals_on_two_processes_are_decided_once(start: Any) -> None:
    """Two late people of one side arrive at once, each on another process, and one person
    waits on the other side: exactly one of them meets her, the other waits."""
    a = await start(redis=True, board_interval_ms=20)
    b = await start(redis=True, board_interval_ms=20)
    people = [
        PEOPLE[0],
        PEOPLE[1],
        PEOPLE[2],
        PEOPLE[3],
        {**PEOPLE[3], "name": "Zoé Roux", "email": "zoe@roux.example"},
    ]
    ev = await a.event(people, matching=WAIT)
    host = await a.connect("/host", ev.host_token)
    mod = await b.connect("/moderator", ev.moderator_token)
    here = {}
    for i in range(3):  # two communes and Léa: Hugo or Claire waits
        pid, token = ev.person(i)
        here[pid] = await a.connect("/participant", token)
    await mod.wait_board(lambda d: sum(p["online"] for p in d["participants"]) == 3)
    assert (await host.call("start"))["ok"]
    await mod.wait_board(lambda d: len(d["waiting"]) == 1 and len(d["rooms"]) == 1)
    (l1, t1), (l2, t2) = ev.person(3), ev.person(4)
    late = await asyncio.gather(a.connect("/participant", t1), b.connect("/participant", t2))
    board = await mod.wait_board(lambda d: len(d["rooms"]) == 2 and len(d["waiting"]) == 1)
    (left,) = [w["id"] for w in board["waiting"]]
    assert left in (l1, l2)
    seated = {m["id"] for r in board["rooms"] for m in r["members"]}
    assert seated == set(here) | ({l1, l2} - {left})
    assert sum(len(r["members"]) for r in board["rooms"]) == 4  # nobody in two rooms
    for pid, client in zip((l1, l2), late, strict=True):
        waits = pid == left
        got = await client.wait_for("assignment", lambda x, w=waits: (x["room"] is None) == w)
        assert got["round"] == 1
