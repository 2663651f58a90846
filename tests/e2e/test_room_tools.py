"""In the room, in real browsers: two participants chat with the keyboard alone (a link is
clickable and safe, a script tag arrives as text, the unread count is announced), a moderator in
the call reads and writes too; one shares a screen that the other and the moderator see large,
then stops; a camera is switched mid-call without a new connection, and the choice is remembered
by the browser. The conversation can be saved as a text file, and is gone with the round."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import PEOPLE, Running
from tests.e2e.axe import violations
from tests.e2e.conftest import CHROMIUM, FAKE_DEVICES, FLAGS

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"

# Three fake cameras (fake_device_0 to _2) and three microphones. The second camera gives
# WebRTC no frames to send (Chromium's fake device 1 has a depth format): switch to the third.
DEVICE_FLAGS = [f"{FAKE_DEVICES},device-count=3" if f == FAKE_DEVICES else f for f in FLAGS]

# Keeps every RTCPeerConnection the page makes (nothing in the pages is there for the tests).
SPY = """
(() => {
  const Native = window.RTCPeerConnection;
  const pcs = window.__pcs = [];
  window.RTCPeerConnection = class extends Native {
    constructor(...args) { super(...args); pcs.push(this); }
  };
})();
"""

REMOTE = """(peer) => [...document.querySelectorAll('[data-testid="remote-video"]')]
  .find(v => v.dataset.peer === peer)"""
WIDTH = f"""([peer, width]) => {{
  const v = ({REMOTE})(peer);
  return Boolean(v && v.videoWidth === width && !v.paused);
}}"""
# The camera's picture is back (4:3, the fake camera's 640×480): its shape, not its width, since
# an encoder short of CPU sends it smaller (480×360 for 20 s and more on a loaded machine)
CAMERA_SHAPE = f"""([peer]) => {{
  const v = ({REMOTE})(peer);
  return Boolean(v && v.videoHeight > 0 && !v.paused
    && Math.abs(v.videoWidth / v.videoHeight - 4 / 3) < 0.02);
}}"""
SENT_VIDEO = """() => window.__pcs.filter(pc => pc.connectionState !== 'closed').map(pc => {
  const s = pc.getSenders().find(x => x.track && x.track.kind === 'video');
  return { state: pc.connectionState, label: s ? s.track.label : null };
})"""
LOCAL_CAMERA = """() => {
  const v = document.querySelector('[data-view="room"] [data-testid="local-video"]');
  const t = v && v.srcObject && v.srcObject.getVideoTracks()[0];
  return t ? t.label : null;
}"""
FRAMES = f"""(peer) => ({REMOTE})(peer).getVideoPlaybackQuality().totalVideoFrames"""


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    """Chromium with three fake cameras (the shared conftest's browser has one)."""
    if not CHROMIUM.exists():
        pytest.skip(f"BROWSER TESTS SKIPPED: {CHROMIUM} not found")
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        chromium = await pw.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=DEVICE_FLAGS
        )
        try:
            yield chromium
        finally:
            await chromium.close()


async def _screen(page: Any, name: str, timeout: float = 20_000) -> None:
    await page.wait_for_selector(f'[data-testid="screen"][data-screen="{name}"]', timeout=timeout)


async def _active(page: Any) -> str | None:
    return await page.evaluate(
        "() => document.activeElement && document.activeElement.dataset.testid"
    )  # type: ignore[no-any-return]


async def _meet(server: Running, browser: Any, lang: str) -> tuple[Any, dict[str, Any], list[str]]:
    ev = await server.event([PEOPLE[0], PEOPLE[3]], rounds=2)
    pages: dict[str, Any] = {}
    for i in range(2):
        pid, token = ev.person(i)
        context = await browser.new_context(viewport={"width": 1280, "height": 800})
        await context.add_init_script(SPY)
        page = await context.new_page()
        page.on("pageerror", lambda exc, who=pid: print(f"[{who}] page error: {exc}"))
        await page.goto(f"{server.url}/e/{ev.id}/p/{token}?lang={lang}")
        pages[pid] = page
    for page in pages.values():
        await _screen(page, "lobby")
    host = await server.connect("/host", ev.host_token)
    assert (await host.call("open"))["ok"]
    assert (await host.call("start"))["ok"]
    ids = list(pages)
    for pid, page in pages.items():
        other = ids[1] if pid == ids[0] else ids[0]
        await _screen(page, "room")
        await page.wait_for_function(CAMERA_SHAPE, arg=[other], timeout=30_000)
    return ev, pages, ids


