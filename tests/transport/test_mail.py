"""Invitations and reminders by e-mail, to a local SMTP server the test starts (aiosmtpd on a
free port): content in both languages, the link, the .ics, statuses when the server refuses an
address or is down; without SMTP, the CSV of links for a mail merge."""

from __future__ import annotations

import csv
import io
import socket
import time
from collections.abc import Callable
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from tests.conftest import Running
from tests.mailbox import Inbox, inbox
from tests.procs import eventually

__all__ = ["inbox"]  # the fixture

STARTS = 1_900_000_000_000  # 2030-03-17T17:46:40Z
TEAM = [
    {"name": "Claire Martin", "organisation": "Mairie de Lyon", "side": "commune",
     "email": "claire@lyon.example", "language": "fr"},
    {"name": "Léa Garnier", "organization": "Mobilis", "side": "solution",
     "email": "lea@mobilis.example"},
    {"name": "Hugo Bernard", "organization": "Ville de Nantes", "side": "commune"},
]  # fmt: skip


def smtp(port: int, **more: Any) -> dict[str, Any]:
    return {
        "smtp_host": "127.0.0.1", "smtp_port": port, "smtp_security": "none",
        "smtp_from": "Speedmeet <events@example.org>", "timezone": "Europe/Paris", **more,
    }  # fmt: skip


def text_of(m: EmailMessage) -> tuple[str, str]:
    plain = m.get_body(("plain",))
    html = m.get_body(("html",))
    assert plain is not None and html is not None
    return plain.get_content(), html.get_content()


def link_in(text: str) -> str:
    return next(w for w in text.split() if "/p/" in w)


def ics_of(m: EmailMessage) -> str:
    (part,) = [p for p in m.iter_attachments() if p.get_content_type() == "text/calendar"]
    assert part.get_filename() == "event.ics" and part.get_param("method") == "PUBLISH"
    content = part.get_content()
    return content if isinstance(content, str) else content.decode()


async def status(server: Running, event_id: str) -> dict[str, Any]:
    code, body = await server.api("GET", f"/api/events/{event_id}/invitations")
    assert code == 200
    return body  # type: ignore[no-any-return]


async def page(server: Running, url: str) -> int:
    async with server.http.get(server.url + "/" + url.split("/", 3)[3]) as r:
        return r.status


async def test_invitations_in_each_persons_language(
    start: Callable[..., Any], inbox: tuple[Inbox, int]
) -> None:
    box, port = inbox
    server = await start(**smtp(port))
    ev = await server.event(TEAM, starts_at=STARTS, language="en")
    code, body = await server.api("POST", f"/api/events/{ev.id}/invitations", json={})
    assert code == 202, body
    assert len(body["queued"]) == 2
    assert body["skipped"] == [{"id": ev.people[2]["id"], "reason": "no_email"}]  # Hugo
    await box.wait(2)
    (claire,) = box.to("claire@lyon.example")
    (lea,) = box.to("lea@mobilis.example")
    assert claire["Subject"] == "Votre lien personnel pour «\u202fTest event\u202f»"
    assert lea["Subject"] == "Your personal link for “Test event”"
    assert claire["From"] == "Speedmeet <events@example.org>"
    text, html = text_of(claire)
    assert (
        "Bonjour Claire Martin," in text
        and "Début\u202f: dimanche 17 mars 2030 à 18:46 (Europe/Paris)" in text
    )
    url = link_in(text)
    assert url.startswith(f"http://127.0.0.1:8080/e/{ev.id}/p/") and url in html
    assert "Ouvrir ma page" in html and "<script" not in html
    assert f"{url}/check?lang=fr" in text  # the self-test starts only from the person's link
    text, _ = text_of(lea)
    assert "Hello Léa Garnier," in text and "Sunday 17 March 2030, 18:46 (Europe/Paris)" in text
    # the link of the e-mail is the one made at import: a mailing replaces no link
    assert await page(server, url) == 200
    assert url == ev.people[0]["join_url"]
    cal = ics_of(claire)
    assert "DTSTART:20300317T174640Z" in cal and "DTEND:20300317T180340Z" in cal
    assert f"UID:{ev.id}@speedmeet" in cal and "SUMMARY:Test event" in cal
    assert "/p/" not in cal  # calendars are shared: the secret link stays in the e-mail
    await eventually(lambda: _counted(server, ev.id, sent=2))
    report = await status(server, ev.id)
    assert report["counts"] == {
        "queued": 0, "sent": 2, "failed": 0, "downloaded": 0, "none": 0, "no_email": 1,
    }  # fmt: skip
    _, people = await server.api("GET", f"/api/events/{ev.id}/participants")
    assert [p["mail"] and p["mail"]["status"] for p in people] == ["sent", "sent", None]
    # once sent, "send invitations" again sends nothing; a resend to one person does
    code, body = await server.api("POST", f"/api/events/{ev.id}/invitations", json={})
    assert code == 202 and body["queued"] == []
    pid = ev.people[1]["id"]
    code, body = await server.api(
        "POST", f"/api/events/{ev.id}/invitations", json={"to": [pid, ev.people[2]["id"]]}
    )
    assert (
        code == 202
        and body["queued"] == [pid]
        and body["skipped"] == [{"id": ev.people[2]["id"], "reason": "no_email"}]
    )
    await box.wait(3)
    resent = link_in(text_of(box.to("lea@mobilis.example")[-1])[0])
    assert resent == link_in(text) and await page(server, resent) == 200  # the same link


async def _counted(server: Running, event_id: str, **want: int) -> bool:
    counts = (await status(server, event_id))["counts"]
    return all(counts[k] == v for k, v in want.items())


