"""After the meeting, in Chromium: the organiser's report draws its charts, a participant's
summary prints with every meeting on it, and both pass axe-core in English and French."""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pypdf

from server.app import CONDUCTOR
from server.core import followups as fu
from server.core.model import Entry, FollowUpCall
from server.http.keys import OWNER
from tests.conftest import PEOPLE, Running
from tests.e2e.axe import violations
from tests.procs import eventually
from tests.transport.gathering import Gathering, gather
from tests.transport.test_restart import FakeClock

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
SIX = [
    {"name": "Claire Martin", "organization": "Mairie de Lyon", "side": "commune", "email": "claire@lyon.example"},
    {"name": "Hugo Bernard", "organization": "Ville de Nantes", "side": "commune", "email": "hugo@nantes.example"},
    {"name": "Zoë Dupré", "organization": "Commune d'Ébreuil", "side": "commune", "email": "zoe@ebreuil.example"},
    {"name": "Léa Garnier", "organization": "Mobilis", "side": "solution", "email": "lea@mobilis.example"},
    {"name": "Thomas Petit", "organization": "Lumio", "side": "solution", "email": "thomas@lumio.example"},
    {"name": "Åsa Öberg", "organization": "Nordlys énergie", "side": "solution", "email": "asa@nordlys.example"},
]  # fmt: skip
REASONS = [["purchase", "experiment"], ["demonstration"], ["conversation", "documentation"]]


MORNING = 1_773_736_200_000  # 2026-03-17 08:30 UTC: 09:30 in Paris


async def _calls_up(
    g: Gathering, clock: FakeClock, start: int, seconds: int, down: set[str]
) -> None:
    """Everyone in a room reports their call every 15 s for ``seconds`` (the people of
    ``down`` report a call that never connects)."""
    for step in range(0, seconds + 1, 15):
        clock.ms = start + step * 1000
        for pid, client in g.people.items():
            partners = [p["id"] for p in g.rooms[pid]["peers"]]
            if not client.sio.connected or not all(g.people[p].sio.connected for p in partners):
                continue  # nobody to call
            ice = "checking" if pid in down else "connected"
            peers = [{"id": p["id"], "ice": ice} for p in g.rooms[pid]["peers"]]
            ack = await client.call("stats", {"room": g.room(pid), "ice": ice, "peers": peers})
            assert ack["ok"], ack


async def played(start: Callable[..., Any], rounds: int = 3) -> tuple[Running, Gathering]:
    """A morning of six people played over Socket.IO on the server's (injected) clock: calls
    reported connected (but one, in round 1), a no-show in round 2, every meeting rated,
    follow-ups with reasons (mutual in each first room, one-sided elsewhere); then ended."""
    clock = FakeClock(MORNING)
    # a morning's link reports in a few seconds: more than a page sends, so no rate limit
    server = await start(
        now=clock, board_interval_ms=50, timezone="Europe/Paris",
        rate_events_per_second=1000, rate_events_burst=1000,
        rate_person_stats_per_second=1000, rate_person_stats_burst=1000,
    )  # fmt: skip
    g = await gather(server, SIX, rounds=rounds, round_seconds=300, break_seconds=120)
    conductor = server.server.app[CONDUCTOR]
    gone = "p6"
    for number in range(1, rounds + 1):
        began = MORNING + (number - 1) * 420_000
        if number > 1:
            clock.ms = began
            assert (await g.host.call("next"))["ok"]
            await g.assigned(number)
        if number == 2:  # Åsa leaves as the round starts and is not back by the no-show check
            before = len(g.mod.received)
            await g.people[gone].close()
            await g.mod.wait_board(  # the server knows it before the check
                lambda d: any(p["id"] == gone and not p["online"] for p in d["participants"]),
                after=before,
            )
            clock.ms = began + 46_000
            conductor.poke()
            await g.people[g.partner(gone)].wait_for(
                "notice", lambda n: n.get("kind") == "no_partner"
            )
        first = sorted({a["room"] for a in g.rooms.values()})[0]
        down = {p for p in g.people if number == 1 and g.room(p) == first}
        await _calls_up(g, clock, began, 240 if number != 2 else 180, down)
        clock.ms = began + 290_000
        ack = await g.host.call("end_round")  # the last one ends the event
        assert ack["ok"] and ack["clock"]["phase"] == ("break" if number < rounds else "ended")
        for pid, client in g.people.items():
            if number == 2 and gone in (pid, g.partner(pid)):
                continue  # they did not meet
            wants = g.room(pid) == first or pid in ("p1", "p4")
            body = {
                "room": g.room(pid),
                "rating": 3 + (int(pid[1:]) + number) % 3,
                "follow_up": wants,
                "reasons": REASONS[(int(pid[1:]) + number) % 3] if wants else [],
                "note": f"Round {number}: call back about the pilot" if pid == "p1" else "",
            }
            ack = await client.call("feedback", body)
            assert ack["ok"], ack
        if number == 2:
            await g.reconnect(gone)
            await g.host.wait_board(lambda d: all(p["online"] for p in d["participants"]))
    return server, g


