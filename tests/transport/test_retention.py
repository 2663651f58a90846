"""Retention over real connections: an organiser forgets an event's people (its links stop at
once, its figures stay, anonymised), and the retention rule does it by itself once
``retention_days`` after the end have passed."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from server.http.keys import PURGE
from tests.conftest import PEOPLE, Running
from tests.transport.gathering import Gathering, gather
from tests.transport.test_restart import FakeClock

DAY = 86_400_000
T = 1_800_000_000_000
SPEC = {"round_seconds": 300, "break_seconds": 60, "rounds": 1}


async def played(server: Running) -> Gathering:
    """One round played and rated (with a note), then the event ended."""
    g = await gather(server)
    await g.end_round()
    for pid in g.people:
        body = {"room": g.room(pid), "rating": 4, "follow_up": True, "note": f"note de {pid}"}
        assert (await g.people[pid].call("feedback", body))["ok"]
    assert (await g.host.call("end"))["ok"]
    return g


async def test_an_organiser_forgets_the_people_and_keeps_the_figures(server: Running) -> None:
    g = await played(server)
    ev = g.ev
    _, before = await server.api("GET", f"/api/events/{ev.id}/report")
    # not while it runs: a second event, started
    other = await gather(server, started=True)
    status, body = await server.api("POST", f"/api/events/{other.ev.id}/forget")
    assert status == 409 and body["error"]["code"] == "running", body

    status, kept = await server.api("POST", f"/api/events/{ev.id}/forget")
    assert status == 200, kept
    # every open page of the event is told its link is gone
    for client in g.people.values():
        await client.wait_for("revoked")
    # the figures are kept, with nothing of any person
    status, report = await server.api("GET", f"/api/events/{ev.id}/report")
    assert status == 200 and report == kept
    assert report["totals"] == before["totals"] and report["by_round"] == before["by_round"]
    assert report["by_participant"] == [] and report["forgotten_at"] > 0
    assert report["event"]["ended_at"] is not None
    text = json.dumps(report, ensure_ascii=False)
    for p in PEOPLE:
        for value in (p["name"], p["email"], p["organization"]):
            assert value not in text, value
    assert "note de" not in text
    # the event and its links are gone: the API, the host link, a participant's link
    assert (await server.api("GET", f"/api/events/{ev.id}"))[0] == 404
    assert (await server.api("GET", f"/api/events/{ev.id}/participants"))[0] == 404
    pid = next(iter(g.tokens))
    for path in (f"/e/{ev.id}/host/{ev.host_token}/report", f"/e/{ev.id}/p/{g.tokens[pid]}"):
        async with server.http.get(server.url + path) as r:
            assert r.status == 404, path
    # the archive lists it; the running event is untouched
    status, archive = await server.api("GET", "/api/archive")
    assert status == 200 and [a["id"] for a in archive] == [ev.id], archive
    assert archive[0]["title"] == "Test event"
    # what the organiser's page lists of it: its date, its end, when it was forgotten
    assert archive[0]["starts_at"] == report["event"]["starts_at"]
    assert archive[0]["ended_at"] == report["event"]["ended_at"] is not None
    assert archive[0]["forgotten_at"] == report["forgotten_at"]
    assert (await server.api("GET", f"/api/events/{other.ev.id}"))[0] == 200
    # forgetting it again, or an event that never was: 404
    assert (await server.api("POST", f"/api/events/{ev.id}/forget"))[0] == 404
    assert (await server.api("GET", "/api/events/nope/report"))[0] == 404


@pytest.fixture(params=["embedded", "redis"])
async def timed(
    request: pytest.FixtureRequest, start: Callable[..., Any]
) -> tuple[Running, FakeClock]:
    clock = FakeClock(T)
    server = await start(
        now=clock, board_interval_ms=20, retention_days=30, redis=request.param == "redis"
    )
    return server, clock


async def test_the_retention_rule_forgets_an_event_30_days_after_its_end(
    timed: tuple[Running, FakeClock],
) -> None:
    server, clock = timed
    g = await played(server)
    _, body = await server.api("GET", f"/api/events/{g.ev.id}")
    assert body["forget_at"] == T + 30 * DAY, body
    # an event with no start time and no end is never due; one announced and never run is
    _, waiting = await server.api("POST", "/api/events", json={**SPEC, "title": "Later"})
    status, abandoned = await server.api(
        "POST", "/api/events", json={**SPEC, "title": "Abandoned", "starts_at": T}
    )
    assert status == 201, abandoned
    purge = server.server.app[PURGE]
    clock.ms = T + 30 * DAY - 1
    assert await purge.sweep() == []
    clock.ms = T + 30 * DAY
    assert sorted(await purge.sweep()) == sorted([g.ev.id, abandoned["id"]])
    assert (await server.api("GET", f"/api/events/{g.ev.id}"))[0] == 404
    assert (await server.api("GET", f"/api/events/{waiting['id']}"))[0] == 200
    _, archive = await server.api("GET", "/api/archive")
    assert {a["title"] for a in archive} == {"Test event", "Abandoned"}
    assert await purge.sweep() == []  # nothing left to do