async def _chat(a: Any, b: Any, a_name: str, lang: str) -> None:
    """A writes a link and a script tag with the keyboard; B is told, opens, reads, answers."""
    await a.focus('[data-testid="chat-button"]')
    await a.keyboard.press("Enter")
    await a.wait_for_selector('[data-testid="chat"]:not([hidden])')
    assert await _active(a) == "chat-input"
    text = (
        "The deck: https://example.org/deck?v=2. "
        "<script>window.__pwned = 1</script> <img src=x onerror=window.__pwned=2> "
        "javascript:alert(1)"
    )
    await a.keyboard.type(text)
    await a.keyboard.press("Enter")
    await a.wait_for_selector('[data-testid="chat-message"][data-mine="true"]')
    assert await a.input_value('[data-testid="chat-input"]') == ""

    # B's chat is closed: the button counts, a polite status line says who wrote
    button = await b.wait_for_selector('[data-testid="chat-button"][data-unread="1"]')
    label = await button.get_attribute("aria-label")
    assert "1" in label, label
    said = await b.text_content('[data-testid="chat-announce"]')
    assert (
        a_name in said
        and await b.get_attribute('[data-testid="chat-announce"]', "role") == "status"
    )
    await b.focus('[data-testid="chat-button"]')
    await b.keyboard.press("Enter")
    assert await _active(b) == "chat-input"
    await b.wait_for_selector('[data-testid="chat-button"][data-unread="0"]', state="attached")
    message = b.locator('[data-testid="chat-text"]').first
    assert await message.inner_text() == text  # as written, tags and all
    links = message.locator("a")
    assert await links.count() == 1  # javascript: is no link
    link = links.first
    assert await link.get_attribute("href") == "https://example.org/deck?v=2"
    assert await link.inner_text() == "https://example.org/deck?v=2"  # the full stop is not in it
    assert await link.get_attribute("rel") == "noopener noreferrer"
    assert await link.get_attribute("target") == "_blank"
    assert await message.locator("script, img").count() == 0
    assert await b.evaluate("() => window.__pwned") is None
    assert await b.get_attribute('[data-testid="chat-log"]', "role") == "log"
    assert await violations(b) == []

    await b.keyboard.type("Thanks, I have it" if lang == "en" else "Merci, je l'ai")
    await b.keyboard.press("Enter")
    await a.wait_for_function(
        """() => document.querySelectorAll('[data-testid="chat-message"]').length === 2"""
    )
    # A's panel is open: nothing is unread
    assert await a.get_attribute('[data-testid="chat-button"]', "data-unread") == "0"


@pytest.mark.parametrize("lang", ["en", "fr"])
async def test_two_participants_chat(server: Running, browser: Any, lang: str) -> None:
    DOCS.mkdir(parents=True, exist_ok=True)
    ev, pages, (a, b) = await _meet(server, browser, lang)
    await _chat(pages[a], pages[b], PEOPLE[0]["name"], lang)
    await pages[a].screenshot(path=str(DOCS / f"room-chat-{lang}.png"))

    # saved as a text file, on demand (the server keeps nothing)
    async with pages[a].expect_download() as info:
        await pages[a].click('[data-testid="chat-save"]')
    download = await info.value
    saved_path = await download.path()
    saved = await asyncio.to_thread(Path(saved_path).read_text, encoding="utf-8")
    assert "https://example.org/deck?v=2" in saved and PEOPLE[3]["name"] in saved, saved
    assert download.suggested_filename.endswith(".txt")

    # Escape closes the panel, focus back on its button
    await pages[a].focus('[data-testid="chat-input"]')
    await pages[a].keyboard.press("Escape")
    await pages[a].wait_for_selector('[data-testid="chat"]', state="hidden")
    assert await _active(pages[a]) == "chat-button"

    # the round ends: the break offers to save what was said, the next round starts afresh
    host = await server.connect("/host", ev.host_token)
    assert (await host.call("end_round"))["ok"]
    await _screen(pages[b], "break")
    await pages[b].wait_for_selector('[data-testid="chat-saved"]:not([hidden])')
    assert (await host.call("next"))["ok"]
    await _screen(pages[b], "waiting")  # nobody new to meet in round 2
    assert await pages[b].locator('[data-testid="chat-message"]').count() == 0


