"""What the organiser sees of the follow-ups, over real connections: the report's funnel, the
booked start in the results file, the contacts file for a CRM import (in French as a French
office opens it, and in English), and the follow-ups forgotten with the event.

The follow-ups log is written as the booking commands write it (the pure rules' entries,
appended through the event's owner): these tests do not depend on how they are booked."""

from __future__ import annotations

import csv
import io
import json
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import openpyxl
import pytest

from server.core import followups as fu
from server.core.model import Entry, FollowUpCall
from server.http.keys import OWNER
from tests.conftest import ADMIN, Running
from tests.transport.gathering import Gathering, gather

HOUR = 3_600_000
PARIS = ZoneInfo("Europe/Paris")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def get(server: Running, path: str, admin: bool = False) -> tuple[int, bytes, str]:
    headers = {"Authorization": f"Bearer {ADMIN}"} if admin else {}
    async with server.http.get(server.url + path, headers=headers) as r:
        return r.status, await r.read(), r.content_type


def _paris(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, PARIS).replace(tzinfo=None)


class Played:
    """A French event of one round, both pairs wanting to follow up, then ended: the first
    pair booked a follow-up and held it 20 minutes, the second proposed, picked, cancelled."""

    def __init__(self, g: Gathering, booked: tuple[str, str], cancelled: tuple[str, str]):
        self.g, self.booked, self.cancelled = g, booked, cancelled
        self.start = 0


async def played(server: Running) -> Played:
    g = await gather(server, language="fr")
    await g.end_round()
    for pid in g.people:
        body = {"room": g.room(pid), "rating": 5, "follow_up": True}
        assert (await g.people[pid].call("feedback", body))["ok"]
    assert (await g.host.call("end"))["ok"]
    a = min(g.people)
    c = g.stranger(a)
    out = Played(g, (a, g.partner(a)), (c, g.partner(c)))
    now = int(time.time() * 1000)
    out.start = start = now + 48 * HOUR
    booked, cancelled = fu.pair_key(*out.booked), fu.pair_key(*out.cancelled)
    log: list[Entry] = [fu.propose(booked, out.booked[0], [start], now)]
    log.append(fu.pick(fu.fold(log)[booked], out.booked[1], start, now))
    log.append(FollowUpCall(pair=booked, start=start, connected_ms=20 * 60_000, at=start))
    log.append(fu.propose(cancelled, out.cancelled[1], [start, start + HOUR], now))
    log.append(fu.pick(fu.fold(log)[cancelled], out.cancelled[0], start + HOUR, now))
    log.append(fu.cancel(fu.fold(log)[cancelled], out.cancelled[0], now))
    await server.server.app[OWNER].append(g.ev.id, log)
    return out


@pytest.fixture
async def paris(start: Callable[..., Any]) -> Running:
    server: Running = await start(timezone="Europe/Paris")
    return server


async def test_the_report_counts_the_funnel(paris: Running) -> None:
    p = await played(paris)
    ev = p.g.ev
    status, report = await paris.api("GET", f"/api/events/{ev.id}/report")
    assert status == 200, report
    f = report["funnel"]
    stages = ("meetings", "mutual", "proposed", "booked", "held", "connected_minutes")
    assert tuple(f[k] for k in stages) == (2, 2, 2, 1, 1, 20.0)
    (r1,) = f["by_round"]
    assert (r1["round"], r1["booked"], r1["held"]) == (1, 1, 1)
    assert [(g["group"], g["participants"], g["booked"]) for g in f["by_side"]] == [
        ("commune", 2, 1),
        ("solution", 2, 1),
    ]
    assert f["by_tag"] == []
    # the host link's report says the same, and its page shows it
    status, body, _ = await get(paris, f"/e/{ev.id}/host/{ev.host_token}/report.json")
    assert status == 200 and json.loads(body)["funnel"] == f
    status, body, _ = await get(paris, f"/e/{ev.id}/host/{ev.host_token}/report?lang=en")
    page = body.decode()
    assert status == 200 and 'data-testid="table-funnel"' in page
    assert "/contacts.csv" in page and "/contacts.xlsx" in page


