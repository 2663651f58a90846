"""Help that reaches a person, in real browsers: a participant asks through the help form (with
the keyboard alone), a moderator takes the request, joins the room's call as a third video that
both members see and hear, sees both of them, and leaves; at the end of the round a moderator in
a call leaves by itself."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import PEOPLE, Running
from tests.e2e.axe import violations

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"

# The moderator's tile on a member's page has a picture (frames decoded from the other browser).
MODERATOR_VIDEO = """() => {
  const v = document.querySelector('[data-testid="moderator-tile"] video');
  return Boolean(v && v.videoWidth > 0 && !v.paused);
}"""
# The moderator's page has a picture of every member.
CALL_VIDEOS = """(n) => {
  const vs = [...document.querySelectorAll('[data-testid="call-video"]')];
  return vs.length === n && vs.every(v => v.videoWidth > 0 && !v.paused);
}"""
PARTNER_VIDEO = """(peer) => {
  const v = [...document.querySelectorAll('[data-testid="remote-video"]')]
    .find(x => x.dataset.peer === peer);
  return Boolean(v && v.videoWidth > 0);
}"""


async def _screen(page: Any, name: str, timeout: float = 20_000) -> None:
    await page.wait_for_selector(f'[data-testid="screen"][data-screen="{name}"]', timeout=timeout)


@pytest.mark.parametrize("lang", ["en", "fr"])
async def test_a_moderator_joins_a_call_and_leaves(
    server: Running, browser: Any, lang: str
) -> None:
    DOCS.mkdir(parents=True, exist_ok=True)
    ev = await server.event([PEOPLE[0], PEOPLE[3]], rounds=2)
    pages: dict[str, Any] = {}
    for i in range(2):
        pid, token = ev.person(i)
        context = await browser.new_context(viewport={"width": 1100, "height": 760})
        page = await context.new_page()
        page.on("pageerror", lambda exc, who=pid: print(f"[{who}] page error: {exc}"))
        await page.goto(f"{server.url}/e/{ev.id}/p/{token}?lang={lang}")
        pages[pid] = page
    for page in pages.values():
        await _screen(page, "lobby")
    host = await server.connect("/host", ev.host_token)
    assert (await host.call("open"))["ok"]
    assert (await host.call("start"))["ok"]
    a, b = pages
    partner = {a: b, b: a}
    for pid, page in pages.items():
        await _screen(page, "room")
        await page.wait_for_function(PARTNER_VIDEO, arg=partner[pid], timeout=30_000)

    mod_ctx = await browser.new_context(viewport={"width": 1400, "height": 900})
    mod = await mod_ctx.new_page()
    mod.on("pageerror", lambda exc: print(f"[moderator] page error: {exc}"))
    await mod.goto(f"{server.url}/e/{ev.id}/mod/{ev.moderator_token}?lang={lang}")
    await mod.wait_for_selector('[data-testid="room-card"]', timeout=10_000)
    await mod.fill('[data-testid="label-name"]', "Inès")
    await mod.press('[data-testid="label-name"]', "Enter")
    await mod.wait_for_function(
        """() => document.querySelector('[data-testid="label-shown"]').textContent.includes('Inès')"""
    )

    # The help form, with the keyboard alone: open, pick a reason, a word, send.
    first = pages[a]
    await first.focus('[data-testid="help-button"]')
    await first.keyboard.press("Enter")
    await first.wait_for_selector('[data-testid="help-dialog"][open]')
    focused = await first.evaluate("() => document.activeElement.dataset.testid")
    assert focused == "help-reason-no_sound"
    await first.keyboard.press("ArrowDown")  # no video
    await first.keyboard.press("Tab")
    await first.keyboard.type("The image is frozen")
    await first.screenshot(path=str(DOCS / f"help-form-{lang}.png"))
    assert await violations(first) == []
    await first.keyboard.press("Tab")  # Cancel
    await first.keyboard.press("Tab")  # Send
    await first.keyboard.press("Enter")
    await first.wait_for_selector('[data-testid="help-done"]:not([hidden])')
    await first.keyboard.press("Escape")
    await first.wait_for_selector('[data-testid="help-dialog"]:not([open])', state="attached")
    assert await first.evaluate("() => document.activeElement.dataset.testid") == "help-button"
    await first.wait_for_selector('[data-testid="help-status"]:not([hidden])')

    # The moderator takes it: the participant is told who is coming.
    item = await mod.wait_for_selector('[data-testid="help-item"]', timeout=10_000)
    assert "no_video" not in await item.inner_text()  # the reason, in words
    await mod.click('[data-testid="claim-help"]')
    await mod.wait_for_selector('[data-testid="help-claimed-by"]')
    assert await violations(mod) == []
    await first.wait_for_function(
        """() => document.querySelector('[data-testid="help-status"]').textContent.includes('Inès')""",
        timeout=10_000,
    )

    # Into the call: both members see a third video, the moderator sees both.
    await mod.click('[data-testid="help-join"]')
    await mod.wait_for_selector('[data-testid="call"]:not([hidden])')
    # the panel is titled with the room (it once bore the sign-up page's title)
    title = await mod.inner_text("#call-title")
    assert "r1-1" in title and title != (
        "Sign up for this event" if lang == "en" else "S'inscrire à cet événement"
    ), title
    for page in pages.values():
        await page.wait_for_function(MODERATOR_VIDEO, timeout=30_000)
    await mod.wait_for_function(CALL_VIDEOS, arg=2, timeout=30_000)
    label = await first.inner_text('[data-testid="moderator-tile"] figcaption')
    assert "Inès" in label
    await first.screenshot(path=str(DOCS / f"room-moderator-{lang}.png"))
    await mod.screenshot(path=str(DOCS / f"moderator-call-{lang}.png"))
    assert await violations(first) == []
    assert await violations(mod) == []
    # the partners still see each other
    for pid, page in pages.items():
        assert await page.evaluate(PARTNER_VIDEO, partner[pid])

    # Leaving: the tile goes on both pages.
    await mod.click('[data-testid="call-leave"]')
    await mod.wait_for_selector('[data-testid="call"]', state="hidden")
    for page in pages.values():
        await page.wait_for_selector('[data-testid="moderator-tile"]', state="detached")

    # Back in, then the round ends: the moderator leaves by itself.
    await mod.click('[data-testid="join-room"]')
    for page in pages.values():
        await page.wait_for_function(MODERATOR_VIDEO, timeout=30_000)
    assert (await host.call("end_round"))["ok"]
    await mod.wait_for_selector('[data-testid="call"]', state="hidden", timeout=10_000)
    for page in pages.values():
        await _screen(page, "break")
        await page.wait_for_selector('[data-testid="moderator-tile"]', state="detached")