async def test_screen_sharing_a_moderator_and_a_camera_switched_mid_call(
    server: Running, browser: Any
) -> None:
    DOCS.mkdir(parents=True, exist_ok=True)
    ev, pages, (a, b) = await _meet(server, browser, "en")
    first, second = pages[a], pages[b]

    # a moderator joins the call: reads and writes the room's chat
    mod_ctx = await browser.new_context(viewport={"width": 1400, "height": 900})
    mod = await mod_ctx.new_page()
    mod.on("pageerror", lambda exc: print(f"[moderator] page error: {exc}"))
    await mod.goto(f"{server.url}/e/{ev.id}/mod/{ev.moderator_token}")
    # a locator, not a handle: the board may draw the room's card again as the links report
    await mod.locator('[data-testid="join-room"]').click(timeout=10_000)
    await mod.wait_for_function(
        """() => [...document.querySelectorAll('[data-testid="call-video"]')]
                   .filter(v => v.videoWidth > 0).length === 2""",
        timeout=30_000,
    )
    await mod.click('[data-testid="chat-button"]')
    await mod.fill('[data-testid="chat-input"]', "Moderator here, all good?")
    await mod.press('[data-testid="chat-input"]', "Enter")
    for page in pages.values():
        await page.wait_for_selector('[data-testid="chat-button"][data-unread="1"]')
    await first.click('[data-testid="chat-button"]')
    assert "Moderator here" in await first.inner_text('[data-testid="chat-log"]')
    await first.fill('[data-testid="chat-input"]', "Yes, thanks")
    await first.press('[data-testid="chat-input"]', "Enter")
    await mod.wait_for_function(
        """() => document.querySelector('[data-testid="chat-log"]').textContent.includes('Yes, thanks')"""
    )
    await first.keyboard.press("Escape")

    # share the screen, with the keyboard: the partner and the moderator see it large
    before = {pid: await page.evaluate("() => window.__pcs.length") for pid, page in pages.items()}
    share = first.locator('[data-testid="share-screen"]')
    assert await share.is_visible()
    await share.focus()
    await first.keyboard.press("Enter")
    await second.wait_for_function(WIDTH, arg=[a, 1280], timeout=20_000)
    tile = second.locator(f'.tile.remote[data-peer="{a}"]')
    assert await tile.get_attribute("data-screen") == "on"
    await second.wait_for_function(
        """() => document.querySelector('[data-testid="share-status"]').textContent.length > 0"""
    )
    assert await share.get_attribute("aria-pressed") == "true"
    await mod.wait_for_function(
        f"""() => {{ const v = document.querySelector('[data-testid="call-video"][data-peer="{a}"]');
                     return v && v.videoWidth === 1280; }}""",
        timeout=20_000,
    )
    if await second.is_visible("#notice"):
        await second.click("#notice-close")  # "a moderator is joining" is old news
    await second.screenshot(path=str(DOCS / "room-screen-en.png"))
    # stop: the camera comes back, for both
    assert await _active(first) == "share-screen", await first.evaluate(
        "() => document.activeElement && document.activeElement.outerHTML.slice(0, 200)"
    )
    await first.keyboard.press("Enter")
    await second.wait_for_function(CAMERA_SHAPE, arg=[a], timeout=20_000)
    assert await tile.get_attribute("data-screen") == "off"
    assert await share.get_attribute("aria-pressed") == "false"

    # switch the camera mid-call: the same connections send the new one
    cameras = first.locator('[data-view="room"] [data-testid="device-videoinput"] option')
    assert await cameras.count() == 3, await cameras.all_inner_texts()
    await first.focus('[data-testid="devices-button"]')
    await first.keyboard.press("Enter")
    assert await _active(first) == "device-videoinput"
    await first.select_option('[data-view="room"] [data-testid="device-videoinput"]', index=2)
    await first.wait_for_function(f"() => ({LOCAL_CAMERA})() === 'fake_device_2'")
    await first.wait_for_function(
        f"""() => ({SENT_VIDEO})().every(s => s.label === 'fake_device_2')"""
    )
    sent = await first.evaluate(SENT_VIDEO)
    assert sent and all(s["state"] == "connected" for s in sent), sent
    frames = await second.evaluate(FRAMES, a)
    await second.wait_for_function(f"(n) => ({FRAMES})('{a}') > n + 30", arg=frames, timeout=30_000)
    after = {pid: await page.evaluate("() => window.__pcs.length") for pid, page in pages.items()}
    assert after == before, "a connection was started over"
    await first.keyboard.press("Escape")
    assert await _active(first) == "devices-button"

    # remembered by this browser: after a reload the same camera is used
    await first.reload()
    await _screen(first, "room")
    await first.wait_for_function(f"() => ({LOCAL_CAMERA})() === 'fake_device_2'", timeout=15_000)
    await second.wait_for_function(CAMERA_SHAPE, arg=[a], timeout=30_000)