async def test_the_results_file_has_the_booked_follow_up(paris: Running) -> None:
    p = await played(paris)
    ev = p.g.ev
    status, body, _ = await get(paris, f"/api/events/{ev.id}/meetings.csv", admin=True)
    assert status == 200 and body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
    when = {
        frozenset((r["Identifiant A"], r["Identifiant B"])): r["Suite prévue le (Europe/Paris)"]
        for r in rows
    }
    assert when == {
        frozenset(p.booked): _paris(p.start).strftime("%d/%m/%Y %H:%M:%S"),
        frozenset(p.cancelled): "",
    }
    status, body, _ = await get(paris, f"/e/{ev.id}/host/{ev.host_token}/meetings.xlsx?lang=en")
    values = list(openpyxl.load_workbook(io.BytesIO(body))["meetings"].iter_rows(values_only=True))
    column = values[0].index("follow_up_start (Europe/Paris)")
    assert sorted((r[column] for r in values[1:]), key=str) == [_paris(p.start), None]


async def test_the_contacts_file_in_french_and_english(paris: Running) -> None:
    p = await played(paris)
    ev = p.g.ev
    email = {x["id"]: x["email"] for x in ev.people}
    # French (the event's language), by the API: one row per person, as a French office reads
    status, body, kind = await get(paris, f"/api/events/{ev.id}/contacts.csv", admin=True)
    assert (status, kind) == (200, "text/csv") and body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
    assert list(rows[0]) == [
        "Prénom", "Nom", "Adresse e-mail", "Organisation", "Côté", "Thèmes",
        "Suite prévue le (Europe/Paris)",
    ]  # fmt: skip
    by_email = {r["Adresse e-mail"]: r for r in rows}
    assert set(by_email) == set(email.values())
    claire = by_email["claire@lyon.example"]
    assert (claire["Prénom"], claire["Nom"], claire["Organisation"], claire["Côté"]) == (
        "Claire", "Martin", "Mairie de Lyon", "commune",
    )  # fmt: skip
    date = _paris(p.start).strftime("%d/%m/%Y %H:%M:%S")
    for pid in p.booked:
        assert by_email[email[pid]]["Suite prévue le (Europe/Paris)"] == date
    for pid in p.cancelled:
        assert by_email[email[pid]]["Suite prévue le (Europe/Paris)"] == ""
    # English, by the host link and by a report link; the workbook reads back
    _, link = await paris.api("GET", f"/api/events/{ev.id}/report-link")
    door = urlsplit(link["url"]).path
    for base in (f"/e/{ev.id}/host/{ev.host_token}", door):
        status, body, _ = await get(paris, f"{base}/contacts.csv?lang=en")
        rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
        assert status == 200 and len(rows) == 4, base
        booked = [r for r in rows if r["Email"] in {email[x] for x in p.booked}]
        assert {r["Follow-up On (Europe/Paris)"] for r in booked} == {
            _paris(p.start).strftime("%Y-%m-%d %H:%M:%S")
        }
        status, body, kind = await get(paris, f"{base}/contacts.xlsx")
        assert (status, kind) == (200, XLSX), base
        sheet = openpyxl.load_workbook(io.BytesIO(body))["contacts"]
        values = list(sheet.iter_rows(values_only=True))
        assert values[0][:2] == ("Prénom", "Nom") and len(values) == 5
        assert sorted((v[6] for v in values[1:]), key=str) == [_paris(p.start)] * 2 + [None] * 2
    async with paris.http.get(f"{paris.url}/api/events/{ev.id}/contacts.csv",
                              headers={"Authorization": f"Bearer {ADMIN}"}) as r:  # fmt: skip
        assert r.headers["Content-Disposition"].endswith('-contacts.csv"')
    # the admin API wants the admin token; a host link opens its own event's only
    assert (await get(paris, f"/api/events/{ev.id}/contacts.csv"))[0] == 401
    assert (await get(paris, "/api/events/nope/contacts.xlsx", admin=True))[0] == 404
    other = await paris.event([])
    assert (await get(paris, f"/e/{other.id}/host/{ev.host_token}/contacts.csv"))[0] == 404


@pytest.mark.parametrize("store", ["embedded", "redis"])
async def test_the_follow_ups_are_forgotten_with_the_event(
    start: Callable[..., Any], store: str
) -> None:
    server: Running = await start(redis=store == "redis")
    p = await played(server)
    ev = p.g.ev
    owner = server.server.app[OWNER]
    assert len(await owner.store.entries(ev.id, "followups")) == 6
    status, kept = await server.api("POST", f"/api/events/{ev.id}/forget")
    assert status == 200, kept
    assert await owner.store.entries(ev.id, "followups") == []
    # the funnel's counts stay; its groups of fewer than three people do not
    f = kept["funnel"]
    assert (f["booked"], f["held"], f["connected_minutes"], f["by_side"]) == (1, 1, 20.0, [])
    assert (await server.api("GET", f"/api/events/{ev.id}/report"))[1] == kept
    assert (await server.api("GET", f"/api/events/{ev.id}/contacts.csv"))[0] == 404
