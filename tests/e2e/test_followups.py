"""A follow-up booked from a mutual yes, end to end in Chromium: Claire (English, in Paris)
proposes two times on her summary page, Léa (French, in Toronto) picks one on hers, both get
the booking's ``.ics`` through the tests' SMTP server; on the day, the follow-up room's call runs
both ways (video frames on each side) and its connected time is counted; a cancel sends both
the calendar's cancellation."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from server.http.keys import FOLLOWUPS
from tests.conftest import PEOPLE
from tests.e2e.axe import violations
from tests.e2e.test_calls import _flowing
from tests.mailbox import Inbox, inbox
from tests.procs import eventually
from tests.transport.gathering import gather
from tests.transport.test_followups import calendar, field, utc
from tests.transport.test_mail import smtp, text_of
from tests.transport.test_restart import FakeClock

__all__ = ["inbox"]  # the fixture

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
HOUR = 3_600_000
CLAIRE = {**PEOPLE[0], "language": "en"}
LEA = {**PEOPLE[2], "language": "fr"}


def local(ms: int, zone: str) -> str:
    """``ms`` as a ``datetime-local`` field holds it in ``zone``."""
    return datetime.fromtimestamp(ms / 1000, ZoneInfo(zone)).strftime("%Y-%m-%dT%H:%M")


async def summary_page(browser: Any, url: str, zone: str, lang: str) -> Any:
    context = await browser.new_context(
        viewport={"width": 1000, "height": 900}, timezone_id=zone,
        locale="fr-CA" if lang == "fr" else "en-GB",
    )  # fmt: skip
    page = await context.new_page()
    page.on("pageerror", lambda exc: print(f"[{zone}] page error: {exc}"))
    await page.goto(f"{url}?lang={lang}")
    await page.wait_for_selector('[data-testid="followup"] h4', timeout=15_000)
    return page


async def test_propose_pick_call_and_cancel(
    start: Callable[..., Any], browser: Any, inbox: tuple[Inbox, int]
) -> None:
    DOCS.mkdir(parents=True, exist_ok=True)
    box, port = inbox
    hour = int(time.time() * 1000) // HOUR * HOUR
    clock = FakeClock(hour + 9 * 60_000)  # the server's clock, moved to the day of the call
    server = await start(now=clock, summary_mail=False, **smtp(port))
    g = await gather(server, [CLAIRE, LEA], language="en")
    claire, lea = (str(p["id"]) for p in g.ev.people)
    zones = {claire: "Europe/Paris", lea: "America/Toronto"}
    await g.end_round()
    for pid in (claire, lea):
        ack = await g.people[pid].call(
            "feedback", {"room": g.room(pid), "rating": 5, "follow_up": True}
        )
        assert ack["ok"], ack
    assert (await g.host.call("end"))["ok"]
    base = {pid: f"{server.url}/e/{g.ev.id}/p/{g.tokens[pid]}" for pid in (claire, lea)}
    first, second = hour + 2 * 24 * HOUR, hour + 3 * 24 * HOUR + HOUR // 2

    # Claire proposes, in English, in Paris time (the French form is the screenshot's only)
    page = await summary_page(browser, base[claire] + "/summary", zones[claire], "fr")
    await page.click('[data-testid="followup-propose"]')
    assert "Europe/Paris" in await page.inner_text('[data-testid="followup-zone"]')
    inputs = page.locator('[data-testid="followup-time-input"]')
    await inputs.nth(0).fill(local(first, zones[claire]))
    await inputs.nth(1).fill(local(second, zones[claire]))
    await inputs.nth(1).evaluate("(e) => e.blur()")
    await page.locator('[data-testid="summary-contact"]').screenshot(
        path=str(DOCS / "followup-propose-fr.png")
    )
    await page.goto(base[claire] + "/summary?lang=en")
    await page.click('[data-testid="followup-propose"]')
    await inputs.nth(0).fill(local(first, zones[claire]))
    await inputs.nth(1).fill(local(second, zones[claire]))
    await inputs.nth(1).evaluate("(e) => e.blur()")
    await page.locator('[data-testid="summary-contact"]').screenshot(
        path=str(DOCS / "followup-propose-en.png")
    )
    await page.click('[data-testid="followup-send"]')
    await page.wait_for_selector('[data-testid="followup-time"] >> nth=1', timeout=10_000)
    shown = await page.inner_text('[data-testid="followup"]')
    assert "(Europe/Paris)" in shown and "Léa Garnier" in shown
    # its messages kept, under their own words (the list's title showed "messages_title")
    assert "Messages (1)" in await page.inner_text("body")
    (proposal,) = await box.wait(1)
    assert "lea@mobilis.example" in str(proposal["To"]) and "Claire Martin" in proposal["Subject"]
    assert "vous propose" in proposal["Subject"]  # in Léa's language

    # Léa picks the first, in French, in Toronto time (the English page is the screenshot's)
    theirs = await summary_page(browser, base[lea] + "/summary", zones[lea], "en")
    assert await theirs.locator('[data-testid="followup-pick"]').count() == 2
    await theirs.locator('[data-testid="summary-contact"]').screenshot(
        path=str(DOCS / "followup-pick-en.png")
    )
    await theirs.goto(base[lea] + "/summary?lang=fr")
    picks = theirs.locator('[data-testid="followup-pick"]')
    assert await picks.count() == 2
    assert "(America/Toronto)" in await theirs.inner_text('[data-testid="followup"]')
    await theirs.locator('[data-testid="summary-contact"]').screenshot(
        path=str(DOCS / "followup-pick-fr.png")
    )
    assert await violations(theirs) == []
    await picks.nth(0).click()
    booked = theirs.locator('[data-testid="followup-booked"]')
    await booked.wait_for(timeout=10_000)
    assert "America/Toronto" in await booked.inner_text()
    # both get the booking's .ics request, the time written in their own zone
    await box.wait(3)
    uids, invited = set(), {}
    for address, zone in (
        ("claire@lyon.example", "Europe/Paris"),
        ("lea@mobilis.example", "America/Toronto"),
    ):
        message = box.to(address)[-1]
        method, ics = calendar(message)
        assert method == "REQUEST" and field(ics, "DTSTART") == utc(first)
        assert f"/e/{g.ev.id}/room/" in field(ics, "URL")  # the link to the rooms alone
        invited[address] = field(ics, "URL").split(f"/e/{g.ev.id}/", 1)[1]
        assert f"({zone})" in text_of(message)[0]
        uids.add(field(ics, "UID"))
    assert len(uids) == 1

    # on the day: the room opens 10 minutes before; both pages call each other
    clock.ms = first - 5 * 60_000
    await page.reload()
    room = page.locator('[data-testid="followup-room"]')
    await room.wait_for(timeout=10_000)
    await room.click()
    # Léa comes from her calendar: the invitation's link opens the room, and no summary
    await theirs.goto(f"{server.url}/e/{g.ev.id}/{invited['lea@mobilis.example']}")
    assert await theirs.locator("#followup-back").is_hidden()
    for who, p in ((lea, page), (claire, theirs)):
        await p.wait_for_selector('[data-testid="followup-call"]:not([hidden])', timeout=10_000)
        await _flowing(p, who, frames=10, timeout=30_000)
    named = await theirs.get_attribute('[data-testid="remote-video"]', "aria-label")
    assert named == "Vidéo de Claire Martin, Mairie de Lyon"
    assert await page.get_attribute('[data-testid="local-video"]', "aria-label") == "Your camera"
    # Claire opens the room again in a second tab: the call moves there, the first tab says so
    second = await page.context.new_page()
    await second.goto(page.url)
    await second.wait_for_selector('[data-testid="followup-call"]:not([hidden])', timeout=10_000)
    await page.wait_for_selector(
        '[data-testid="followup-state"]:has-text("another tab")', timeout=10_000
    )
    assert await page.locator('[data-testid="followup-call"]').is_hidden()
    await _flowing(second, lea, frames=10, timeout=30_000)
    await _flowing(theirs, claire, frames=10, timeout=30_000)
    # leaving reports the connected time: the follow-up was held
    await second.click('[data-testid="followup-leave"]')
    service = server.server.app[FOLLOWUPS]

    async def held() -> bool:
        fu = await service.current(g.ev.id, claire, lea)
        return fu is not None and fu.held

    await eventually(held, timeout=15)
    # Léa's page says Claire left (it said "in the call" still when her page closed)
    await theirs.wait_for_selector(
        '[data-testid="followup-state"]:has-text("Claire Martin a quitté")', timeout=10_000
    )

    # Léa cancels from her summary: both get the calendar's cancellation of the same booking
    await theirs.goto(base[lea] + "/summary?lang=fr")
    await theirs.click('[data-testid="followup-cancel"]')
    await theirs.wait_for_selector('[data-testid="followup-propose"]', timeout=10_000)
    await box.wait(5)
    for address in ("claire@lyon.example", "lea@mobilis.example"):
        method, ics = calendar(box.to(address)[-1])
        assert method == "CANCEL" and {field(ics, "UID")} == uids
