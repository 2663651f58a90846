"""Follow-ups after a mutual yes, through the summary link's HTTP routes on a real server, with
the e-mails a local SMTP server receives: a proposal to the other, a booking's ``.ics`` request
to both (times in each one's zone), a cancellation's ``.ics`` cancel of the same booking, the
reminder the day before sent once on the server's clock; the refusals; the room's hours."""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any

import pytest
import socketio

from server.core.model import FollowUpReminded
from server.http.keys import FOLLOWUPS, OUTBOX, OWNER
from server.mail.followups import FollowUps
from tests.conftest import Running
from tests.mailbox import Inbox, inbox
from tests.procs import eventually
from tests.transport.gathering import Gathering, gather
from tests.transport.test_contract import refused as contract_refused
from tests.transport.test_mail import smtp, text_of
from tests.transport.test_summaries import FOLKS, rate

__all__ = ["inbox"]  # the fixture

HOUR = 3_600_000
DAY = 24 * HOUR


class Clock:
    """The server's clock, moved by the test."""

    def __init__(self) -> None:
        self.ms = int(time.time() * 1000)

    def __call__(self) -> int:
        return self.ms


async def post(server: Running, g: Gathering, pid: str, peer: str, act: str, **body: Any) -> Any:
    url = f"{server.url}/e/{g.ev.id}/p/{g.tokens[pid]}/followups/{peer}/{act}"
    async with server.http.post(url, json=body) as r:
        return r.status, await r.json()


def refused(answer: tuple[int, Any]) -> str:
    status, body = answer
    assert status >= 400 and body["error"]["message"], answer
    return str(body["error"]["code"])


def calendar(m: EmailMessage) -> tuple[str, str]:
    """The ``.ics`` of an e-mail: its method and its text (unfolded)."""
    (part,) = [p for p in m.iter_attachments() if p.get_content_type() == "text/calendar"]
    assert part.get_filename() == "followup.ics"
    content = part.get_content()
    text = content if isinstance(content, str) else content.decode()
    return str(part.get_param("method")), text.replace("\r\n ", "")


def field(ics: str, name: str) -> str:
    match = re.search(rf"^{name}[:;](.*)$", ics, re.M)
    assert match, (name, ics)
    return match.group(1).strip()


