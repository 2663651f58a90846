"""A link is never replaced by a mailing (issue 17, item 3): a reminder that fails leaves the
person's link working (and is shown as failed), an invitation sent twice carries the same link,
the organiser's "new link" still replaces one; on both stores."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from tests.conftest import Running
from tests.mailbox import Inbox, inbox
from tests.procs import eventually
from tests.transport.test_mail import TEAM, link_in, smtp, status, text_of
from tests.transport.test_texts_in import ANA, STORES, path_of, sign_up

__all__ = ["inbox"]  # the fixture


async def opens(server: Running, url: str) -> int:
    async with server.http.get(server.url + path_of(url)) as r:
        return r.status


async def mail_of(server: Running, event_id: str, name: str) -> dict[str, Any] | None:
    people = (await status(server, event_id))["people"]
    return next(p["mail"] for p in people if p["name"] == name)  # type: ignore[no-any-return]


@STORES
async def test_a_refused_reminder_leaves_the_link_working(
    start: Callable[..., Any], inbox: tuple[Inbox, int], redis: bool
) -> None:
    box, port = inbox
    box.refuse.add(ANA)
    server = await start(redis=redis, **smtp(port))
    ev = await server.event(TEAM[:2])
    code, where = await sign_up(server, ev.body["registration_url"], name="Ana Pereira", email=ANA)
    assert code == 303, where
    ana = where.split("?")[0]  # her only link: she signed herself up
    now = int(time.time() * 1000)
    # the reminder is due at once (an hour before a start in half an hour)
    patch = {"starts_at": now + 30 * 60_000, "reminder_minutes": 60}
    assert (await server.api("PATCH", f"/api/events/{ev.id}", json=patch))[0] == 200
    await box.wait(2)
    await eventually(lambda: _failed(server, ev.id), timeout=15)
    mail = await mail_of(server, ev.id, "Ana Pereira")
    assert mail is not None and (mail["kind"], mail["status"], mail["code"]) == (
        "reminder", "failed", "refused",
    )  # fmt: skip
    assert await opens(server, ana) == 200  # on main: 404, her link was replaced and lost
    # the others' reminders carry the links they were given at import, still working
    lea = link_in(text_of(box.to("lea@mobilis.example")[0])[0])
    assert path_of(lea) == path_of(ev.people[1]["join_url"])
    assert await opens(server, ev.people[1]["join_url"]) == 200


async def _failed(server: Running, event_id: str) -> bool:
    return (await status(server, event_id))["counts"]["failed"] == 1


@STORES
async def test_an_invitation_sent_twice_carries_the_same_link(
    start: Callable[..., Any], inbox: tuple[Inbox, int], redis: bool
) -> None:
    box, port = inbox
    server = await start(redis=redis, **smtp(port))
    ev = await server.event(TEAM)
    lea_id, given = ev.people[1]["id"], ev.people[1]["join_url"]
    assert (await server.api("POST", f"/api/events/{ev.id}/invitations", json={}))[0] == 202
    await box.wait(2)
    again = {"to": [lea_id], "again": True}
    assert (await server.api("POST", f"/api/events/{ev.id}/invitations", json=again))[0] == 202
    await box.wait(3)
    first, second = (link_in(text_of(m)[0]) for m in box.to("lea@mobilis.example"))
    assert path_of(first) == path_of(second) == path_of(given)  # on main: three links
    assert await opens(server, given) == 200
    # the organiser's "new link" replaces it: the old one stops working, e-mails carry the new
    code, made = await server.api("POST", f"/api/events/{ev.id}/links", json={"who": lea_id})
    assert code == 201, made
    assert await opens(server, given) == 404 and await opens(server, made["url"]) == 200
    assert (await server.api("POST", f"/api/events/{ev.id}/invitations", json=again))[0] == 202
    await box.wait(4)
    third = link_in(text_of(box.to("lea@mobilis.example")[-1])[0])
    assert path_of(third) == path_of(made["url"])
