"""Summary e-mails after the event, to a local SMTP server the test starts: once per person
after the end, in their language, with a vCard of mutual contacts only; a one-sided wish to
follow up in no message and no attachment; sent again by the organiser; after a restart;
without SMTP, a clear refusal."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from email.message import EmailMessage
from typing import Any

from server.assets import strings
from tests.conftest import PEOPLE, Running, stop
from tests.mailbox import Inbox, inbox
from tests.procs import eventually
from tests.transport.gathering import Gathering, gather
from tests.transport.test_mail import link_in, page, smtp, text_of

__all__ = ["inbox"]  # the fixture

# Claire reads French; the others the event's English
FOLKS = [{**PEOPLE[0], "language": "fr"}, *PEOPLE[1:]]


def vcards(m: EmailMessage) -> list[str]:
    out = []
    for part in m.iter_attachments():
        assert part.get_content_type() == "text/vcard" and part.get_filename() == "contacts.vcf"
        content = part.get_content()
        out.append(content if isinstance(content, str) else content.decode())
    return out


def everything(m: EmailMessage) -> str:
    """Every part of a message but its headers: its text, its HTML, its attachments."""
    return " ".join([*text_of(m), *vcards(m)])


async def rate(g: Gathering) -> tuple[str, str, str, str]:
    """After round 1: a wants to follow up with b, b not; c and d both want to."""
    a = next(iter(g.people))
    b, c = g.partner(a), g.stranger(a)
    d = g.partner(c)
    await g.end_round()
    said = [
        (a, {"rating": 5, "follow_up": True, "reasons": ["purchase"], "note": "wants to buy"}),
        (b, {"rating": 2, "follow_up": False, "note": "not for us"}),
        (c, {"rating": 4, "follow_up": True, "reasons": ["demonstration"]}),
        (d, {"rating": 3, "follow_up": True, "reasons": ["experiment"], "note": "très bien"}),
    ]
    for pid, body in said:
        ack = await g.people[pid].call("feedback", {"room": g.room(pid), **body})
        assert ack["ok"], ack
    return a, b, c, d


async def summary_status(server: Running, event_id: str) -> dict[str, Any]:
    code, body = await server.api("GET", f"/api/events/{event_id}/summaries")
    assert code == 200, body
    return body  # type: ignore[no-any-return]


async def test_each_person_gets_their_summary_once_after_the_end(
    start: Callable[..., Any], inbox: tuple[Inbox, int]
) -> None:
    box, port = inbox
    server = await start(**smtp(port), summary_mail_minutes=0)
    g = await gather(server, FOLKS, language="en")
    a, b, c, d = await rate(g)
    email = {p["id"]: p["email"] for p in g.ev.people}
    name = {p["id"]: p["name"] for p in g.ev.people}
    code, body = await server.api("POST", f"/api/events/{g.ev.id}/summaries", json={})
    assert code == 409 and body["error"]["code"] == "not_ended"  # not before the end
    assert (await g.host.call("end"))["ok"]
    await box.wait(4)
    mine = {pid: box.to(email[pid]) for pid in g.people}
    assert all(len(m) == 1 for m in mine.values()), {k: len(v) for k, v in mine.items()}
    mutual = {c: d, d: c}
    for pid, (message,) in mine.items():
        text, html = text_of(message)
        french = email[pid] == FOLKS[0]["email"]
        assert message["Subject"] == (
            "Vos rendez-vous à «\u202fTest event\u202f»"
            if french
            else "Your meetings at “Test event”"
        )
        assert ("Tour 1" if french else "Round 1") in text
        partner = g.partner(pid)
        assert name[partner] in text and name[partner] in html  # everyone met, by name
        # the contacts of mutual follow-ups only; a one-sided wish nowhere, not even its reason
        for other, address in email.items():
            if other == pid:
                continue
            if mutual.get(pid) == other:
                assert address in text and address in html
            else:
                assert address not in everything(message), f"{address} in {pid}'s summary"
        cards = vcards(message)
        if pid in mutual:
            # follow-ups can be arranged from the summary link
            assert strings("fr" if french else "en")["mail_summary_followups"] in text
            (card,) = cards
            assert card.count("BEGIN:VCARD") == 1
            assert f"EMAIL;TYPE=INTERNET:{email[mutual[pid]]}" in card
        else:
            assert cards == []
            assert "purchase" not in everything(message).lower() or pid == a
        # the link opens the summary alone; the person's own link still works
        url = link_in(text)
        assert url.endswith("/summary?lang=" + ("fr" if french else "en")) and url in html
        assert await page(server, url) == 200
        assert await page(server, url.rsplit("/summary", 1)[0]) == 404
        assert await page(server, f"{server.url}/e/{g.ev.id}/p/{g.tokens[pid]}/summary") == 200
    # their own notes, to themselves only
    assert "wants to buy" in text_of(mine[a][0])[0]
    assert all("wants to buy" not in everything(mine[p][0]) for p in (b, c, d))
    assert "Votre note" in text_of(mine[d][0])[0] or "très bien" in text_of(mine[d][0])[0]
    await eventually(lambda: _sent(server, g.ev.id, 4))
    # the organiser sends one again: a new summary link, the old one stops working
    old = link_in(text_of(mine[c][0])[0])
    code, body = await server.api("POST", f"/api/events/{g.ev.id}/summaries", json={"to": [c]})
    assert code == 202 and body["queued"] == [c] and body["skipped"] == []
    await box.wait(5)
    assert len(box.messages) == 5 and len(box.to(email[c])) == 2
    assert await page(server, old) == 404
    assert await page(server, link_in(text_of(box.to(email[c])[1])[0])) == 200


async def _sent(server: Running, event_id: str, count: int) -> bool:
    status = await summary_status(server, event_id)
    return bool(status["sent"]) and status["counts"]["sent"] == count


async def test_summaries_missed_before_a_restart_are_sent_after_it(
    start: Callable[..., Any], inbox: tuple[Inbox, int]
) -> None:
    box, port = inbox
    first = await start(**smtp(port), summary_mail=False)  # as if it died before sending
    g = await gather(first, FOLKS, language="en")
    await rate(g)
    assert (await g.host.call("end"))["ok"]
    assert (await summary_status(first, g.ev.id))["automatic"] is False
    await stop(first)
    again = await start(**smtp(port), summary_mail_minutes=0)
    await box.wait(4)
    assert sorted(str(m["To"]) for m in box.messages) == sorted(
        f"{p['name']} <{p['email']}>" for p in FOLKS
    )
    await eventually(lambda: _sent(again, g.ev.id, 4))


async def test_summaries_queued_when_a_process_stops_are_sent_after_it_once(
    start: Callable[..., Any], inbox: tuple[Inbox, int]
) -> None:
    """The summaries were queued, then the process stopped before its mail server answered:
    on main they stayed "queued" for ever (the catch-up saw their batch and sent nothing).
    The next process sends them, each person's once, and a process after it none again."""
    box, port = inbox
    silent = await asyncio.get_running_loop().create_server(asyncio.Protocol, "127.0.0.1", 0)
    # a mail server that takes the call, then says nothing
    mute = silent.sockets[0].getsockname()[1]
    try:
        first = await start(**smtp(mute), summary_mail_minutes=0)
        g = await gather(first, FOLKS, language="en")
        await rate(g)
        assert (await g.host.call("end"))["ok"]
        await eventually(lambda: _queued(first, g.ev.id, 4))
        await stop(first)  # the e-mails never left
    finally:
        silent.close()
    again = await start(**smtp(port), summary_mail_minutes=0)
    await box.wait(4)
    await eventually(lambda: _sent(again, g.ev.id, 4))
    await stop(again)
    third = await start(**smtp(port), summary_mail_minutes=0)
    await eventually(lambda: _sent(third, g.ev.id, 4))
    assert sorted(str(m["To"]) for m in box.messages) == sorted(
        f"{p['name']} <{p['email']}>" for p in FOLKS
    )


async def _queued(server: Running, event_id: str, count: int) -> bool:
    status = await summary_status(server, event_id)
    return bool(status["counts"]["queued"] == count)


async def test_without_smtp_the_api_says_summaries_are_on_the_pages(server: Running) -> None:
    g = await gather(server)
    assert (await g.host.call("end"))["ok"]
    code, body = await server.api("POST", f"/api/events/{g.ev.id}/summaries", json={})
    assert code == 409 and body["error"]["code"] == "no_mail"
    assert "smtp_host" in body["error"]["message"] and "own page" in body["error"]["message"]
    status = await summary_status(server, g.ev.id)
    assert (status["mail"], status["automatic"], status["sent"]) == (False, False, False)
