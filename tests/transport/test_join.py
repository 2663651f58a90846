"""The registration link: people sign themselves up and land on their personal page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.conftest import PEOPLE, Running


def _local(server: Running, url: str) -> str:
    """The link on the test server (links are built from the configured public address)."""
    return server.url + "/" + url.split("/", 3)[3]


async def _join(
    server: Running, url: str, form: dict[str, str], consent: bool = True
) -> tuple[int, str, str]:
    data = {**form, "consent": "yes"} if consent else form
    async with server.http.post(url, data=data, allow_redirects=False) as r:
        return r.status, r.headers.get("Location", ""), await r.text()


async def test_sign_up_lands_on_the_personal_page(server: Running) -> None:
    ev = await server.event()
    url = _local(server, ev.body["registration_url"])
    async with server.http.get(url) as r:
        assert r.status == 200
        page = await r.text()
    assert 'data-testid="join-form"' in page and "commune" in page
    form = {"name": "Ana Pereira", "organization": "Ville de Brest", "side": "commune"}
    status, location, _ = await _join(server, url, form)
    assert status == 303 and location.startswith(f"/e/{ev.id}/p/")
    async with server.http.get(server.url + location) as r:
        assert r.status == 200
        assert "Ana Pereira" in await r.text()
    _, people = await server.api("GET", f"/api/events/{ev.id}/participants")
    assert [(p["name"], p["side"]) for p in people] == [("Ana Pereira", "commune")]
    assert "join_url" not in people[0]  # her link was hers alone, when she signed up


async def test_a_bad_sign_up_says_what_to_fix_and_stores_nothing(server: Running) -> None:
    ev = await server.event()
    url = _local(server, ev.body["registration_url"])
    status, _, page = await _join(server, url, {"name": "Ana", "side": "mayor"})
    assert status == 400
    assert 'data-testid="join-error"' in page and "Ana" in page  # the form keeps what was typed
    status, _, page = await _join(server, url, {"name": "", "side": "commune"})
    assert status == 400
    _, people = await server.api("GET", f"/api/events/{ev.id}/participants")
    assert people == []


async def test_a_wrong_registration_link_is_refused(server: Running) -> None:
    ev = await server.event()
    async with server.http.get(f"{server.url}/e/{ev.id}/join/not-the-token") as r:
        assert r.status == 404
    status, _, _ = await _join(
        server, f"{server.url}/e/{ev.id}/join/not-the-token", {"name": "Eve", "side": "commune"}
    )
    assert status == 404
    _, people = await server.api("GET", f"/api/events/{ev.id}/participants")
    assert people == []


async def test_sign_up_closes_when_the_event_ends(server: Running) -> None:
    ev = await server.event()
    host = await server.connect("/host", ev.host_token)
    assert (await host.call("end"))["ok"]
    status, _, page = await _join(
        server, _local(server, ev.body["registration_url"]), {"name": "Late", "side": "commune"}
    )
    assert status == 409 and 'data-testid="join-closed"' in page


async def test_a_full_event_says_so_in_the_persons_language(start: Callable[..., Any]) -> None:
    server = await start(max_participants=4)
    ev = await server.event(PEOPLE)
    url = _local(server, ev.body["registration_url"]) + "?lang=fr"
    status, _, page = await _join(server, url, {"name": "Ana", "side": "commune"})
    assert status == 409 and "Cet événement est complet" in page
    _, people = await server.api("GET", f"/api/events/{ev.id}/participants")
    assert len(people) == 4


async def test_sign_up_needs_consent_to_the_data_policy(start: Callable[..., Any]) -> None:
    server = await start(data_policy="We keep your name for this event only.")
    ev = await server.event()
    url = _local(server, ev.body["registration_url"])
    async with server.http.get(url) as r:
        page = await r.text()
    assert "We keep your name for this event only." in page and 'data-testid="join-consent"' in page
    form = {"name": "Ana", "side": "commune"}
    status, _, page = await _join(server, url + "?lang=fr", form, consent=False)
    assert status == 400 and "cocher la case" in page
    _, people = await server.api("GET", f"/api/events/{ev.id}/participants")
    assert people == []
    # the event's own policy wins over the server's
    status, _ = await server.api(
        "PATCH", f"/api/events/{ev.id}", json={"signup": {"policy": "Our own policy."}}
    )
    assert status == 200
    async with server.http.get(url) as r:
        assert "Our own policy." in await r.text()
    status, _, _ = await _join(server, url + "?lang=fr", form)
    assert status == 303
    _, people = await server.api("GET", f"/api/events/{ev.id}/participants")
    assert people[0]["language"] == "fr"  # the language the person signed up in


async def test_sign_up_stops_at_the_cap(server: Running) -> None:
    ev = await server.event(PEOPLE[:2], signup={"cap": 3})
    url = _local(server, ev.body["registration_url"])
    status, _, _ = await _join(server, url, {"name": "Third", "side": "solution"})
    assert status == 303
    status, _, page = await _join(server, url, {"name": "Fourth", "side": "solution"})
    assert status == 409 and 'data-reason="full"' in page
    async with server.http.get(url) as r:
        assert 'data-reason="full"' in await r.text()
    _, people = await server.api("GET", f"/api/events/{ev.id}/participants")
    assert [p["name"] for p in people] == ["Claire Martin", "Hugo Bernard", "Third"]


async def test_sign_up_closes_at_its_closing_time(start: Callable[..., Any]) -> None:
    now = [1_800_000_000_000]
    server = await start(now=lambda: now[0])
    ev = await server.event(signup={"closes_at": now[0] + 60_000})
    url = _local(server, ev.body["registration_url"])
    status, _, _ = await _join(server, url, {"name": "On time", "side": "commune"})
    assert status == 303
    now[0] += 60_000
    status, _, page = await _join(server, url, {"name": "Late", "side": "commune"})
    assert status == 409 and 'data-reason="late"' in page
    # the organiser closes the link, or reopens it later
    assert (
        await server.api(
            "PATCH", f"/api/events/{ev.id}", json={"signup": {"closes_at": None, "open": False}}
        )
    )[0] == 200
    status, _, page = await _join(server, url, {"name": "Late", "side": "commune"})
    assert status == 409 and 'data-reason="closed"' in page
    assert (await server.api("PATCH", f"/api/events/{ev.id}", json={"signup": {"open": True}}))[
        0
    ] == 200
    status, _, _ = await _join(server, url, {"name": "Late", "side": "commune"})
    assert status == 303


async def test_an_email_registered_already_is_not_taken_over(server: Running) -> None:
    ev = await server.event(PEOPLE[:1])
    url = _local(server, ev.body["registration_url"])
    form = {"name": "Impostor", "side": "commune", "email": "CLAIRE@lyon.example"}
    status, _, page = await _join(server, url, form)
    assert status == 409 and "registered already" in page
    _, people = await server.api("GET", f"/api/events/{ev.id}/participants")
    assert [p["name"] for p in people] == ["Claire Martin"]


async def test_sign_ups_go_on_after_someone_is_removed(server: Running) -> None:
    """Registration takes the next id whatever the path: removing someone before the start
    once made every later sign-up refused ("Participant id 'p3' already exists")."""
    ev = await server.event(PEOPLE[:3])
    status, _ = await server.api("DELETE", f"/api/events/{ev.id}/participants/{ev.people[0]['id']}")
    assert status == 204
    url = _local(server, ev.body["registration_url"])
    for name in ("Ana Pereira", "Marc Dupuis"):
        status, _, page = await _join(server, url, {"name": name, "side": "commune"})
        assert status == 303, page
    _, people = await server.api("GET", f"/api/events/{ev.id}/participants")
    assert sorted(p["id"] for p in people) == ["p2", "p3", "p4", "p5"]
    assert [p["name"] for p in people][-2:] == ["Ana Pereira", "Marc Dupuis"]
