"""Relevance in the pages: "Suggestions for you" at the top of the directory and "Why this
meeting" on the next-partner card and in the room, each in the reader's words and language."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.conftest import ADMIN, PEOPLE, Running
from tests.e2e.axe import violations
from tests.e2e.test_profiles import watch

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
THEMED = [
    {**PEOPLE[0], "tags": ["énergie", "bâtiments scolaires"],
     "pitch": "Nous voulons réduire la facture énergétique de nos écoles et de nos gymnases."},
    {**PEOPLE[1], "tags": ["mobilité"], "pitch": "Des navettes pour relier nos villages."},
    {**PEOPLE[2], "tags": ["transports"],
     "pitch": "Navettes électriques à la demande pour les villages."},
    {**PEOPLE[3], "tags": ["energy", "écoles"],
     "pitch": "Isolation biosourcée pour écoles et gymnases."},
]  # fmt: skip
ALL_LOADED = "() => [...document.querySelectorAll('img')].every(i => i.complete)"


async def test_suggestions_and_the_reason_of_a_meeting(
    start: Callable[..., Any], browser: Any
) -> None:
    server: Running = await start(board_interval_ms=50)
    DOCS.mkdir(parents=True, exist_ok=True)
    ev = await server.event(THEMED, rounds=2)
    # without relevance the first round would pair Claire with Léa (the order of the ids)
    others = [await server.connect("/participant", ev.person(i)[1]) for i in (1, 2, 3)]
    failures: list[str] = []

    # Claire, in English: Thomas is suggested first, saying why in her own words
    context = await browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    page = await context.new_page()
    watch(page, failures)
    await page.goto(f"{server.url}/e/{ev.id}/p/{ev.person(0)[1]}?lang=en")
    await page.wait_for_selector('[data-testid="screen"][data-screen="lobby"]')
    await page.click('[data-testid="open-directory"]')
    suggested = page.locator('[data-testid="directory-suggested"]')
    await suggested.wait_for()
    first = suggested.locator('[data-testid="suggestion"]').first
    assert await first.get_attribute("data-person") == "p4"
    why = await first.locator('[data-testid="why"]').inner_text()
    assert why.startswith("You share: énergie, bâtiments scolaires."), why
    assert "gymnases" in why  # the word both pitches use, as written
    await page.wait_for_function(ALL_LOADED)
    await page.locator('[data-testid="directory"]').screenshot(
        path=str(DOCS / "directory-suggestions-en.png")
    )
    assert await violations(page) == []
    await page.keyboard.press("Escape")

    # her next-partner card: Thomas, and why this meeting
    card = page.locator('[data-testid="next-card"]').first
    await card.locator('[data-testid="profile-card"][data-person="p4"]').wait_for(timeout=15_000)
    reason = await card.locator('[data-testid="why"]').inner_text()
    assert "Why this meeting" in reason and "You share: énergie, bâtiments scolaires." in reason

    # Hugo, in French on his phone: Léa suggested, and the reason on his card
    phone = await browser.new_context(
        viewport={"width": 390, "height": 844}, locale="fr-FR", is_mobile=True, has_touch=True
    )
    fr = await phone.new_page()
    watch(fr, failures)
    await others[0].close()  # Hugo's socket: his page takes its place
    await fr.goto(f"{server.url}/e/{ev.id}/p/{ev.person(1)[1]}?lang=fr")
    await fr.wait_for_selector('[data-testid="screen"][data-screen="lobby"]')
    await fr.click('[data-testid="open-directory"]')
    mine = fr.locator('[data-testid="directory-suggested"] [data-testid="suggestion"]').first
    await mine.wait_for()
    assert await mine.get_attribute("data-person") == "p3"
    said = await mine.locator('[data-testid="why"]').inner_text()
    assert said.startswith("Vous partagez\u202f: mobilité."), said  # transports ~ mobilité
    assert "Suggestions pour vous" in await fr.inner_text('[data-testid="directory-suggested"]')
    width = await fr.evaluate("document.querySelector('[data-testid=\"directory\"]').scrollWidth")
    assert width <= 390, width
    await fr.screenshot(path=str(DOCS / "directory-suggestions-fr.png"))
    assert await violations(fr) == []
    await fr.keyboard.press("Escape")
    next_fr = fr.locator('[data-testid="next-card"]').first
    await next_fr.locator('[data-testid="profile-card"][data-person="p3"]').wait_for(timeout=15_000)
    await next_fr.scroll_into_view_if_needed()
    text = await next_fr.locator('[data-testid="why"]').inner_text()
    assert "Pourquoi cette rencontre" in text and "Vous partagez\u202f: mobilité." in text
    await fr.wait_for_function(ALL_LOADED)
    await next_fr.screenshot(path=str(DOCS / "next-card-reason-fr.png"))

    # the round starts: the reason beside Thomas's video, in the room
    host = await server.connect("/host", ev.host_token)
    assert (await host.call("start"))["ok"]
    await page.wait_for_selector('[data-testid="screen"][data-screen="room"]')
    beside = page.locator('[data-testid="partner-cards"] [data-testid="why"]')
    await beside.wait_for()
    assert "You share: énergie, bâtiments scolaires." in await beside.inner_text()
    assert await violations(page) == []

    # the organiser, in French, adds synonyms where the tags are edited and switches it off
    admin = await (await browser.new_context(locale="fr-FR")).new_page()
    watch(admin, failures)
    await admin.goto(f"{server.url}/admin?lang=fr")
    await admin.fill('[data-testid="admin-token"]', ADMIN)
    await admin.press('[data-testid="admin-token"]', "Enter")
    await admin.wait_for_selector('[data-testid="new-event"]')
    await admin.goto(f"{server.url}/admin?lang=fr#/e/{ev.id}")
    synonyms = admin.locator('[data-testid="edit-synonyms"]')
    await synonyms.fill("tiers-lieux ~ coworking\nvélo")
    await admin.click('[data-testid="save-settings"]')
    # the page's words name the line, beside the field
    await admin.wait_for_selector('[data-testid="edit-synonyms"][aria-invalid="true"]')
    await admin.wait_for_selector('[data-testid="field-error"]:has-text("Ligne 2")')
    await synonyms.fill("tiers-lieux ~ coworking")
    await admin.uncheck('[data-testid="edit-relevance"]')
    # the page's own check box is unchecked at once: wait for the save itself to be answered
    async with admin.expect_response(
        lambda r: r.request.method == "PATCH" and f"/api/events/{ev.id}" in r.url
    ) as saved:
        await admin.click('[data-testid="save-settings"]')
    assert (await saved.value).ok
    _, body = await server.api("GET", f"/api/events/{ev.id}")
    assert body["relevance"] is False and body["synonyms"] == ["tiers-lieux ~ coworking"]
    assert await violations(admin) == []
    assert failures == [], failures
    for c in others[1:]:
        await c.close()
