"""The HTTP API over a real server: events, participants (JSON and CSV), wishes, schedule, results."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from itertools import combinations
from typing import Any

import pytest

from tests.conftest import ADMIN, PEOPLE, Running
from tests.procs import eventually
from tests.transport.gathering import gather

EVENT = {
    "title": "Mayors meet innovators",
    "round_seconds": 300,
    "break_seconds": 60,
    "rounds": 3,
    "matching": {"mode": "bipartite", "sides": ["commune", "solution"]},
}
SIX = [
    *PEOPLE,
    {"name": "Inès Roux", "organization": "Commune de Die", "side": "commune"},
    {"name": "Marc Blanc", "organization": "Solaris", "side": "solution"},
]


def code_of(body: Any) -> str:
    assert set(body["error"]) >= {"code", "message"} and body["error"]["message"], body
    return str(body["error"]["code"])


async def listed(server: Running, event_id: str) -> list[dict[str, Any]]:
    status, people = await server.api("GET", f"/api/events/{event_id}/participants")
    assert status == 200
    return people  # type: ignore[no-any-return]


# --- events ---------------------------------------------------------------------------------


async def test_create_event(server: Running) -> None:
    status, body = await server.api("POST", "/api/events", json=EVENT)
    assert status == 201
    assert isinstance(body["id"], str) and body["id"]
    assert body["host_url"].startswith(f"http://127.0.0.1:8080/e/{body['id']}/host/")
    assert body["moderator_url"].startswith(f"http://127.0.0.1:8080/e/{body['id']}/mod/")
    assert body["host_url"].rsplit("/", 1)[1] != body["moderator_url"].rsplit("/", 1)[1]
    assert (body["title"], body["rounds"], body["mode"], body["sides"]) == (
        "Mayors meet innovators",
        3,
        "bipartite",
        ["commune", "solution"],
    )
    assert body["clock"]["phase"] == "lobby" and body["clock"]["rounds"] == 3
    assert (body["participants"], body["online"]) == (0, 0)

    status, again = await server.api("GET", f"/api/events/{body['id']}")
    assert status == 200
    # the links are given once, when made: the server keeps only their hashes
    links = {"host_url", "moderator_url", "registration_url"}
    assert links <= set(body) and not links & set(again)
    assert {k: v for k, v in again.items() if k != "clock"} == {
        k: v for k, v in body.items() if k not in {"clock", *links}
    }
    status, every = await server.api("GET", "/api/events")
    assert status == 200 and [e["id"] for e in every] == [body["id"]]


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer wrong-token", f"Bearer {ADMIN}x", f"Basic {ADMIN}", ADMIN, "Bearer "],
    ids=["none", "wrong", "longer", "basic", "bare", "empty"],
)
async def test_admin_calls_need_the_bearer_token(
    server: Running, authorization: str | None
) -> None:
    ev = await server.event(PEOPLE[:2])
    headers = {"Authorization": authorization} if authorization is not None else {}
    calls = [
        ("POST", "/api/events", {"json": EVENT}),
        ("GET", "/api/events", {}),
        ("GET", f"/api/events/{ev.id}", {}),
        ("POST", f"/api/events/{ev.id}/participants", {"json": PEOPLE[2:]}),
        ("GET", f"/api/events/{ev.id}/participants", {}),
        ("POST", f"/api/events/{ev.id}/wishes", {"json": []}),
        ("GET", f"/api/events/{ev.id}/schedule", {}),
        ("GET", f"/api/events/{ev.id}/meetings.csv", {}),
    ]
    for method, path, kw in calls:
        async with server.http.request(method, server.url + path, headers=headers, **kw) as r:
            assert r.status == 401, (method, path)
            assert code_of(await r.json()) == "unauthorized"
    assert len(await listed(server, ev.id)) == 2  # nothing was added
    status, every = await server.api("GET", "/api/events")
    assert status == 200 and len(every) == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"round_seconds": 5}, "round_seconds"),
        ({"round_seconds": "300"}, "round_seconds"),
        ({"rounds": 0}, "rounds"),
        ({"break_seconds": -1}, "break_seconds"),
        ({"title": ""}, "title"),
        ({"title": None}, "title"),
        ({"matching": {"mode": "random"}}, "matching.mode"),
        ({"language": "de"}, "language"),
        ({"colour": "blue"}, "colour"),
        ({"matching": {"mode": "bipartite", "sides": ["commune"]}}, "matching.sides"),
        ({"matching": {"mode": "bipartite", "sides": ["a", "a"]}}, "matching.sides"),
    ],
)
async def test_create_event_names_the_bad_field(
    server: Running, change: dict[str, Any], field: str
) -> None:
    status, body = await server.api("POST", "/api/events", json={**EVENT, **change})
    assert status == 400
    assert code_of(body) == "bad_request"
    assert body["error"]["field"] == field
    status, every = await server.api("GET", "/api/events")
    assert every == []


async def test_create_event_names_a_missing_field(server: Running) -> None:
    spec = {k: v for k, v in EVENT.items() if k != "title"}
    status, body = await server.api("POST", "/api/events", json=spec)
    assert (
        status == 400 and body["error"]["field"] == "title" and "title" in body["error"]["message"]
    )


async def test_bad_json_and_unknown_event(server: Running) -> None:
    status, body = await server.api(
        "POST", "/api/events", data=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert status == 400 and code_of(body) == "bad_json"
    status, body = await server.api("POST", "/api/events", json=[EVENT])
    assert status == 400 and code_of(body) == "bad_request"
    for path in ("", "/participants", "/schedule", "/meetings.csv"):
        status, body = await server.api("GET", f"/api/events/nope{path}")
        assert status == 404 and code_of(body) == "unknown_event"
    status, body = await server.api("POST", "/api/events/nope/participants", json=PEOPLE)
    assert status == 404 and code_of(body) == "unknown_event"


# --- participants ---------------------------------------------------------------------------


async def test_register_participants_as_json(server: Running) -> None:
    ev = await server.event()
    status, rows = await server.api("POST", f"/api/events/{ev.id}/participants", json=PEOPLE)
    assert status == 201
    assert [r["id"] for r in rows] == ["p1", "p2", "p3", "p4"]
    assert [r["name"] for r in rows] == [p["name"] for p in PEOPLE]
    for r in rows:
        assert r["join_url"].startswith(f"http://127.0.0.1:8080/e/{ev.id}/p/")
        assert {"id", "name", "organization", "side", "email", "join_url"} <= set(r)
    assert len({r["join_url"] for r in rows}) == 4  # a secret link each
    people = await listed(server, ev.id)
    assert [(p["id"], p["online"], p["stopped"]) for p in people] == [
        (f"p{i}", False, False) for i in range(1, 5)
    ]
    # a second batch carries on the numbering
    status, more = await server.api("POST", f"/api/events/{ev.id}/participants", json=SIX[4:])
    assert status == 201 and [r["id"] for r in more] == ["p5", "p6"]
    status, body = await server.api("GET", f"/api/events/{ev.id}")
    assert body["participants"] == 6


async def test_register_participants_as_csv(server: Running) -> None:
    ev = await server.event()
    text = (
        "\ufeffname,organization,side,email,wishes\n"
        "Claire Martin,Mairie de Lyon,commune,claire@lyon.example,must:Léa Garnier\n"
        "Léa Garnier,Mobilis,solution,lea@mobilis.example,\n"
        '"Petit, Thomas",Lumio,solution,,no:claire@lyon.example;like:p1\n'
    )
    status, rows = await server.api(
        "POST",
        f"/api/events/{ev.id}/participants",
        data=text.encode(),
        headers={"Content-Type": "text/csv"},
    )
    assert status == 201, rows
    assert [(r["id"], r["name"], r["side"]) for r in rows] == [
        ("p1", "Claire Martin", "commune"),
        ("p2", "Léa Garnier", "solution"),
        ("p3", "Petit, Thomas", "solution"),
    ]
    assert all(r["join_url"].startswith(f"http://127.0.0.1:8080/e/{ev.id}/p/") for r in rows)
    assert len(await listed(server, ev.id)) == 3


@pytest.mark.parametrize(
    ("row", "field"),
    [
        ({"name": ""}, "name"),
        ({"organization": "No name", "side": "commune"}, "name"),
        ({"name": 42}, "name"),
        ({"name": "Ana", "side": "mayor"}, "side"),
        ({"name": "Ana", "side": "commune", "email": "not-an-email"}, "email"),
        ({"name": "Ana", "side": "commune", "wishes": ["must:Nobody Known"]}, "wishes"),
        ({"name": "Ana", "side": "commune", "wishes": ["maybe:p1"]}, "wishes"),
        ({"name": "Ana", "side": "commune", "wishes": "p1"}, "wishes"),
        ({"name": "Ana", "side": "commune", "age": 40}, "age"),
    ],
)
async def test_a_bad_row_stores_nothing_of_the_batch(
    server: Running, row: dict[str, Any], field: str
) -> None:
    ev = await server.event(PEOPLE[:1])
    batch = [PEOPLE[1], PEOPLE[2], row, PEOPLE[3]]
    status, body = await server.api("POST", f"/api/events/{ev.id}/participants", json=batch)
    assert status == 400, body
    assert code_of(body) == "bad_row"
    assert (body["error"]["row"], body["error"]["field"]) == (3, field)
    assert "row 3" in body["error"]["message"]
    assert [p["id"] for p in await listed(server, ev.id)] == ["p1"]
    # and the next good batch is numbered as if the bad one never happened
    status, rows = await server.api("POST", f"/api/events/{ev.id}/participants", json=PEOPLE[1:2])
    assert status == 201 and rows[0]["id"] == "p2"


@pytest.mark.parametrize(
    ("text", "row", "field"),
    [
        ("name,side\nAna,commune\nBob,mayor\n", 2, "side"),
        ("name,side\nAna,commune\n,solution\n", 2, "name"),
        ("name,side,email\nAna,commune,ana-at-example\n", 1, "email"),
        ("name,side\nAna,commune,extra\n", 1, None),
    ],
    ids=["side", "blank name", "email", "extra cell"],
)
async def test_a_bad_csv_row_stores_nothing(
    server: Running, text: str, row: int, field: str | None
) -> None:
    ev = await server.event()
    status, body = await server.api(
        "POST",
        f"/api/events/{ev.id}/participants",
        data=text.encode(),
        headers={"Content-Type": "text/csv"},
    )
    assert status == 400 and code_of(body) == "bad_row"
    assert body["error"]["row"] == row and body["error"].get("field") == field
    assert await listed(server, ev.id) == []


async def test_a_csv_without_a_name_column(server: Running) -> None:
    ev = await server.event()
    status, body = await server.api(
        "POST",
        f"/api/events/{ev.id}/participants",
        data=b"who,side\nAna,commune\n",
        headers={"Content-Type": "text/csv"},
    )
    assert status == 400 and code_of(body) == "bad_csv"
    assert await listed(server, ev.id) == []


async def test_an_empty_list_is_refused(server: Running) -> None:
    ev = await server.event()
    status, body = await server.api("POST", f"/api/events/{ev.id}/participants", json=[])
    assert status == 400 and code_of(body) == "bad_request"


# --- wishes ---------------------------------------------------------------------------------


async def test_wishes(server: Running) -> None:
    ev = await server.event(PEOPLE)
    wishes = [
        {"from": "p1", "to": "p3", "level": "must"},
        {"from": "p3", "to": "p1", "level": "like"},
        {"from": "p2", "to": "p4"},
    ]
    status, body = await server.api("POST", f"/api/events/{ev.id}/wishes", json=wishes)
    assert (status, body) == (201, {"wishes": 3})
    # a later wish between the same two people replaces the earlier one
    again = [{"from": "p1", "to": "p3", "level": "no"}]
    status, body = await server.api("POST", f"/api/events/{ev.id}/wishes", json=again)
    assert (status, body) == (201, {"wishes": 3})
    status, plan = await server.api("GET", f"/api/events/{ev.id}/schedule")
    first = {tuple(sorted(r["members"])) for r in plan["rounds"][0]["rooms"]}
    assert ("p1", "p3") not in first  # "no" is honoured


async def test_mutual_wishes_show_in_the_schedule(server: Running) -> None:
    ev = await server.event(PEOPLE)
    wishes = [{"from": "p1", "to": "p4", "level": "must"}, {"from": "p4", "to": "p1"}]
    assert (await server.api("POST", f"/api/events/{ev.id}/wishes", json=wishes))[0] == 201
    status, plan = await server.api("GET", f"/api/events/{ev.id}/schedule")
    assert status == 200
    rooms = {tuple(sorted(r["members"])): r["reason"] for r in plan["rounds"][0]["rooms"]}
    assert rooms[("p1", "p4")] == "mutual_wish"
    assert (plan["wishes"], plan["wishes_met"]) == (2, 2)
    assert (plan["rounds"][0]["wishes_met"], plan["rounds"][0]["mutual_met"]) == (2, 1)
    assert all(r["wishes_met"] == 0 for r in plan["rounds"][1:])


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        ({"from": "p99", "to": "p1"}, "from"),
        ({"from": "p1", "to": "p99"}, "to"),
        ({"from": "p1", "to": "p1"}, "to"),
        ({"from": "p1", "to": "p3", "level": "maybe"}, "level"),
        ({"from": "p1"}, "to"),
        ({"from": "p1", "to": "p3", "why": "x"}, "why"),
    ],
)
async def test_a_bad_wish_stores_nothing(server: Running, bad: dict[str, Any], field: str) -> None:
    ev = await server.event(PEOPLE)
    batch = [{"from": "p2", "to": "p4", "level": "must"}, bad]
    status, body = await server.api("POST", f"/api/events/{ev.id}/wishes", json=batch)
    assert status == 400 and code_of(body) == "bad_row"
    assert (body["error"]["row"], body["error"]["field"]) == (2, field)
    # had the first wish been kept, there would be two now
    ok = [{"from": "p1", "to": "p3"}]
    assert await server.api("POST", f"/api/events/{ev.id}/wishes", json=ok) == (201, {"wishes": 1})


# --- schedule and results -------------------------------------------------------------------


async def test_schedule_before_the_start(server: Running) -> None:
    ev = await server.event(SIX)
    status, plan = await server.api("GET", f"/api/events/{ev.id}/schedule")
    assert status == 200
    assert [r["round"] for r in plan["rounds"]] == [1, 2, 3]
    side = {p["id"]: p["side"] for p in ev.people}
    seen: set[frozenset[str]] = set()
    for r in plan["rounds"]:
        assert r["played"] is False and r["waiting"] == []
        assert sorted(m for room in r["rooms"] for m in room["members"]) == sorted(side)
        for room in r["rooms"]:
            for a, b in combinations(room["members"], 2):
                assert side[a] != side[b]  # cross-side only
                assert frozenset((a, b)) not in seen  # never the same pair twice
                seen.add(frozenset((a, b)))
            assert room["reason"] in ("mutual_wish", "wish", "fill")
    assert len(seen) == 9  # every commune meets every solution once


async def test_schedule_after_the_start_shows_the_round_played(server: Running) -> None:
    g = await gather(server)
    status, plan = await server.api("GET", f"/api/events/{g.ev.id}/schedule")
    assert status == 200
    first = plan["rounds"][0]
    assert first["played"] is True and first["round"] == 1
    played = {tuple(sorted(room["members"])) for room in first["rooms"]}
    assert played == {tuple(sorted((pid, g.partner(pid)))) for pid in g.people}
    assert [r["played"] for r in plan["rounds"]] == [True, False, False]
    later = {tuple(sorted(room["members"])) for room in plan["rounds"][1]["rooms"]}
    assert not played & later


async def test_meetings_csv_after_a_round_with_feedback(server: Running) -> None:
    g = await gather(server)
    pid = next(iter(g.people))
    partner, room = g.partner(pid), g.room(pid)
    rating = {"room": room, "rating": 4, "follow_up": True, "note": "Pilot in spring"}
    await g.end_round()
    assert (await g.people[pid].call("feedback", rating))["ok"]
    assert (await g.host.call("end"))["ok"]

    async with server.http.get(
        f"{server.url}/api/events/{g.ev.id}/meetings.csv",
        headers={"Authorization": f"Bearer {ADMIN}"},
    ) as r:
        assert r.status == 200 and r.content_type == "text/csv"
        assert "attachment" in r.headers["Content-Disposition"]
        body = await r.read()
    assert body.startswith("\ufeff".encode())  # a spreadsheet reads it as UTF-8
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    assert len(rows) == 2  # one row per meeting, both people on it
    assert {frozenset((row["a_id"], row["b_id"])) for row in rows} == {
        frozenset((p, g.partner(p))) for p in g.people
    }
    assert all(row["round"] == "1" and row["kind"] == "meeting" for row in rows)
    mine = next(row for row in rows if pid in (row["a_id"], row["b_id"]))
    me, them = ("a", "b") if mine["a_id"] == pid else ("b", "a")
    assert (mine["room"], mine[f"{them}_id"], mine[f"{me}_rating"], mine[f"{me}_note"]) == (
        room,
        partner,
        "4",
        "Pilot in spring",
    )
    assert mine[f"{them}_rating"] == ""
    # one of two wants to follow up: nothing says so, no contact is given
    assert (mine["mutual_follow_up"], mine["a_email"], mine["b_email"]) == ("no", "", "")
    assert (mine["a_reasons"], mine["b_reasons"]) == ("", "")


# --- health, metrics, pages -----------------------------------------------------------------


async def test_an_event_holds_at_most_max_participants(start: Callable[..., Any]) -> None:
    server = await start(max_participants=5)
    ev = await server.event(PEOPLE)  # four
    two = [{"name": "Five", "side": "commune"}, {"name": "Six", "side": "solution"}]
    status, body = await server.api("POST", f"/api/events/{ev.id}/participants", json=two)
    assert status == 409 and body["error"]["code"] == "too_many_participants", body
    assert body["error"]["limit"] == 5 and "max_participants" in body["error"]["message"]
    status, people = await server.api("GET", f"/api/events/{ev.id}/participants")
    assert len(people) == 4  # nothing of the batch was stored
    status, _ = await server.api("POST", f"/api/events/{ev.id}/participants", json=two[:1])
    assert status == 201


async def test_healthz(server: Running) -> None:
    ev = await server.event()

    async def health() -> Any:
        status, body = await server.api("GET", "/healthz?detail")
        assert status == 200, body
        return body if body["leases"] else None  # the lease is taken just after the creation

    body = await eventually(health)
    assert body["ok"] is True and body["degraded"] is False
    assert isinstance(body["process"], str) and isinstance(body["pid"], int)
    assert body["leases"] == [ev.id]  # one process: it runs every event
    # anyone may ask whether the process is well, and learns nothing else (reproduced on main:
    # the open answer listed every live event's id)
    async with server.http.get(f"{server.url}/healthz") as r:
        assert r.status == 200 and await r.json() == {"ok": True, "degraded": False}
    async with server.http.get(f"{server.url}/healthz?detail") as r:
        assert r.status == 401


async def test_metrics(server: Running) -> None:
    g = await gather(server, started=False)
    assert (await g.host.call("open"))["ok"]
    async with server.http.get(f"{server.url}/metrics") as r:
        assert r.status == 401  # open on main
    status, text = await server.api("GET", "/metrics")
    assert status == 200
    assert "# TYPE speedmeet_sockets gauge" in text
    assert 'speedmeet_sockets{namespace="/participant"} 4.0' in text
    assert 'speedmeet_commands_total{event="open",namespace="/host",outcome="ok"} 1.0' in text
    assert "speedmeet_handler_seconds_bucket" in text


async def test_a_scraper_reads_the_metrics_with_its_own_token(start: Callable[..., Any]) -> None:
    server = await start(metrics_token="scrape-me")
    for token, want in (("scrape-me", 200), (ADMIN, 200), ("wrong", 401)):
        headers = {"Authorization": f"Bearer {token}"}
        async with server.http.get(f"{server.url}/metrics", headers=headers) as r:
            assert r.status == want, token
    async with server.http.get(f"{server.url}/healthz?detail", headers=headers) as r:
        assert r.status == 401  # the metrics token is not the admin's


@pytest.mark.parametrize("kind", ["wrong token", "host token", "other event"])
async def test_participant_page_with_a_wrong_link_is_404(server: Running, kind: str) -> None:
    ev = await server.event(PEOPLE[:1])
    other = await server.event(PEOPLE[1:2])
    path = {
        "wrong token": f"/e/{ev.id}/p/not-a-token",
        "host token": f"/e/{ev.id}/p/{ev.host_token}",
        "other event": f"/e/{ev.id}/p/{other.person(0)[1]}",
    }[kind]
    async with server.http.get(server.url + path) as r:
        assert r.status == 404
        assert r.content_type == "text/html"
        assert "not-a-token" not in await r.text()


async def test_participant_page_with_the_right_link(server: Running) -> None:
    ev = await server.event(PEOPLE[:1])
    _, token = ev.person(0)
    async with server.http.get(f"{server.url}/e/{ev.id}/p/{token}") as r:
        assert r.status == 200 and r.content_type == "text/html"
        assert PEOPLE[0]["name"] in await r.text()


async def test_the_self_test_page(server: Running) -> None:
    async with server.http.get(f"{server.url}/check") as r:
        assert r.status == 200 and r.content_type == "text/html"
