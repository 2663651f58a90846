"""Files in the event's language, from every place they are downloaded (the API, the host link,
the report link, the links file, contacts): separator, headers, words, sheet names and one file
name scheme; ``?lang=`` to override, a 400 for a value nobody knows; and the report link, which
opens the results without replacing any link."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

import openpyxl

from server.results import dialects, exports
from tests.conftest import ADMIN, PEOPLE, Running
from tests.transport.gathering import gather
from tests.transport.test_restart import FakeClock

# the machine names programs read; the column of follow-ups' times names its zone (UTC here)
ENGLISH = tuple(exports.header(dialects.ENGLISH))

DAY = 1_796_457_600_000  # 2026-12-05 08:00 UTC: 09:00 in Paris
TITLE = "Matinale AMIF : élus × solutions"
SLUG = "matinale-amif-elus-solutions-2026-12-05"


async def fetch(
    server: Running, path: str, admin: bool = True, method: str = "GET", **kw: Any
) -> tuple[int, bytes, dict[str, str]]:
    headers = {"Authorization": f"Bearer {ADMIN}"} if admin else {}
    async with server.http.request(method, server.url + path, headers=headers, **kw) as r:
        return r.status, await r.read(), dict(r.headers)


def read(body: bytes, sep: str) -> list[dict[str, str]]:
    assert body.startswith(b"\xef\xbb\xbf")
    text = body.decode("utf-8-sig")
    assert text.splitlines()[0].count(sep) >= 5, text.splitlines()[0]
    return list(csv.DictReader(io.StringIO(text), delimiter=sep))


async def ended(server: Running, language: str) -> Any:
    """A played and ended event of ``language`` on 5 December 2026, every meeting rated."""
    g = await gather(server, title=TITLE, language=language, starts_at=DAY)
    await g.end_round()
    for pid, client in g.people.items():
        body = {"room": g.room(pid), "rating": 4, "follow_up": True, "reasons": ["purchase"]}
        assert (await client.call("feedback", body))["ok"]
    assert (await g.host.call("end"))["ok"]
    return g


async def test_a_french_events_results_are_french_from_every_door(server: Running) -> None:
    g = await ended(server, "fr")
    ev = g.ev
    doors = [
        (f"/api/events/{ev.id}/meetings.csv", True),
        (f"/e/{ev.id}/host/{ev.host_token}/meetings.csv", False),
    ]
    for path, admin in doors:
        status, body, headers = await fetch(server, path, admin)
        assert status == 200, path
        assert headers["Content-Disposition"] == (
            f'attachment; filename="{SLUG}-rencontres.csv"'
        ), path
        rows = read(body, ";")
        assert list(rows[0])[:4] == ["Type", "Tour", "Salle", "Motif de la rencontre"]
        assert {r["Type"] for r in rows} == {"rencontre"}
        assert {r["A eu lieu"] for r in rows} == {"oui"}
        assert {r["Suite souhaitée des deux côtés"] for r in rows} == {"oui"}
        assert {r["Suites voulues par A"] for r in rows} == {"achat"}
    # the workbook: its sheet, its columns and its name in French
    status, body, headers = await fetch(server, f"/api/events/{ev.id}/meetings.xlsx")
    assert status == 200 and f'filename="{SLUG}-rencontres.xlsx"' in headers["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(body))
    assert book.sheetnames == ["rencontres"]
    assert next(book["rencontres"].iter_rows(values_only=True))[0] == "Type"
    # ?lang=en: exactly the machine names programs read, with commas
    status, body, headers = await fetch(server, f"/api/events/{ev.id}/meetings.csv?lang=en")
    assert status == 200 and f'filename="{SLUG}-meetings.csv"' in headers["Content-Disposition"]
    rows = read(body, ",")
    assert tuple(rows[0]) == ENGLISH
    assert {(r["kind"], r["took_place"], r["a_reasons"]) for r in rows} == {
        ("meeting", "yes", "purchase")
    }
    status, body, _ = await fetch(server, f"/e/{ev.id}/host/{ev.host_token}/meetings.xlsx?lang=en")
    assert openpyxl.load_workbook(io.BytesIO(body)).sheetnames == ["meetings"]


async def test_an_english_event_stays_english_and_a_bad_lang_is_refused(server: Running) -> None:
    g = await ended(server, "en")
    ev = g.ev
    status, body, headers = await fetch(server, f"/api/events/{ev.id}/meetings.csv")
    assert status == 200 and f'filename="{SLUG}-meetings.csv"' in headers["Content-Disposition"]
    assert tuple(read(body, ",")[0]) == ENGLISH
    status, body, _ = await fetch(server, f"/api/events/{ev.id}/meetings.csv?lang=fr")
    assert read(body, ";")[0]["Type"] == "rencontre"
    # ?sep= still sets the separator alone (the earlier versions' parameter)
    status, body, _ = await fetch(server, f"/api/events/{ev.id}/meetings.csv?sep=semicolon")
    assert tuple(read(body, ";")[0]) == ENGLISH
    for path, admin in [
        (f"/api/events/{ev.id}/meetings.csv?lang=de", True),
        (f"/api/events/{ev.id}/meetings.xlsx?lang=xx", True),
        (f"/e/{ev.id}/host/{ev.host_token}/meetings.csv?lang=de", False),
        (f"/api/events/{ev.id}/meetings.csv?sep=tab", True),
    ]:
        status, body, _ = await fetch(server, path, admin)
        assert status == 400, path
        assert b'"field":"lang"' in body or b'"field":"sep"' in body, body
        assert b"write lang=en or lang=fr" in body or b"write sep=comma" in body
    status, body, _ = await fetch(
        server, f"/api/events/{ev.id}/links.csv?lang=de", method="POST", json={}
    )
    assert status == 400 and b"lang=en or lang=fr" in body
    # a refused download replaced no link
    for person in ev.people:
        assert (await fetch(server, "/" + person["join_url"].split("/", 3)[3], False))[0] == 200


async def test_the_links_file_speaks_french_and_each_person_shows_it_was_handed_out(
    start: Callable[..., Any],
) -> None:
    clock = FakeClock(DAY - 86_400_000)
    server = await start(now=clock, timezone="Europe/Paris")
    ev = await server.event(PEOPLE, title=TITLE, language="fr", starts_at=DAY)
    status, people = await server.api("GET", f"/api/events/{ev.id}/participants")
    assert {p["mail"] for p in people} == {None}
    status, body, headers = await fetch(
        server, f"/api/events/{ev.id}/links.csv", method="POST", json={}
    )
    assert status == 200
    assert headers["Content-Disposition"] == f'attachment; filename="{SLUG}-liens.csv"'
    rows = read(body, ";")
    assert list(rows[0]) == ["Nom", "Organisme", "Collège", "E-mail", "Langue", "Lien"]
    assert {r["Langue"] for r in rows} <= {"français", "anglais"} and len(rows) == len(PEOPLE)
    # recorded on the server, for each person: their link was handed out, and when
    status, people = await server.api("GET", f"/api/events/{ev.id}/participants")
    assert [p["mail"] for p in people] == [
        {"kind": "links", "status": "downloaded", "at": clock.ms}
    ] * len(PEOPLE)
    status, mail = await server.api("GET", f"/api/events/{ev.id}/invitations")
    assert mail["counts"]["downloaded"] == len(PEOPLE) and mail["counts"]["none"] == 0
    # ?lang=en: today's columns
    status, body, _ = await fetch(
        server, f"/api/events/{ev.id}/links.csv?lang=en", method="POST", json={}
    )
    rows = read(body, ",")
    assert list(rows[0]) == ["name", "organization", "side", "email", "language", "link"]
    assert {r["language"] for r in rows} <= {"fr", "en"}


async def test_the_report_link_opens_the_results_and_replaces_no_link(
    start: Callable[..., Any],
) -> None:
    clock = FakeClock(DAY)
    server = await start(now=clock)
    g = await gather(server, title=TITLE, language="fr", starts_at=DAY)
    await g.end_round()
    assert (await g.host.call("end"))["ok"]
    status, made = await server.api("GET", f"/api/events/{g.ev.id}/report-link")
    assert status == 200 and made["expires_at"] == DAY + 30 * 86_400_000
    path = "/" + made["url"].split("/", 3)[3]
    assert path.startswith(f"/e/{g.ev.id}/report/")
    status, page, _ = await fetch(server, path, False)
    assert status == 200 and b'data-testid="report"' in page
    assert b'data-testid="report-back"' not in page  # no way into a host console
    status, body, headers = await fetch(server, path + "/meetings.csv", False)
    assert status == 200 and f"{SLUG}-rencontres.csv" in headers["Content-Disposition"]
    assert read(body, ";")[0]["Type"] == "rencontre"
    assert (await fetch(server, path + "/meetings.xlsx", False))[0] == 200
    assert (await fetch(server, path + "/report.json", False))[0] == 200
    # the host link still works (nothing was replaced)
    assert (await fetch(server, f"/e/{g.ev.id}/host/{g.ev.host_token}/report", False))[0] == 200
    # the link opens this event only, needs the admin token to be made, and expires
    other = await server.event(PEOPLE)
    token = path.rsplit("/", 1)[1]
    for wrong in (
        f"/e/{other.id}/report/{token}",
        f"/e/{g.ev.id}/report/{token[:-2]}xx",
        f"/e/{g.ev.id}/report/nope",
        f"/e/{g.ev.id}/report/{g.ev.host_token}",
    ):
        assert (await fetch(server, wrong, False))[0] == 404, wrong
        assert (await fetch(server, wrong + "/meetings.csv", False))[0] == 404, wrong
    assert (await fetch(server, f"/api/events/{g.ev.id}/report-link", False))[0] == 401
    clock.ms = made["expires_at"] + 1
    assert (await fetch(server, path, False))[0] == 404