def stored_in(folder: Path, needle: bytes) -> bool:
    """Whether the data files (and their write-ahead logs) hold ``needle`` in clear."""
    return any(needle in f.read_bytes() for f in folder.rglob("*.sqlite3*"))


async def test_a_refused_address_fails_with_the_servers_reason(
    start: Callable[..., Any], inbox: tuple[Inbox, int], tmp_path: Path
) -> None:
    box, port = inbox
    box.refuse.add("lea@mobilis.example")
    server = await start(**smtp(port))
    ev = await server.event(TEAM)
    assert (await server.api("POST", f"/api/events/{ev.id}/invitations", json={}))[0] == 202
    await eventually(lambda: _counted(server, ev.id, sent=1, failed=1))
    (lea,) = [p for p in (await status(server, ev.id))["people"] if p["name"] == "Léa Garnier"]
    assert lea["mail"]["code"] == "refused" and "550" in lea["mail"]["reason"]
    # the mail server quoted the address; it is not kept in clear (reproduced on main)
    assert "lea@mobilis" not in lea["mail"]["reason"], lea["mail"]
    assert "Recipient address rejected" in lea["mail"]["reason"]
    assert not stored_in(tmp_path, b"lea@mobilis")
    assert "ics" not in str(
        [p.get_content_type() for p in box.messages[0].iter_attachments()]
    )  # no start time: no .ics
    # a failed one is sent again by the next "send invitations"
    box.refuse.clear()
    code, body = await server.api("POST", f"/api/events/{ev.id}/invitations", json={})
    assert code == 202 and body["queued"] == [lea["id"]]
    await eventually(lambda: _counted(server, ev.id, sent=2, failed=0))


async def test_a_mail_server_that_is_down(start: Callable[..., Any]) -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = await start(**smtp(port, smtp_timeout_seconds=5))
    ev = await server.event(TEAM)
    assert (await server.api("POST", f"/api/events/{ev.id}/invitations", json={}))[0] == 202
    await eventually(lambda: _counted(server, ev.id, failed=2), timeout=20)
    codes = {p["mail"]["code"] for p in (await status(server, ev.id))["people"] if p["mail"]}
    assert codes == {"unreachable"}


async def test_without_smtp_a_csv_of_links_for_a_mail_merge(server: Running) -> None:
    ev = await server.event(TEAM)
    code, body = await server.api("POST", f"/api/events/{ev.id}/invitations", json={})
    assert code == 409 and body["error"]["code"] == "no_mail"
    code, text = await server.api("POST", f"/api/events/{ev.id}/links.csv?sep=semicolon", json={})
    assert code == 200 and text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert [(r["name"], r["language"]) for r in rows] == [
        ("Claire Martin", "fr"), ("Léa Garnier", "en"), ("Hugo Bernard", "en"),
    ]  # fmt: skip
    for row, old in zip(rows, ev.people, strict=True):
        assert await page(server, row["link"]) == 200
        assert await page(server, old["join_url"]) == 404  # new links for everyone: said so


async def test_a_reminder_before_the_start_is_sent_once(
    start: Callable[..., Any], inbox: tuple[Inbox, int]
) -> None:
    box, port = inbox
    server = await start(**smtp(port))
    now = int(time.time() * 1000)
    # due half an hour ago (an hour before a start in half an hour): sent at once
    ev = await server.event(TEAM, starts_at=now + 30 * 60_000, reminder_minutes=60)
    await box.wait(2)
    assert {m["Subject"] for m in box.messages} == {
        "Rappel\u202f: «\u202fTest event\u202f» commence bientôt", "Reminder: “Test event” starts soon",
    }  # fmt: skip
    url = link_in(text_of(box.to("lea@mobilis.example")[0])[0])
    assert await page(server, url) == 200
    # a change of the event arms the reminder again: it was sent for this start time already
    assert (await server.api("PATCH", f"/api/events/{ev.id}", json={"title": "Renamed"}))[0] == 200
    code, _ = await server.api(
        "POST", f"/api/events/{ev.id}/invitations", json={"to": [ev.people[0]["id"]]}
    )
    assert code == 202
    await box.wait(3)
    assert len(box.messages) == 3 and "Renamed" in box.messages[2]["Subject"]
    report = await status(server, ev.id)
    assert report["reminder"]["sent"] is True
    assert [b["kind"] for b in report["batches"]] == ["reminder", "invitation"]


async def test_two_processes_send_one_reminder(
    start: Callable[..., Any], inbox: tuple[Inbox, int]
) -> None:
    """On Redis only the process holding the event's lease sends it (its commit is fenced)."""
    box, port = inbox
    a = await start(redis=True, **smtp(port))
    b = await start(redis=True, **smtp(port))
    now = int(time.time() * 1000)
    ev = await a.event(TEAM, starts_at=now + 30 * 60_000, reminder_minutes=60)
    await box.wait(2)
    # both processes hear every change; one more e-mail, asked of the other process, comes after
    assert (await b.api("PATCH", f"/api/events/{ev.id}", json={"title": "Renamed"}))[0] == 200
    code, _ = await b.api(
        "POST", f"/api/events/{ev.id}/invitations", json={"to": [ev.people[1]["id"]]}
    )
    assert code == 202
    await box.wait(3)
    subjects = [m["Subject"] for m in box.messages]
    assert sum("Rappel" in s or "Reminder" in s for s in subjects) == 2, subjects
    assert [x["kind"] for x in (await status(b, ev.id))["batches"]] == ["reminder", "invitation"]