def utc(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y%m%dT%H%M%SZ")


async def ended_with_a_mutual_yes(
    start: Callable[..., Any], port: int, clock: Clock
) -> tuple[Running, Gathering, str, str, str, str]:
    """An ended event where c and d both want to follow up, a with b not (``rate``)."""
    server = await start(now=clock, summary_mail=False, **smtp(port))
    g = await gather(server, FOLKS, language="en")
    a, b, c, d = await rate(g)
    assert (await g.host.call("end"))["ok"]
    return server, g, a, b, c, d


async def test_propose_pick_cancel_with_their_emails_and_refusals(
    start: Callable[..., Any], inbox: tuple[Inbox, int]
) -> None:
    box, port = inbox
    clock = Clock()
    server, g, a, b, c, d = await ended_with_a_mutual_yes(start, port, clock)
    email = {p["id"]: p["email"] for p in g.ev.people}
    name = {p["id"]: p["name"] for p in g.ev.people}
    now = clock.ms
    t1, t2 = now + 2 * DAY, now + 3 * DAY
    # only a mutual yes of two who met; the rules' refusals, each with a message
    assert refused(await post(server, g, a, b, "propose", times=[t1])) == "not_mutual"
    assert refused(await post(server, g, c, a, "propose", times=[t1])) == "not_mutual"
    assert refused(await post(server, g, c, c, "propose", times=[t1])) == "not_mutual"
    assert refused(await post(server, g, c, d, "propose", times=[now + 60_000])) == "too_soon"
    assert refused(await post(server, g, c, d, "propose", times=[])) == "times"
    # the data of the event is forgotten 90 days after its end (the default): no later time
    late = await post(server, g, c, d, "propose", times=[t1, now + 100 * DAY])
    assert refused(late) == "after_retention"
    assert late[1]["error"]["latest"] == now + 90 * DAY - HOUR, late
    assert refused(await post(server, g, d, c, "pick", start=t1)) == "no_proposal"
    assert refused(await post(server, g, d, c, "cancel")) == "nothing"
    assert refused(await post(server, g, c, d, "propose", times="soon")) == "bad_request"
    status, body = await post(server, g, c, d, "propose", times=[t2, t1], tz="Europe/Paris")
    assert status == 200, body
    assert body["followup"] == {
        "peer": d, "status": "proposed", "mine": True, "times": [t1, t2], "start": None,
    }  # fmt: skip
    # the other hears of it, in their language, the times in the proposer's zone (theirs unknown)
    (proposal,) = await box.wait(1)
    assert email[d] in str(proposal["To"]) and name[c] in proposal["Subject"]
    text, html = text_of(proposal)
    assert "(Europe/Paris)" in text and text.count("(Europe/Paris)") == 2
    assert f"/p/{g.tokens[d]}/summary" in text and f"/p/{g.tokens[d]}/summary" in html
    assert not list(proposal.iter_attachments())
    assert refused(await post(server, g, c, d, "pick", start=t1)) == "own_proposal"
    assert refused(await post(server, g, d, c, "pick", start=t1 + HOUR)) == "not_proposed"
    assert refused(await post(server, g, a, b, "pick", start=t1)) == "not_mutual"
    status, body = await post(server, g, d, c, "pick", start=t1, tz="America/Montreal")
    assert status == 200 and body["followup"]["status"] == "booked", body
    assert body["followup"]["start"] == t1 and body["followup"]["opens_at"] == t1 - 10 * 60_000
    # both get the booking with its .ics request: the same booking, each with their own room
    await box.wait(3)
    booked = {pid: box.to(email[pid])[-1] for pid in (c, d)}
    uids = set()
    rooms: dict[str, str] = {}
    for pid, zone in ((c, "Europe/Paris"), (d, "America/Montreal")):
        method, ics = calendar(booked[pid])
        assert method == "REQUEST" and field(ics, "METHOD") == "REQUEST"
        assert field(ics, "DTSTART") == utc(t1) and field(ics, "DTEND") == utc(t1 + HOUR // 2)
        # the invitation carries the link to the person's follow-up rooms alone, not their own
        # (a calendar invitation is forwarded: it opened their whole page, contacts included)
        found = re.search(rf"/e/{g.ev.id}/room/([\w-]+)/(p\d+)", field(ics, "URL"))
        assert found, field(ics, "URL")
        rooms[pid] = found[1]
        assert found[1] != g.tokens[pid] and found[2] == (d if pid == c else c)
        room = found[0]
        assert room in field(ics, "LOCATION") and room in ics.split("DESCRIPTION:", 1)[1]
        assert g.tokens[pid] not in ics
        uids.add(field(ics, "UID"))
        text, _ = text_of(booked[pid])
        assert f"({zone})" in text and room in text
    assert len(uids) == 1
    # that link opens the room and nothing else: no summary, no move on the follow-up
    async with server.http.get(f"{server.url}/e/{g.ev.id}/room/{rooms[c]}/{d}") as r:
        assert r.status == 200
    for path in (f"/p/{rooms[c]}/summary", f"/p/{rooms[c]}", f"/room/{rooms[c]}/{a}"):
        async with server.http.get(f"{server.url}/e/{g.ev.id}{path}") as r:
            assert r.status in (401, 404), path
    url = f"{server.url}/e/{g.ev.id}/p/{rooms[c]}/followups/{d}/cancel"
    async with server.http.post(url, json={}) as r:
        assert r.status == 404
    assert "Confirmé" in booked[d]["Subject"] or "booked" in booked[d]["Subject"]
    # the room's page for the two of them only
    for pid, peer, want in ((c, d, 200), (d, c, 200), (a, b, 404), (c, a, 404)):
        async with server.http.get(
            f"{server.url}/e/{g.ev.id}/p/{g.tokens[pid]}/followup/{peer}"
        ) as r:
            assert r.status == want, (pid, peer)
    async with server.http.get(f"{server.url}/e/{g.ev.id}/p/nope/followup/{d}") as r:
        assert r.status == 404
    # a cancel: both get the .ics cancel of the same booking
    status, body = await post(server, g, c, d, "cancel")
    assert status == 200 and body["followup"]["status"] == "cancelled"
    await box.wait(5)
    for pid in (c, d):
        method, ics = calendar(box.to(email[pid])[-1])
        assert method == "CANCEL" and field(ics, "STATUS") == "CANCELLED"
        assert {field(ics, "UID")} == uids and field(ics, "DTSTART") == utc(t1)
    assert refused(await post(server, g, d, c, "cancel")) == "nothing"
    assert len(box.messages) == 5
    # a hundred changes from one link at once: a few are judged, the others wait their turn
    answers = await asyncio.gather(*(post(server, g, d, c, "cancel") for _ in range(100)))
    codes = [refused(a) for a in answers]
    assert codes.count("rate_limited") >= 85 and set(codes) == {"nothing", "rate_limited"}
    assert len(box.messages) == 5


async def test_the_reminder_goes_once_the_day_before(
    start: Callable[..., Any], inbox: tuple[Inbox, int]
) -> None:
    box, port = inbox
    clock = Clock()
    server, g, _, _, c, d = await ended_with_a_mutual_yes(start, port, clock)
    begins = clock.ms + 3 * DAY
    assert (await post(server, g, c, d, "propose", times=[begins], tz="Europe/Paris"))[0] == 200
    assert (await post(server, g, d, c, "pick", start=begins))[0] == 200
    await box.wait(3)  # the proposal, the two bookings
    service = server.server.app[FOLLOWUPS]
    clock.ms = begins - DAY - 60_000  # a minute before it is due: nothing yet
    service.poke()
    await service.catch_up()  # what every process does hourly: arms it, sends nothing twice
    clock.ms = begins - DAY + 60_000
    service.poke()
    await box.wait(5)
    reminders = box.messages[3:]
    assert all("Rappel" in m["Subject"] or "Reminder" in m["Subject"] for m in reminders)
    assert all(f"/e/{g.ev.id}/room/" in text_of(m)[0] for m in reminders)
    # once: an hourly catch-up later arms nothing more, and the log holds one reminder
    clock.ms += HOUR
    await service.catch_up()
    assert service.due_at(g.ev.id) is None
    store = server.server.app[OWNER].store
    reminded = [
        e for e in await store.entries(g.ev.id, "followups") if isinstance(e, FollowUpReminded)
    ]
    assert len(reminded) == 1 and reminded[0].start == begins
    assert len(box.messages) == 5


async def test_a_process_that_starts_during_the_event_finds_its_reminders(
    start: Callable[..., Any], inbox: tuple[Inbox, int]
) -> None:
    """A follow-up booked while the event still runs (no announced start) and a process that
    starts then (a restart): its hourly look arms the reminder too (it read ended events only)."""
    _, port = inbox
    clock = Clock()
    server = await start(now=clock, summary_mail=False, **smtp(port))
    g = await gather(server, FOLKS, language="en")
    _, _, c, d = await rate(g)  # in the break after round 1: not ended
    begins = clock.ms + 3 * DAY
    assert (await post(server, g, c, d, "propose", times=[begins]))[0] == 200
    assert (await post(server, g, d, c, "pick", start=begins))[0] == 200
    app = server.server.app
    restarted = FollowUps(app[OWNER], app[OUTBOX], "http://127.0.0.1")
    assert restarted.due_at(g.ev.id) is None
    await restarted.catch_up()
    assert restarted.due_at(g.ev.id) == begins - DAY


async def test_two_processes_send_one_reminder(
    start: Callable[..., Any], inbox: tuple[Inbox, int], caplog: pytest.LogCaptureFixture
) -> None:
    """On Redis both processes arm the reminder (one booked it, the other found it in its
    hourly look) and both fire at once: the first to commit its note sends, the other reloads,
    finds it noted and sends nothing."""
    caplog.set_level(logging.INFO, logger="server.mail.followups")
    box, port = inbox
    clock = Clock()
    first = await start(now=clock, summary_mail=False, redis=True, **smtp(port))
    second = await start(now=clock, summary_mail=False, redis=True, **smtp(port))
    g = await gather(first, FOLKS, language="en")
    _, _, c, d = await rate(g)
    assert (await g.host.call("end"))["ok"]
    begins = clock.ms + 3 * DAY
    assert (await post(first, g, c, d, "propose", times=[begins]))[0] == 200
    assert (await post(second, g, d, c, "pick", start=begins))[0] == 200  # the other process
    await box.wait(3)
    services = [s.server.app[FOLLOWUPS] for s in (first, second)]
    for service in services:
        await service.catch_up()
        assert service.due_at(g.ev.id) == begins - DAY
    clock.ms = begins - DAY
    for service in services:
        service.poke()

    async def both_fired() -> list[str]:
        said = [r.getMessage() for r in caplog.records if g.ev.id in r.getMessage()]
        return said if len(said) >= 2 else []

    said = await eventually(both_fired)
    assert sorted("not sent" in m for m in said) == [False, True], said
    await box.wait(5)
    assert len(box.messages) == 5
    store = first.server.app[OWNER].store
    entries = await store.entries(g.ev.id, "followups")
    assert sum(isinstance(e, FollowUpReminded) for e in entries) == 1


HEARD: dict[int, list[Any]] = {}


def _heard_of(client: socketio.AsyncClient) -> list[Any]:
    return HEARD[id(client)]


async def _room(server: Running, token: str, peer: str) -> tuple[socketio.AsyncClient, list[Any]]:
    """A ``/followup`` client of ``token``'s call with ``peer``, and what it hears."""
    heard: list[Any] = []
    client = socketio.AsyncClient(reconnection=False)
    HEARD[id(client)] = heard
    client.on("*", lambda event, data: heard.append((event, data)), namespace="/followup")
    server.clients.append(client)
    await client.connect(
        server.url, namespaces=["/followup"], auth={"token": token, "peer": peer},
        transports=["websocket"], wait_timeout=10,
    )  # fmt: skip
    return client, heard


async def _refused(server: Running, token: str, peer: str) -> dict[str, Any]:
    auth = {"token": token, "peer": peer}
    return await contract_refused(server, "/followup", auth)  # type: ignore[no-any-return]


async def test_the_rooms_hours_and_who_it_relays_to(
    start: Callable[..., Any], inbox: tuple[Inbox, int]
) -> None:
    _, port = inbox
    clock = Clock()
    server, g, a, b, c, d = await ended_with_a_mutual_yes(start, port, clock)
    begins = clock.ms + 2 * DAY
    assert (await refused_room(server, g, c, d))["code"] == "not_booked"
    assert (await post(server, g, c, d, "propose", times=[begins]))[0] == 200
    assert (await refused_room(server, g, c, d))["code"] == "not_booked"  # proposed only
    assert (await post(server, g, d, c, "pick", start=begins))[0] == 200
    clock.ms = begins - 10 * 60_000 - 1
    closed = await refused_room(server, g, c, d)
    assert closed["code"] == "closed" and closed["opens_at"] == begins - 10 * 60_000
    assert (await _refused(server, "nope", d))["code"] == "bad_token"
    assert (await refused_room(server, g, a, b))["code"] == "not_booked"
    clock.ms = begins - 10 * 60_000  # open
    mine, _ = await _room(server, g.tokens[c], d)
    theirs, heard = await _room(server, g.tokens[d], c)
    ack = await mine.call("join", {}, namespace="/followup", timeout=10)
    assert ack["ok"] and ack["peer"] == {"id": d, "polite": c > d}, ack
    assert ack["closes_at"] == begins + HOUR and ack["ice_transport_policy"] == "all"
    assert (await theirs.call("join", {}, namespace="/followup", timeout=10))["ok"]
    sent = {"description": {"type": "offer", "sdp": "v=0"}}
    ack = await mine.call("signal", {"to": d, "data": sent}, namespace="/followup", timeout=10)
    assert ack == {"ok": True}
    ack = await mine.call("signal", {"to": a, "data": sent}, namespace="/followup", timeout=10)
    assert ack["error"]["code"] == "not_your_peer"
    await eventually(lambda: _said(heard, "signal"))
    assert ("signal", {"from": c, "data": sent}) in heard
    assert ("peer", {"id": c, "online": True, "page": mine.get_sid("/followup")}) in heard
    # both pages report the call: the longer side counts, while the room is open
    for client, ms in ((mine, 60_000), (theirs, 45_000)):
        ack = await client.call("call", {"connected_ms": ms}, namespace="/followup", timeout=10)
        assert ack == {"ok": True, "counted": True}
    fu = await server.server.app[FOLLOWUPS].current(g.ev.id, c, d)
    assert fu is not None and fu.connected_ms == 60_000 and fu.held
    # the same link in a second tab takes the call over: the first page is told and closed, and
    # the other's signals reach the new page only (before: both pages got them and both called)
    first = mine
    mine, second_heard = await _room(server, g.tokens[c], d)
    assert (await mine.call("join", {}, namespace="/followup", timeout=10))["ok"]

    async def taken_over() -> bool:
        return not first.connected

    await eventually(taken_over)
    assert any(name == "elsewhere" for name, _ in _heard_of(first)), _heard_of(first)
    page = mine.get_sid("/followup")
    assert ("peer", {"id": c, "online": True, "page": page}) in heard
    answer = {"description": {"type": "answer", "sdp": "v=0"}}
    ack = await theirs.call("signal", {"to": c, "data": answer}, namespace="/followup", timeout=10)
    assert ack == {"ok": True}
    await eventually(lambda: _said(second_heard, "signal"))
    assert not any(name == "signal" for name, _ in _heard_of(first))
    assert not any(name == "peer" and not x["online"] for name, x in heard)  # c never left
    # a link replaced closes its follow-up call's page too
    assert (await server.api("POST", f"/api/events/{g.ev.id}/links", json={"who": d}))[0] == 201

    async def closed() -> bool:
        return not theirs.connected

    await eventually(closed)
    assert any(name == "revoked" for name, _ in heard) and mine.connected
    clock.ms = begins + HOUR + 60_001  # closed for over a minute: counts no more
    ack = await mine.call("call", {"connected_ms": 5_000}, namespace="/followup", timeout=10)
    assert ack == {"ok": True, "counted": False}
    ack = await mine.call("signal", {"to": d, "data": sent}, namespace="/followup", timeout=10)
    assert ack["error"]["code"] == "closed"
    assert (await refused_room(server, g, c, d))["code"] == "closed"
    # each proposal e-mails the other: a burst of them, then refused for a while
    made = 1
    while (answer := await post(server, g, c, d, "propose", times=[clock.ms + DAY]))[0] == 200:
        made += 1
        assert made <= 10, "never refused"
    assert refused(answer) == "rate_limited" and answer[0] == 429 and made == 10
    assert answer[1]["error"]["retry_after_ms"] > 0
    # a page reports its call each minute: a hundred reports at once write a few entries only
    store = server.server.app[OWNER].store
    logged = len(await store.entries(g.ev.id, "followups"))
    acks = [
        await mine.call("call", {"connected_ms": 1}, namespace="/followup", timeout=10)
        for _ in range(100)
    ]
    limited = [a for a in acks if not a["ok"] and a["error"]["code"] == "rate_limited"]
    assert len(limited) >= 95, acks[:8]
    assert len(await store.entries(g.ev.id, "followups")) == logged  # (the room is closed)


async def refused_room(server: Running, g: Gathering, pid: str, peer: str) -> dict[str, Any]:
    return await _refused(server, g.tokens[pid], peer)


async def _said(heard: list[Any], event: str) -> bool:
    return any(name == event for name, _ in heard)