async def _charts_drawn(page: Any) -> list[str]:
    """The ids of the charts whose canvas has something drawn on it."""
    return list(
        await page.evaluate(
            """() => [...document.querySelectorAll('figure.chart')].filter((f) => {
                 const c = f.querySelector('canvas');
                 if (!c || !c.width || !c.height || f.dataset.drawn !== 'true') return false;
                 const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                 for (let i = 3; i < px.length; i += 4) if (px[i] !== 0) return true;
                 return false;
               }).map((f) => f.dataset.testid)"""
        )
    )


async def test_the_report_draws_its_charts_with_their_tables(
    start: Callable[..., Any], browser: Any
) -> None:
    DOCS.mkdir(parents=True, exist_ok=True)
    server, g = await played(start)
    # two mutual pairs booked a follow-up (as the booking commands log it), one of them held it
    status, body = await server.api("GET", f"/api/events/{g.ev.id}/meetings.csv?lang=en")
    assert status == 200, body
    rows = csv.DictReader(io.StringIO(body.lstrip("\ufeff")))
    pairs = [fu.pair_key(r["a_id"], r["b_id"]) for r in rows if r["mutual_follow_up"] == "yes"]
    log: list[Entry] = []
    begins = MORNING + 2 * 86_400_000
    for pair in pairs[:2]:
        log.append(fu.propose(pair, fu.members(pair)[0], [begins], MORNING))
        log.append(fu.pick(fu.fold(log)[pair], fu.members(pair)[1], begins, MORNING))
    log.append(FollowUpCall(pair=pairs[0], start=begins, connected_ms=1_500_000, at=begins))
    await server.server.app[OWNER].append(g.ev.id, log)
    for lang, shot in (("en", "report.png"), ("fr", "report-fr.png")):
        context = await browser.new_context(viewport={"width": 1280, "height": 900})
        page = await context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc, seen=errors: seen.append(str(exc)))
        page.on(
            "console", lambda m, seen=errors: seen.append(m.text) if m.type == "error" else None
        )
        await page.goto(f"{server.url}/e/{g.ev.id}/host/{g.ev.host_token}/report?lang={lang}")
        await page.wait_for_selector('figure.chart[data-drawn="true"]', timeout=10_000)
        drawn = await _charts_drawn(page)
        assert sorted(drawn) == sorted(
            f"chart-{x}" for x in ("funnel", "rounds", "minutes", "ratings", "reasons", "sides")
        ), drawn
        for table in ("funnel", "rounds", "minutes", "ratings", "reasons", "sides", "people"):
            assert await page.locator(f'[data-testid="table-{table}"] tbody tr').count() > 0, table
        rows = await page.locator('[data-testid="table-rounds"] tbody tr').count()
        assert rows == 3
        total = await page.locator('[data-testid="funnel-total"] td').all_inner_texts()
        assert total[1:] == [str(len(pairs)), "2", "2", "1", "25.0" if lang == "en" else "25,0"]
        people = await page.locator('[data-testid="table-people"]').inner_text()
        assert "Åsa Öberg" in people and "Zoë Dupré" in people
        assert errors == [], errors  # nothing refused by the page's Content-Security-Policy
        await page.screenshot(path=str(DOCS / shot), full_page=True)
        found = await violations(page)
        assert found == [], found
        await context.close()


async def test_the_summary_prints_with_every_meeting(
    start: Callable[..., Any], browser: Any
) -> None:
    DOCS.mkdir(parents=True, exist_ok=True)
    server, g = await played(start)
    pid = "p1"
    summary = await g.people[pid].wait_for("summary")
    met = [p["name"] for m in summary["meetings"] for p in m["peers"]]
    assert len(met) == len(summary["meetings"]) >= 2
    for lang, shot in (("en", "summary.png"), ("fr", "summary-fr.png")):
        context = await browser.new_context(viewport={"width": 1000, "height": 900})
        page = await context.new_page()
        await page.goto(f"{server.url}/e/{g.ev.id}/p/{g.tokens[pid]}/summary?lang={lang}")
        assert await page.locator('[data-testid="summary-meeting"]').count() == len(met)
        await page.screenshot(path=str(DOCS / shot), full_page=True)
        found = await violations(page)
        assert found == [], found
        pdf = await page.pdf(format="A4")
        text = " ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf)).pages)
        for name in met:
            assert name in text, (name, text)
        assert "Round 3: call back about the pilot" in text
        contacts = [p for m in summary["meetings"] for p in m["peers"] if p["mutual_follow_up"]]
        assert contacts and all(p["email"] in text for p in contacts)
        await context.close()


