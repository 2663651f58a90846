"""Texts as people give them (issue 17, items 3 and 10): one address rule for the sign-up form and
the API, names and titles without control characters, so that every file opens and every e-mail
goes."""

from __future__ import annotations

import html
import io
from collections.abc import Callable
from typing import Any

import openpyxl
import pytest

from tests.conftest import ADMIN, Running
from tests.mailbox import Inbox, inbox
from tests.transport.test_mail import TEAM, smtp

__all__ = ["inbox"]  # the fixture

STORES = pytest.mark.parametrize("redis", [False, True], ids=["embedded", "redis"])
ANA = "ana.pereira@brest.example"


def path_of(url: str) -> str:
    """A link's path (e-mails carry the configured public address, not the test server's)."""
    return url if url.startswith("/") else "/" + url.split("/", 3)[3]


async def sign_up(server: Running, registration_url: str, lang: str = "en", **form: str) -> Any:
    """Send the sign-up form; ``(status, page or where it sends the person)``."""
    data = {"side": "commune", "consent": "yes", **form}
    url = f"{server.url}{path_of(registration_url)}?lang={lang}"
    async with server.http.post(url, data=data, allow_redirects=False) as r:
        return r.status, r.headers.get("Location") or await r.text()


async def test_the_sign_up_form_takes_one_address_and_a_clean_name(
    start: Callable[..., Any],
) -> None:
    server = await start()
    ev = await server.event()
    for address in ("me@example.org,", "a@x.org, b@y.org", "a@x.org;b@y.org"):
        row = {"name": "Ana", "side": "commune", "email": address}
        code, plan = await server.api(
            "POST", f"/api/events/{ev.id}/participants?dry_run=1", json=[row]
        )
        (problem,) = plan["problems"]
        assert problem["code"] == "bad_email", plan
        api_said = problem["message"].split(": ", 1)[1]  # after "row 1, field 'email'"
        for lang, said in (("en", api_said), ("fr", "n’est pas une adresse e-mail\u202f:")):
            code, page = await sign_up(
                server, ev.body["registration_url"], lang, name="Ana", email=address
            )
            assert code == 400, (address, page)  # on main: 303, signed up
            assert said in html.unescape(page), (lang, page)
    code, where = await sign_up(
        server, ev.body["registration_url"], name="Ana\r\nPereira\x00\t", email=ANA
    )
    assert code == 303, where
    _, people = await server.api("GET", f"/api/events/{ev.id}/participants")
    assert [p["name"] for p in people] == ["Ana Pereira"]  # on main: "Ana\r\nPereira\x00"


@STORES
async def test_a_title_with_control_characters_is_kept_clean(
    start: Callable[..., Any], inbox: tuple[Inbox, int], redis: bool
) -> None:
    box, port = inbox
    server = await start(redis=redis, **smtp(port))
    ev = await server.event(TEAM[1:2], title="Maires\x01 et\r\ninnovateurs", language="en")
    code, body = await server.api("GET", f"/api/events/{ev.id}")
    assert code == 200 and body["title"] == "Maires et innovateurs"
    async with server.http.get(
        f"{server.url}/api/events/{ev.id}/meetings.xlsx",
        headers={"Authorization": f"Bearer {ADMIN}"},
    ) as r:
        assert r.status == 200
        book = openpyxl.load_workbook(io.BytesIO(await r.read()))  # on main: it does not open
    assert book.properties.title is not None and "\x01" not in book.properties.title
    code, body = await server.api("PATCH", f"/api/events/{ev.id}", json={"title": "New\r\nday"})
    assert code == 200 and body["title"] == "New day"
    assert (await server.api("POST", f"/api/events/{ev.id}/invitations", json={}))[0] == 202
    (mail,) = await box.wait(1)  # on main: every e-mail of the event failed
    assert mail["Subject"] == "Your personal link for “New day”"
