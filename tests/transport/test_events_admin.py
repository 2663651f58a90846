"""The organiser's changes to an event through the API: settings edited before the start (the
sign-up rules until the end), events deleted with everything they hold."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import PEOPLE, Running, stop


async def test_edit_before_the_start(server: Running) -> None:
    ev = await server.event(PEOPLE, starts_at=1_900_000_000_000)
    assert ev.body["starts_at"] == 1_900_000_000_000 and ev.body["reminder_minutes"] == 1440
    assert ev.body["signup"] == {"open": True, "cap": None, "closes_at": None, "policy": ""}
    change: dict[str, Any] = {
        "title": "Renamed", "rounds": 5, "round_seconds": 240, "starts_at": 1_900_000_600_000,
        "matching": {"odd": "wait"}, "signup": {"cap": 40},
    }  # fmt: skip
    status, body = await server.api("PATCH", f"/api/events/{ev.id}", json=change)
    assert status == 200, body
    assert (body["title"], body["rounds"], body["clock"]["rounds"], body["round_seconds"]) == (
        "Renamed", 5, 5, 240,
    )  # fmt: skip
    assert (body["odd"], body["sides"], body["signup"]["cap"]) == (
        "wait",
        ["commune", "solution"],
        40,
    )
    status, body = await server.api("GET", f"/api/events/{ev.id}")
    assert body["starts_at"] == 1_900_000_600_000
    # sides that would leave registered people on none are refused
    status, body = await server.api(
        "PATCH", f"/api/events/{ev.id}", json={"matching": {"sides": ["mayor", "company"]}}
    )
    assert (
        status == 409 and body["error"]["code"] == "sides_in_use" and body["error"]["people"] == 4
    )
    status, body = await server.api("PATCH", f"/api/events/{ev.id}", json={"rounds": 0})
    assert status == 400 and body["error"]["field"] == "rounds"
    status, body = await server.api("PATCH", f"/api/events/{ev.id}", json={"colour": "red"})
    assert status == 400 and body["error"]["code"] == "bad_request"


async def test_after_the_start_only_the_title_and_sign_up_change(server: Running) -> None:
    ev = await server.event(PEOPLE)
    host = await server.connect("/host", ev.host_token)
    assert (await host.call("start"))["ok"]
    status, body = await server.api("PATCH", f"/api/events/{ev.id}", json={"rounds": 9})
    assert (
        status == 409
        and body["error"]["code"] == "started"
        and body["error"]["fields"] == ["rounds"]
    )
    status, body = await server.api(
        "PATCH", f"/api/events/{ev.id}", json={"title": "Live", "signup": {"open": False}}
    )
    assert status == 200 and body["title"] == "Live" and body["signup"]["open"] is False


async def test_delete_an_event(server: Running) -> None:
    ev = await server.event(PEOPLE)
    _, token = ev.person(0)
    me = await server.connect("/participant", token)
    status, body = await server.api("DELETE", f"/api/events/{ev.id}")
    assert status == 204, body
    await me.wait_for("revoked")  # open pages are told, and closed
    status, body = await server.api("GET", f"/api/events/{ev.id}")
    assert status == 404
    async with server.http.get(f"{server.url}/e/{ev.id}/p/{token}") as r:
        assert r.status == 404
    status, events = await server.api("GET", "/api/events")
    assert ev.id not in [e["id"] for e in events]


async def test_a_running_event_is_not_deleted(server: Running) -> None:
    ev = await server.event(PEOPLE)
    host = await server.connect("/host", ev.host_token)
    assert (await host.call("start"))["ok"]
    status, body = await server.api("DELETE", f"/api/events/{ev.id}")
    assert status == 409 and body["error"]["code"] == "running"
    assert (await host.call("end"))["ok"]
    status, _ = await server.api("DELETE", f"/api/events/{ev.id}")
    assert status == 204


async def test_server_info(server: Running) -> None:
    status, body = await server.api("GET", "/api/info")
    assert status == 200 and body["mail"] is False and body["max_participants"] == 3000


async def test_the_organisers_page_holds_no_secret(server: Running) -> None:
    async with server.http.get(server.url + "/admin?lang=fr") as r:
        assert r.status == 200
        page = await r.text()
        assert r.headers["Referrer-Policy"] == "no-referrer"
        assert "script-src 'self'" in r.headers["Content-Security-Policy"]
        assert "Set-Cookie" not in r.headers
    assert 'src="/static/js/admin.js"' in page and "Se connecter" in page
    assert "test-admin-token" not in page


async def test_a_participants_page_opens_in_their_language(server: Running) -> None:
    people = [
        {"name": "Claire", "side": "commune", "language": "fr"},
        {"name": "Léa", "side": "solution"},
    ]
    ev = await server.event(people, language="en")
    for i, lang in ((0, "fr"), (1, "en")):
        _, token = ev.person(i)
        async with server.http.get(f"{server.url}/e/{ev.id}/p/{token}") as r:
            assert f'<html lang="{lang}">' in await r.text()
    _, token = ev.person(0)
    async with server.http.get(f"{server.url}/e/{ev.id}/p/{token}?lang=en") as r:
        assert '<html lang="en">' in await r.text()  # ?lang= still chooses


@pytest.mark.parametrize("redis", [False, True], ids=["embedded", "redis"])
async def test_a_server_stops_while_a_deleted_events_client_leaves(
    start: Callable[..., Any], redis: bool
) -> None:
    """Deleting an event closes its links' sockets; a shutdown at that moment used to wait
    forever for a socket whose writer was gone (engine.io's ``disconnect`` drains queues)."""
    for _ in range(25):  # it hung once in every few tries
        r = await start(board_interval_ms=20, redis=redis)
        ev = await r.event(PEOPLE)
        host = await r.connect("/host", ev.host_token)
        assert (await host.call("start"))["ok"] and (await host.call("end"))["ok"]
        status, _ = await r.api("DELETE", f"/api/events/{ev.id}")
        assert status == 204
        async with asyncio.timeout(20):  # a guard against hanging, not a measure
            await stop(r)
