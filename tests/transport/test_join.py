"""The registration link: people sign themselves up and land on their personal page."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from server.http.keys import Signups
from server.limits import RateLimited
from server.settings import Settings
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
    # said beside the side's list, which it describes, marked invalid and focused (issue 20.8)
    assert re.search(
        r'<select id="join-side" name="side" required aria-invalid="true" autofocus '
        r'aria-describedby="join-side-error">',
        page,
    ), page
    assert 'class="field-error" id="join-side-error"' in page
    assert 'role="alert"' not in page  # not above the form as well
    assert (
        '<label for="join-name">Your name<span class="required-mark" aria-hidden="true"> *</span>'
        in page
    )
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


async def test_the_link_closes_at_the_servers_limit_when_the_event_sets_no_places(
    start: Callable[..., Any],
) -> None:
    """Issue 17.12 (reproduced on main: with no places set, the link stayed open past the
    server's limit): max_participants is then the event's places."""
    server = await start(max_participants=3)
    ev = await server.event(PEOPLE[:2])
    url = _local(server, ev.body["registration_url"])
    status, _, _ = await _join(server, url, {"name": "Third", "side": "solution"})
    assert status == 303
    async with server.http.get(url + "?lang=fr") as r:
        page = await r.text()
    assert 'data-reason="full"' in page and "Cet événement est complet" in page
    status, _, page = await _join(server, url, {"name": "Fourth", "side": "solution"})
    assert status == 409 and 'data-reason="full"' in page


def test_with_the_default_limits_a_dozen_addresses_leave_room_for_everyone() -> None:
    """Issue 17.12 (reproduced on main: 12 addresses used the whole 120 sign-ups a minute and
    crowded out real ones). Ten minutes of the default limits, on a clock moved by hand: 12
    addresses each try 100 sign-ups a minute; another person still gets in every minute, and
    the 12 take a small share of what the event could take."""
    settings = Settings()
    now = [0.0]
    signups = Signups.of(settings, lambda: now[0])
    taken, refused = 0, 0
    for _ in range(10):
        for address in range(12):
            for _ in range(100):
                try:
                    signups.admit(f"198.51.100.{address}", "ev")
                    taken += 1
                except RateLimited as exc:
                    assert exc.detail["scope"] == "address"
                    refused += 1
                    break
        try:
            signups.admit("203.0.113.7", "ev")  # someone else, this minute
        except RateLimited as exc:
            raise AssertionError(f"crowded out: {exc.message}") from exc
        now[0] += 60
    budget = 10 * settings.signups_per_minute
    assert taken <= budget / 3, (taken, budget)
    # a town hall's crowd: about twenty at once, then a few a minute
    assert settings.signups_per_address_burst >= 20 and refused == 120


async def test_an_address_over_its_bucket_is_refused_while_others_get_in(
    start: Callable[..., Any],
) -> None:
    """Behind a trusted proxy, each forwarded address has its bucket; one refused as an address
    is told so in its language, and uses none of the event's budget."""
    server = await start(
        trust_forwarded_for=True,
        signups_per_minute=5,
        signups_per_address_burst=2,
        signups_per_address_per_minute=1,
    )
    ev = await server.event()
    url = _local(server, ev.body["registration_url"])

    async def join_from(address: str, n: int, lang: str = "en") -> tuple[int, str]:
        form = {"name": f"Person {address} {n}", "side": "commune", "consent": "yes"}
        headers = {"X-Forwarded-For": f"{address}, 10.0.0.1"}
        async with server.http.post(
            f"{url}?lang={lang}", data=form, headers=headers, allow_redirects=False
        ) as r:
            return r.status, await r.text()

    assert [(await join_from("198.51.100.1", n))[0] for n in range(2)] == [303, 303]
    status, page = await join_from("198.51.100.1", 9)
    assert status == 429 and "signed up from your connection" in page
    for _ in range(2):  # refused as an address: the event's budget is not touched
        status, page = await join_from("198.51.100.1", 9, "fr")
        assert status == 429 and "depuis votre connexion" in page
    assert [(await join_from("198.51.100.2", n))[0] for n in range(2)] == [303, 303]
    assert (await join_from("198.51.100.3", 0))[0] == 303  # the fifth of the event's five
    status, page = await join_from("198.51.100.4", 0)
    assert status == 429 and "Many people are signing up right now" in page
    _, people = await server.api("GET", f"/api/events/{ev.id}/participants")
    assert len(people) == 5
