"""Late arrivals in real browsers: paired at once with whoever waits, or told the truth (when the
next round starts) while keeping the camera preview and the next-partner card."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.conftest import PEOPLE, Running
from tests.e2e.axe import violations

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
WAIT = {"mode": "bipartite", "sides": ["commune", "solution"], "odd": "wait"}


async def _screen(page: Any, name: str, timeout: float = 20_000) -> None:
    await page.wait_for_selector(f'[data-testid="screen"][data-screen="{name}"]', timeout=timeout)


async def _open(browser: Any, url: str, pid: str, width: int = 1280, height: int = 800) -> Any:
    context = await browser.new_context(viewport={"width": width, "height": height})
    page = await context.new_page()
    page.on("pageerror", lambda exc: print(f"[{pid}] page error: {exc}"))
    await page.goto(url)
    return page


async def _live_video_from(page: Any, peer: str, timeout: float = 30_000) -> None:
    await page.wait_for_function(
        """(peer) => [...document.querySelectorAll('[data-testid="remote-video"]')]
              .some(v => v.dataset.peer === peer && v.videoWidth > 0 && !v.paused)""",
        arg=peer,
        timeout=timeout,
    )


async def _preview_plays(page: Any) -> None:
    """The camera preview of the waiting screen shows the camera."""
    await page.wait_for_function(
        """() => { const v = document.querySelector('[data-view="waiting"] [data-testid="local-video"]');
                   return v && v.videoWidth > 0 && !v.paused && v.offsetParent !== null; }""",
        timeout=20_000,
    )


async def test_a_late_arrival_gets_a_partner(server: Running, browser: Any) -> None:
    ev = await server.event(PEOPLE, matching=WAIT, rounds=2)
    pages: dict[str, Any] = {}
    for i in range(3):  # Claire, Hugo (communes) and Léa: one commune waits
        pid, token = ev.person(i)
        pages[pid] = await _open(browser, f"{server.url}/e/{ev.id}/p/{token}", pid)
    for page in pages.values():
        await _screen(page, "lobby")
    host = await server.connect("/host", ev.host_token)
    await host.wait_board(lambda d: sum(p["online"] for p in d["participants"]) == 3)
    assert (await host.call("start"))["ok"]
    board = await host.wait_board(lambda d: len(d["rooms"]) == 1 and len(d["waiting"]) == 1)
    idle = board["waiting"][0]["id"]
    await _screen(pages[idle], "waiting")
    assert await pages[idle].get_attribute('[data-view="waiting"]', "data-wait") == "sit_out"
    await _preview_plays(pages[idle])
    assert await violations(pages[idle]) == []

    late, token = ev.person(3)  # Thomas, a solution, comes during the round
    pages[late] = await _open(browser, f"{server.url}/e/{ev.id}/p/{token}", late)
    for pid in (late, idle):
        await _screen(pages[pid], "room")
    await _live_video_from(pages[late], idle)
    await _live_video_from(pages[idle], late)
    names = await pages[idle].locator('[data-testid="partner-name"]').all_inner_texts()
    assert names == ["Thomas Petit"]


async def test_a_late_arrival_with_nobody_free_is_told_when_the_next_round_starts(
    server: Running, browser: Any
) -> None:
    DOCS.mkdir(parents=True, exist_ok=True)
    late_people = [
        {"name": "Ana Pereira", "organization": "Ville de Brest", "side": "commune"},
        {"name": "Bruno Costa", "organization": "Mairie de Pau", "side": "commune"},
    ]
    ev = await server.event([*PEOPLE, *late_people], matching=WAIT, rounds=2)
    host = await server.connect("/host", ev.host_token)
    for i in range(4):  # the four of round 1, on sockets: two rooms, nobody waits
        await server.connect("/participant", ev.person(i)[1])
    await host.wait_board(lambda d: sum(p["online"] for p in d["participants"]) == 4)
    assert (await host.call("start"))["ok"]
    await host.wait_board(lambda d: len(d["rooms"]) == 2)

    (ana, ana_token), (bruno, bruno_token) = ev.person(4), ev.person(5)
    page = await _open(browser, f"{server.url}/e/{ev.id}/p/{ana_token}", ana)
    # French, on a phone
    phone = await _open(browser, f"{server.url}/e/{ev.id}/p/{bruno_token}?lang=fr", bruno, 390, 844)
    for p in (page, phone):
        await _screen(p, "waiting")
        assert await p.get_attribute('[data-view="waiting"]', "data-wait") == "late"
        await _preview_plays(p)
    text = await page.inner_text('[data-testid="waiting-next"]')
    assert text.startswith("Round 2 starts at"), text
    assert (await phone.inner_text('[data-testid="waiting-next"]')).startswith("Le tour 2")
    # the countdown to round 2 is the round's time left and the break
    left = await page.evaluate(
        """() => [Number(document.querySelector('[data-testid="next-countdown"]').dataset.remainingMs),
                  Number(document.querySelector('[data-testid="countdown"]').dataset.remainingMs)]"""
    )
    assert abs(left[0] - (left[1] + 60_000)) < 2_000, left
    countdown = await page.inner_text('[data-testid="next-countdown"]')
    assert len(countdown) == 5 and countdown[2] == ":", countdown
    # the card of round 2: they waited, so they are among the first paired then
    for p in (page, phone):
        await p.wait_for_function(
            """() => { const card = document.querySelector('[data-view="waiting"] .next-card');
                       return card && card.offsetParent !== null
                         && card.querySelector('[data-testid="profile-card"]') !== null; }""",
            timeout=20_000,
        )
    board = await host.wait_board(lambda d: {w["id"] for w in d["waiting"]} == {ana, bruno})
    assert all(w["online"] for w in board["waiting"])
    await page.screenshot(path=str(DOCS / "late.png"))
    await phone.screenshot(path=str(DOCS / "late-fr.png"), full_page=True)
    assert await violations(page) == []
    assert await violations(phone) == []
