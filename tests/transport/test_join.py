"""The registration link: people sign themselves up and land on their personal page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.conftest import PEOPLE, Running


def _local(server: Running, url: str) -> str:
    """The link on the test server (links are built from the configured public address)."""
    return server.url + "/" + url.split("/", 3)[3]


async def _join(server: Running, url: str, form: dict[str, str]) -> tuple[int, str, str]:
    async with server.http.post(url, data=form, allow_redirects=False) as r:
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
