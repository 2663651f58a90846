"""The participant's page off the happy path, on phones: the lobby before the doors open says
when the event starts, the room in the last minute fits a 360 px screen with its countdown in
view and offers nothing the phone cannot do, a late arrival reads one message, and leaving is
asked for from inside the room (with a confirmation, and a warning before the page is left).

One event on the server's injected clock (it does not move: the pages count down in real time
from it), two people on phones (English and French) and a third who comes late."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.conftest import PEOPLE
from tests.e2e.axe import violations
from tests.transport.test_restart import FakeClock

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
T = 1_800_000_000_000
TITLE = "Matinée de l’innovation des communes de la métropole"
WAIT = {"mode": "bipartite", "sides": ["commune", "solution"], "odd": "wait"}
PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True}

# Where a visible element is, and whether the page scrolls sideways.
BOX = """(sel) => { const n = [...document.querySelectorAll(sel)].find((e) => e.offsetParent !== null);
                    if (!n) return null;
                    const r = n.getBoundingClientRect();
                    return { left: r.left, right: r.right, top: r.top, bottom: r.bottom }; }"""
WIDE = "() => Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)"


async def _phone(browser: Any, url: str) -> Any:
    context = await browser.new_context(**PHONE)
    page = await context.new_page()
    page.on("pageerror", lambda exc: print(f"[{url}] page error: {exc}"))
    await page.goto(url)
    return page


async def _screen(page: Any, name: str) -> None:
    await page.wait_for_selector(f'[data-testid="screen"][data-screen="{name}"]', timeout=20_000)


async def _in_view(page: Any, selector: str) -> None:
    """The element is shown whole inside the 360 × 740 screen, without scrolling."""
    box = await page.evaluate(BOX, selector)
    assert box is not None, f"{selector} is not shown"
    assert box["left"] >= 0 and box["right"] <= 360, (selector, box)
    assert box["top"] >= 0 and box["bottom"] <= 740, (selector, box)


async def _last_minute_on_a_phone(page: Any, lang: str) -> None:
    """The room in its last minute: the notice and the countdown in view, no sideways scroll,
    the title whole, no screen sharing, every control named and in view."""
    await page.locator('[data-view="room"] [data-testid="time-notice"]:visible').wait_for()
    await _in_view(page, '[data-view="room"] [data-testid="countdown"]')
    await _in_view(page, '[data-view="room"] [data-testid="time-notice"]')
    assert await page.evaluate(WIDE) <= 360
    title = page.locator("h1.topbar-title")
    assert await title.get_attribute("title") == TITLE
    assert await title.evaluate(
        "(h) => h.scrollWidth <= h.clientWidth && h.scrollHeight <= h.clientHeight"
    )
    assert await page.locator('[data-testid="share-screen"]:visible').count() == 0
    leave = "Leave the meeting" if lang == "en" else "Quitter la rencontre"
    await page.get_by_role("button", name=leave, exact=True).wait_for()
    controls = page.locator('[data-view="room"] .controls button:visible')
    for button in await controls.all():
        assert await button.evaluate("(b) => b.querySelector('.label').textContent.trim() !== ''")
        box = await button.bounding_box()
        assert (
            box
            and box["x"] >= 0
            and box["x"] + box["width"] <= 360
            and box["y"] + box["height"] <= 740
        )


async def test_a_phone_from_the_lobby_to_the_last_minute(
    start: Callable[..., Any], browser: Any
) -> None:
    DOCS.mkdir(parents=True, exist_ok=True)
    clock = FakeClock(T)
    server = await start(now=clock)
    claire, hugo, lea = PEOPLE[0], PEOPLE[1], PEOPLE[2]
    # a round of 65 s: the pages count it down from the (still) server time, and reach its
    # last minute five seconds after the start
    ev = await server.event(
        [claire, lea, hugo], title=TITLE, matching=WAIT, rounds=2, round_seconds=65,
        starts_at=T + 600_000,
    )  # fmt: skip
    base = f"{server.url}/e/{ev.id}/p"
    en = await _phone(browser, f"{base}/{ev.person(0)[1]}")
    fr = await _phone(browser, f"{base}/{ev.person(1)[1]}?lang=fr")

    # Before the doors open: when the event starts, and in how long.
    for page, words in ((en, r"The event starts at \d\d:\d\d( [AP]M)?, in"),
                        (fr, r"L’événement commence à \d\d:\d\d, dans")):  # fmt: skip
        await _screen(page, "lobby")
        line = page.locator('[data-testid="starts-at"]')
        await line.wait_for()
        assert re.fullmatch(words, await line.inner_text()), await line.inner_text()
        left = int(
            await page.get_attribute('[data-testid="start-countdown"]', "data-remaining-ms") or 0
        )
        assert 590_000 <= left <= 600_000, left
        assert re.fullmatch(
            r"(10:00|09:\d\d)", await page.inner_text('[data-testid="start-countdown"]')
        )
    assert await violations(fr) == []

    host = await server.connect("/host", ev.host_token)
    await host.wait_board(lambda d: sum(p["online"] for p in d["participants"]) == 2)
    assert (await host.call("start"))["ok"]
    for page in (en, fr):
        await _screen(page, "room")
    # a late arrival: the round is paired, nobody is free
    late = await _phone(browser, f"{base}/{ev.person(2)[1]}")
    await _screen(late, "waiting")

    await _last_minute_on_a_phone(en, "en")
    await _last_minute_on_a_phone(fr, "fr")
    # the late arrival reads one message: when the next round starts (not this one's last minute)
    await late.wait_for_function(
        """() => { const c = document.querySelector('[data-testid="next-countdown"]');
                   return c.dataset.state === 'running' && Number(c.dataset.remainingMs) < 119_000; }"""
    )
    shown = await late.locator(
        '[data-view="waiting"] :is([data-testid="time-notice"], [data-testid="waiting-next"]):visible'
    ).all_inner_texts()
    assert len(shown) == 1 and shown[0].startswith("Round 2 starts at"), shown
    assert await late.locator('[data-testid="time-notice"]:visible').count() == 0
    assert await late.evaluate(WIDE) <= 360

    for page, peer in ((en, ev.person(1)[0]), (fr, ev.person(0)[0])):
        await page.wait_for_function(
            """(peer) => [...document.querySelectorAll('[data-testid="remote-video"]')]
                  .some(v => v.dataset.peer === peer && v.videoWidth > 0 && !v.paused)""",
            arg=peer,
            timeout=20_000,
        )
    await en.screenshot(path=str(DOCS / "phone-room-en.png"))
    await fr.screenshot(path=str(DOCS / "phone-room-fr.png"))
    assert await violations(en) == []

    # Leaving a meeting in progress: the browser asks first.
    asked: list[str] = []
    seen = asyncio.Event()

    async def stay(dialog: Any) -> None:
        asked.append(dialog.type)
        await dialog.dismiss()
        seen.set()

    en.on("dialog", stay)
    await en.click('[data-testid="chat-button"]')  # the page has had a gesture
    await en.close(run_before_unload=True)
    await asyncio.wait_for(seen.wait(), 10)
    assert asked == ["beforeunload"] and not en.is_closed()  # the person chose to stay

    # "Leave the meeting", asked in a dialog; cancelled, then confirmed.
    leave = fr.locator('[data-testid="leave-button"]')
    await leave.click()
    dialog = fr.locator('[data-testid="leave-dialog"]')
    await dialog.wait_for()
    assert await violations(fr) == []
    await fr.click('[data-testid="leave-dialog"] [data-dialog-close]')
    assert not await dialog.is_visible()
    assert await fr.evaluate("() => document.activeElement.dataset.testid") == "leave-button"
    await leave.click()
    await fr.click('[data-testid="leave-confirm"]')
    await fr.locator('[data-testid="message"]').filter(has_text="aucune autre rencontre").wait_for()
    said = await host.wait_board(
        lambda d: any(p["id"] == ev.person(1)[0] and p.get("stopped") for p in d["participants"])
    )
    assert said
    # once the person said they leave, closing the page is not held up
    closed: list[str] = []
    fr.on("dialog", lambda d: closed.append(d.type))
    await fr.close(run_before_unload=True)
    await fr.wait_for_event("close")
    assert closed == []