async def _screen(page: Any, name: str, timeout: float = 20_000) -> None:
    await page.wait_for_selector(f'[data-testid="screen"][data-screen="{name}"]', timeout=timeout)


async def test_the_feedback_form_asks_why_follow_up(server: Running, browser: Any) -> None:
    """Claire (in English) and Léa (in French) rate each other in the break, with reasons
    (keyboard only); at the end each finds the other's reasons and e-mail on the printable
    summary, and the contact as a vCard."""
    DOCS.mkdir(parents=True, exist_ok=True)
    two = [PEOPLE[0], PEOPLE[2]]
    ev = await server.event(two, rounds=2)
    pages: dict[str, Any] = {}
    for i, lang in enumerate(("en", "fr")):
        pid, token = ev.person(i)
        context = await browser.new_context(viewport={"width": 1280, "height": 1000})
        page = await context.new_page()
        page.on("pageerror", lambda exc, who=pid: print(f"[{who}] page error: {exc}"))
        await page.goto(f"{server.url}/e/{ev.id}/p/{token}?lang={lang}")
        pages[pid] = page
    for page in pages.values():
        await _screen(page, "lobby")
    host = await server.connect("/host", ev.host_token)
    await host.wait_board(lambda d: sum(p["online"] for p in d["participants"]) == 2)
    assert (await host.call("start"))["ok"]
    for page in pages.values():
        await _screen(page, "room")

    # the pages report each call: once both saw it up in two reports, the pair's call counts
    # as connected (the pages report every 5 s)
    async def connected() -> int:
        status, report = await server.api("GET", f"/api/events/{ev.id}/report")
        assert status == 200
        return int(report["totals"]["held"])

    assert await eventually(connected, timeout=40, every=0.5) == 1
    assert (await host.call("end_round"))["ok"]
    # the break: each rates the other, says they want to follow up, and why
    chosen = {"p1": ["experiment", "purchase"], "p2": ["demonstration"]}
    for (pid, page), shot in zip(pages.items(), ("feedback.png", "feedback-fr.png"), strict=True):
        await _screen(page, "break")
        form = page.locator('[data-view="break"] [data-testid="feedback-form"]')
        await form.wait_for(timeout=10_000)
        reasons = form.locator('[data-testid="follow-up-reasons"]')
        assert await reasons.is_hidden()  # the reasons come with the wish to follow up
        await form.locator('[data-testid="rating-5"]').check(force=True)
        # keyboard only: the follow-up box takes Space, like every box of the form
        await form.locator('[data-testid="follow-up"]').focus()
        await page.keyboard.press("Space")
        assert await reasons.is_visible()
        for reason in chosen[pid]:
            await form.locator(f'[data-testid="reason-{reason}"]').focus()
            await page.keyboard.press("Space")
        await form.locator('[data-testid="feedback-note"]').fill("Pilote au printemps ?")
        await page.screenshot(path=str(DOCS / shot))
        await form.locator('[data-testid="feedback-send"]').click()
        saved = "Saved." if pid == "p1" else "Enregistré"
        await page.wait_for_function(
            """(saved) => document.querySelector('[data-view="break"] [data-testid="feedback-form"] .form-status')
                 .textContent.startsWith(saved)""",
            arg=saved,
            timeout=10_000,
        )
        assert await violations(page) == []
    assert (await host.call("end"))["ok"]
    for page in pages.values():
        await _screen(page, "ended")
        await page.wait_for_selector('[data-testid="summary-meeting"]', timeout=10_000)
        assert await violations(page) == []
    status, report = await server.api("GET", f"/api/events/{ev.id}/report")
    assert status == 200
    assert report["totals"]["connected_minutes"] > 0
    by = {r["reason"]: r["mutual"] for r in report["follow_ups"]["by_reason"]}
    assert by == {"conversation": 0, "documentation": 0, "demonstration": 1, "experiment": 1,
                  "purchase": 1, "unspecified": 0}  # fmt: skip
    # the printable summary, reached from the page: the other's reasons and e-mail
    page = pages["p1"]
    await page.click('[data-testid="summary-page-link"]')
    await page.wait_for_selector('[data-testid="summary-contact"]', timeout=10_000)
    contact = await page.inner_text('[data-testid="summary-contact"]')
    assert "lea@mobilis.example" in contact and "A demonstration" in contact
    async with page.expect_download() as info:
        await page.click('[data-testid="summary-vcard"]')
    download = await info.value
    card = await asyncio.to_thread(Path(await download.path()).read_text, encoding="utf-8")
    assert "FN:Léa Garnier" in card and "EMAIL;TYPE=INTERNET:lea@mobilis.example" in card
