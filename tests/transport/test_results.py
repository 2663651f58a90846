"""The results over real connections: connected time from link reports, the files and the
report through the host link and the API, the participant's summary and contacts, and the
mutual-consent rule on every one of them."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from typing import Any

import openpyxl
import pytest

from tests.conftest import ADMIN, PEOPLE, Running
from tests.transport.gathering import Gathering, gather
from tests.transport.test_restart import FakeClock

T = 1_800_000_000_000


def read_csv(body: bytes) -> list[dict[str, str]]:
    assert body.startswith(b"\xef\xbb\xbf")
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))


async def get(server: Running, path: str, admin: bool = False) -> tuple[int, bytes, str]:
    headers = {"Authorization": f"Bearer {ADMIN}"} if admin else {}
    async with server.http.get(server.url + path, headers=headers) as r:
        return r.status, await r.read(), r.content_type


@pytest.fixture(params=["embedded", "redis"])
async def timed(
    request: pytest.FixtureRequest, start: Callable[..., Any]
) -> tuple[Running, FakeClock]:
    """A server whose clock the test moves."""
    clock = FakeClock(T)
    server = await start(now=clock, board_interval_ms=20, redis=request.param == "redis")
    return server, clock


async def stats(g: Gathering, pid: str, ice: str, peers: dict[str, str] | None = None) -> None:
    body: dict[str, Any] = {"room": g.room(pid), "ice": ice}
    if peers is not None:
        body["peers"] = [{"id": p, "ice": s} for p, s in peers.items()]
    ack = await g.people[pid].call("stats", body)
    assert ack["ok"], ack


async def test_connected_seconds_come_from_the_link_reports(
    timed: tuple[Running, FakeClock],
) -> None:
    server, clock = timed
    g = await gather(server)
    a = next(iter(g.people))
    b = g.partner(a)
    c = g.stranger(a)
    d = g.partner(c)
    # a reports every 5 s, its call up; b's page reports less (4 s): the longer side counts
    for step in range(3):
        clock.ms = T + step * 5000
        await stats(g, a, "connected", {b: "connected"})
    clock.ms = T + 10_000
    await stats(g, a, "disconnected", {b: "disconnected"})  # down: the 5 s before do not count
    clock.ms = T
    await stats(g, b, "connected", {a: "connected"})
    clock.ms = T + 4000
    await stats(g, b, "connected", {a: "connected"})
    # c's page is of an earlier version (no per-peer states); d claims a room not theirs,
    # which is refused (and counts nothing)
    clock.ms = T
    await stats(g, c, "connected")
    clock.ms = T + 7000
    await stats(g, c, "connected")
    for at in (T + 7000, T + 9000):
        clock.ms = at
        ack = await g.people[d].call("stats", {"room": g.room(a), "ice": "connected",
                                               "peers": [{"id": a, "ice": "connected"}]})  # fmt: skip
        assert ack["ok"] is False and ack["error"]["code"] == "not_your_room"
    clock.ms = T + 60_000
    await g.end_round()
    assert (await g.host.call("end"))["ok"]
    status, body, _ = await get(server, f"/api/events/{g.ev.id}/meetings.csv", admin=True)
    assert status == 200
    seconds = {frozenset((r["a_id"], r["b_id"])): r["connected_seconds"] for r in read_csv(body)}
    assert seconds == {frozenset((a, b)): "10", frozenset((c, d)): "7"}
    status, body, _ = await get(server, f"/api/events/{g.ev.id}/report", admin=True)
    assert status == 200
    import json

    report = json.loads(body)
    assert report["totals"]["held"] == 2 and report["totals"]["connected_minutes"] == 0.3


async def test_a_bad_stats_peer_list_is_refused(server: Running) -> None:
    g = await gather(server)
    pid = next(iter(g.people))
    body = {"room": g.room(pid), "peers": [{"id": "p2", "ice": "connected"}] * 4}
    ack = await g.people[pid].call("stats", body)
    assert ack["ok"] is False and ack["error"]["code"] == "bad_payload"


async def test_feedback_with_reasons(server: Running) -> None:
    g = await gather(server)
    pid = next(iter(g.people))
    room = g.room(pid)
    await g.end_round()
    me = g.people[pid]
    bad = {"room": room, "rating": 4, "follow_up": False, "reasons": ["purchase"]}
    assert (await me.call("feedback", bad))["error"]["code"] == "bad_payload"
    unknown = {"room": room, "rating": 4, "follow_up": True, "reasons": ["bribe"]}
    assert (await me.call("feedback", unknown))["error"]["code"] == "bad_payload"
    good = {"room": room, "rating": 4, "follow_up": True, "reasons": ["experiment", "purchase"]}
    assert (await me.call("feedback", good))["ok"]
    old = {"room": room, "rating": 3, "follow_up": True}  # a page of an earlier version
    assert (await g.people[g.partner(pid)].call("feedback", old))["ok"]
    assert (await g.host.call("end"))["ok"]
    summary = await me.wait_for("summary")
    (peer,) = summary["meetings"][0]["peers"]
    assert (peer["mutual_follow_up"], peer["reasons"], peer["their_reasons"]) == (
        True, ["experiment", "purchase"], [],
    )  # fmt: skip
    theirs = await g.people[g.partner(pid)].wait_for("summary")
    assert theirs["meetings"][0]["peers"][0]["their_reasons"] == ["experiment", "purchase"]


# --- mutual consent, through every path -------------------------------------------------------


async def test_a_one_sided_wish_reveals_nothing_anywhere(server: Running) -> None:
    g = await gather(server)
    host_token = g.ev.host_token
    # one room: a wants to follow up (to buy), b does not; the other room: both want to
    a = next(iter(g.people))
    b = g.partner(a)
    c = g.stranger(a)
    d = g.partner(c)
    email = {p["id"]: p["email"] for p in g.ev.people}
    await g.end_round()
    said = [
        (a, {"rating": 5, "follow_up": True, "reasons": ["purchase"], "note": "wants to buy"}),
        (b, {"rating": 2, "follow_up": False, "note": ""}),
        (c, {"rating": 4, "follow_up": True, "reasons": ["demonstration"]}),
        (d, {"rating": 4, "follow_up": True, "reasons": ["experiment"]}),
    ]
    for pid, body in said:
        ack = await g.people[pid].call("feedback", {"room": g.room(pid), **body})
        assert ack["ok"], ack
    staff_before = len(g.host.received), len(g.mod.received)
    assert (await g.host.call("end"))["ok"]
    secret = (email[a], email[b])

    def clean(text: str, where: str) -> None:
        for e in secret:
            assert e not in text, f"{e} in {where}"

    # what a and b are told: no contact, no wish of the other
    for pid in (a, b):
        summary = await g.people[pid].wait_for("summary")
        (peer,) = summary["meetings"][0]["peers"]
        assert peer["mutual_follow_up"] is False
        assert "email" not in peer and "their_reasons" not in peer
        clean(str(summary), f"{pid}'s summary event")
        page = (await get(server, f"/e/{g.ev.id}/p/{g.tokens[pid]}/summary?lang=en"))[1].decode()
        clean(page, f"{pid}'s summary page")
        assert "A purchase" not in page or pid == a  # b never learns a's reason
        vcf = (await get(server, f"/e/{g.ev.id}/p/{g.tokens[pid]}/contacts.vcf"))[1].decode()
        assert vcf == ""
    # the mutual pair gets each other's contacts, on the page and as vCards
    for pid, other in ((c, d), (d, c)):
        page = (await get(server, f"/e/{g.ev.id}/p/{g.tokens[pid]}/summary?lang=en"))[1].decode()
        assert email[other] in page
        vcf = (await get(server, f"/e/{g.ev.id}/p/{g.tokens[pid]}/contacts.vcf"))[1].decode()
        assert vcf.count("BEGIN:VCARD") == 1 and f"EMAIL;TYPE=INTERNET:{email[other]}" in vcf
    # the organiser's files and report, by the API and by the host link
    paths = [
        (f"/api/events/{g.ev.id}/meetings.csv", True),
        (f"/api/events/{g.ev.id}/report", True),
        (f"/e/{g.ev.id}/host/{host_token}/meetings.csv", False),
        (f"/e/{g.ev.id}/host/{host_token}/report.json", False),
        (f"/e/{g.ev.id}/host/{host_token}/report?lang=en", False),
    ]
    for path, admin in paths:
        status, body, _ = await get(server, path, admin)
        assert status == 200, path
        clean(body.decode("utf-8-sig"), path)
    rows = read_csv((await get(server, f"/api/events/{g.ev.id}/meetings.csv", True))[1])
    one_sided = next(r for r in rows if {r["a_id"], r["b_id"]} == {a, b})
    assert (one_sided["mutual_follow_up"], one_sided["a_reasons"], one_sided["b_reasons"]) == (
        "no", "", "",
    )  # fmt: skip
    mutual = next(r for r in rows if {r["a_id"], r["b_id"]} == {c, d})
    assert {mutual["a_email"], mutual["b_email"]} == {email[c], email[d]}
    assert {mutual["a_reasons"], mutual["b_reasons"]} == {"demonstration", "experiment"}
    xlsx = (await get(server, f"/e/{g.ev.id}/host/{host_token}/meetings.xlsx"))[1]
    book = openpyxl.load_workbook(io.BytesIO(xlsx))
    cells = " ".join(str(v) for row in book["meetings"].iter_rows(values_only=True) for v in row)
    clean(cells, "meetings.xlsx")
    assert email[c] in cells
    # the staff boards say nothing of follow-ups
    for client, before in ((g.host, staff_before[0]), (g.mod, staff_before[1])):
        for name, data in client.received:
            clean(str(data), f"{client.namespace} {name}")
            assert "follow_up" not in str(data)
        assert len(client.received) > before
    # the figures count the wish, without a name
    import json

    report = json.loads((await get(server, f"/api/events/{g.ev.id}/report", True))[1])
    assert (report["follow_ups"]["mutual"], report["follow_ups"]["one_sided"]) == (1, 1)
    purchase = next(r for r in report["follow_ups"]["by_reason"] if r["reason"] == "purchase")
    assert purchase == {"reason": "purchase", "mutual": 0, "one_sided": 1}
    by_person = {p["id"]: p for p in report["by_participant"]}
    assert by_person[a]["mutual"] == 0 and "one_sided" not in by_person[a]


# --- whose link opens what ----------------------------------------------------------------------


async def test_the_host_link_downloads_its_own_events_results_and_no_other(
    server: Running,
) -> None:
    people = [
        {**p, "name": n}
        for p, n in zip(PEOPLE, ["Zoë", "Ångström", "Léa Ñúñez", "Thomas"], strict=True)
    ]
    g = await gather(server, people)
    await g.end_round()
    assert (await g.host.call("end"))["ok"]
    other = await server.event(PEOPLE)
    mine, theirs = g.ev, other
    for suffix, kind in (
        ("meetings.csv", "text/csv"),
        ("meetings.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("report.json", "application/json"),
        ("report", "text/html"),
    ):
        status, body, content_type = await get(
            server, f"/e/{mine.id}/host/{mine.host_token}/{suffix}"
        )
        assert (status, content_type) == (200, kind), suffix
        # a host link of one event opens nothing of another (nor does another role's link)
        for path in (
            f"/e/{theirs.id}/host/{mine.host_token}/{suffix}",
            f"/e/{mine.id}/host/{theirs.host_token}/{suffix}",
            f"/e/{mine.id}/host/{mine.moderator_token}/{suffix}",
            f"/e/{mine.id}/host/{g.tokens[next(iter(g.people))]}/{suffix}",
        ):
            status, body, _ = await get(server, path)
            assert status == 404, path
            assert b"Zo\xc3\xab" not in body  # nothing of the event's people
    # the file names the event (its title and date); the workbook reads back with its names as
    # they were given
    async with server.http.get(
        f"{server.url}/e/{mine.id}/host/{mine.host_token}/meetings.xlsx"
    ) as r:
        assert re.fullmatch(
            r'attachment; filename="test-event-\d{4}-\d\d-\d\d-meetings\.xlsx"',
            r.headers["Content-Disposition"],
        )
        book = openpyxl.load_workbook(io.BytesIO(await r.read()))
    names = {v for row in book["meetings"].iter_rows(values_only=True) for v in row}
    assert {"Zoë", "Ångström", "Léa Ñúñez", "Thomas"} <= names
    # the admin API wants the admin token
    for suffix in ("meetings.csv", "meetings.xlsx", "report"):
        assert (await get(server, f"/api/events/{mine.id}/{suffix}"))[0] == 401
        assert (await get(server, f"/api/events/{mine.id}/{suffix}", admin=True))[0] == 200
        assert (await get(server, f"/api/events/nope/{suffix}", admin=True))[0] == 404


async def test_a_summary_and_contacts_open_with_their_owners_link_only(server: Running) -> None:
    g = await gather(server)
    other = await server.event(PEOPLE)
    pid = next(iter(g.people))
    _, other_token = other.person(0)
    for suffix in ("summary", "contacts.vcf"):
        assert (await get(server, f"/e/{g.ev.id}/p/{g.tokens[pid]}/{suffix}"))[0] == 200
        for path in (
            f"/e/{other.id}/p/{g.tokens[pid]}/{suffix}",
            f"/e/{g.ev.id}/p/{other_token}/{suffix}",
            f"/e/{g.ev.id}/p/{g.ev.host_token}/{suffix}",
            f"/e/{g.ev.id}/p/nope/{suffix}",
        ):
            assert (await get(server, path))[0] == 404, path
