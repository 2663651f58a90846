"""Ratings never lost, in French: a meeting not rated in its break is offered again, folded, in
the next break, and after the last round (which has no break) in a short rating step before the
summary; the words promise nothing untrue after the end; and a follow-up that becomes mutual
after the end shows on the summary without a reload.

One browser (the person whose ratings are followed); the three others on Socket.IO clients."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.conftest import PEOPLE, Running
from tests.e2e.axe import violations

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
OPEN = {"mode": "open"}


async def _screen(page: Any, name: str) -> None:
    await page.wait_for_selector(f'[data-testid="screen"][data-screen="{name}"]', timeout=20_000)


async def test_a_missed_rating_comes_back_until_it_is_given(server: Running, browser: Any) -> None:
    DOCS.mkdir(parents=True, exist_ok=True)
    ev = await server.event(PEOPLE, matching=OPEN, rounds=3)
    me, token = ev.person(0)  # Claire Martin
    others = {
        ev.person(i)[0]: await server.connect("/participant", ev.person(i)[1]) for i in (1, 2, 3)
    }
    context = await browser.new_context(viewport={"width": 1000, "height": 900})
    page = await context.new_page()
    page.on("pageerror", lambda exc: print(f"page error: {exc}"))
    await page.goto(f"{server.url}/e/{ev.id}/p/{token}?lang=fr")
    host = await server.connect("/host", ev.host_token)
    await host.wait_board(lambda d: sum(p["online"] for p in d["participants"]) == 4)
    names = {p["id"]: p["name"] for p in ev.people}

    async def partner(round_: int) -> str:
        for pid, client in others.items():
            got = await client.wait_for("assignment", lambda a: a["round"] == round_)
            if me in [p["id"] for p in got["peers"]]:
                return pid
        raise AssertionError(f"nobody met {me} in round {round_}")

    assert (await host.call("start"))["ok"]
    first = await partner(1)
    assert (await host.call("end_round"))["ok"]
    await _screen(page, "break")
    form = page.locator('[data-view="break"] .feedback-slot [data-testid="feedback-form"]')
    await form.wait_for()
    # one scale, in the words of its marks
    assert await form.locator(".rating .small").inner_text() == "1 = pas utile, 5 = très utile"
    # and each mark is named by the same words (no tooltip that says others)
    assert await form.get_by_role("radio", name="5 – Très utile", exact=True).count() == 1
    assert await form.locator("[title]").count() == 0
    assert await page.locator('[data-testid="rate-older"]').count() == 0  # nothing older yet

    # the break goes by without a rating
    assert (await host.call("next"))["ok"]
    second = await partner(2)
    await _screen(page, "room")
    assert (await host.call("end_round"))["ok"]
    await _screen(page, "break")
    # round 1's meeting is offered again, folded under this break's own form
    older = page.locator('[data-testid="rate-older"] [data-testid="rate-later"]')
    await older.first.wait_for()
    assert await older.count() == 1
    assert await older.locator("summary").inner_text() == f"Tour 1\u202f: {names[first]}"
    await older.locator("summary").click()
    await older.locator('[data-testid="rating-4"]').check(force=True)
    await older.locator('[data-testid="feedback-send"]').click()
    status = older.locator(".form-status")
    await page.wait_for_function(
        "(node) => node.textContent.startsWith('Enregistré')", arg=await status.element_handle()
    )
    assert "fin de l’événement" not in await status.inner_text()
    assert await page.locator(
        '[data-view="break"] .feedback-slot [data-testid="feedback-form"]'
    ).get_attribute("data-room") != (await older.get_attribute("data-room"))

    assert (await host.call("next"))["ok"]
    third = await partner(3)
    await _screen(page, "room")
    assert (await host.call("end_round"))["ok"]  # the last round: no break, the end
    await _screen(page, "ended")
    # the rating step: rounds 3 and 2, not rated yet, most recent first; round 1 was rated
    step = page.locator('[data-testid="rating-step"]')
    await step.wait_for()
    items = step.locator('[data-testid="rate-step-item"]')
    assert await items.locator(".eyebrow").all_inner_texts() == ["TOUR 3", "TOUR 2"]
    assert await page.locator('[data-testid="ended-summary"]').is_hidden()
    third_form = items.nth(0).locator('[data-testid="feedback-form"]')
    await third_form.locator('[data-testid="rating-5"]').check(force=True)
    await third_form.locator('[data-testid="follow-up"]').check()
    await third_form.locator('[data-testid="reason-experiment"]').check()
    await page.screenshot(path=str(DOCS / "rating-step-fr.png"), full_page=True)
    assert await violations(page) == []
    await third_form.locator('[data-testid="feedback-send"]').click()
    saved = third_form.locator(".form-status")
    await page.wait_for_function(
        "(node) => node.textContent.startsWith('Enregistré')", arg=await saved.element_handle()
    )
    assert "jusqu’à 90 jours après l’événement" in await saved.inner_text()

    # skipped for round 2: the summary, with round 2 still to rate there
    await page.click('[data-testid="rating-step-done"]')
    summary = page.locator('[data-testid="summary"]')
    await summary.locator('[data-testid="summary-meeting"]').first.wait_for()
    assert await step.is_hidden()
    assert await summary.locator('[data-testid="summary-meeting"]').count() == 3
    round2 = summary.locator(f'[data-testid="summary-meeting"][data-room] li[data-peer="{second}"]')
    assert await round2.locator('[data-testid="feedback-form"]').is_visible()
    assert await summary.locator('[data-testid="peer-email"]').count() == 0

    # the round-3 partner wants to follow up too, after the end: it shows at once
    ack = await others[third].call(
        "feedback", {"room": await items.nth(0).get_attribute("data-room"), "rating": 4,
                     "follow_up": True, "reasons": ["documentation"]},
    )  # fmt: skip
    assert ack["ok"], ack
    email = summary.locator(f'li[data-peer="{third}"] [data-testid="peer-email"]')
    await email.wait_for(timeout=10_000)
    assert await email.inner_text() == next(p["email"] for p in ev.people if p["id"] == third)
    assert await violations(page) == []
