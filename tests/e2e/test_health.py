"""Silent meetings in real browsers: a participant whose camera and microphone are blocked still
joins, sees and hears the partner; the partner's tile says why there is nothing, the moderator
board flags the room in words, the host counts it. A microphone that sends only silence is
found by what arrives (audio energy), not by what the page says.

Reproduced on main: the partner saw a black tile with no word, the board showed both connected
with no flag, the host was never told.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.conftest import PEOPLE, Running
from tests.e2e.axe import violations

SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"

# The person refused the camera and microphone: every getUserMedia call is refused, as Chrome
# does for a site whose permissions are blocked.
BLOCKED = """
navigator.mediaDevices.getUserMedia = () =>
  Promise.reject(new DOMException('Permission denied', 'NotAllowedError'));
"""

# A microphone that works but sends only silence (a muted headset, a wrong input): the fake
# camera, and the audio of a Web Audio destination nothing plays into.
SILENT = """
(() => {
  const real = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
  navigator.mediaDevices.getUserMedia = async (constraints) => {
    const stream = await real({ video: constraints.video || true });
    const silence = new AudioContext().createMediaStreamDestination();
    stream.addTrack(silence.stream.getAudioTracks()[0]);
    return stream;
  };
})();
"""

# The person blocked the camera and allowed the microphone (Chrome refuses any request that
# includes the camera, and says so through the Permissions API).
CAMERA_BLOCKED = """
(() => {
  const real = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
  navigator.mediaDevices.getUserMedia = (constraints) => constraints.video
    ? Promise.reject(new DOMException('Permission denied', 'NotAllowedError'))
    : real(constraints);
  const query = navigator.permissions.query.bind(navigator.permissions);
  const states = { camera: 'denied', microphone: 'granted' };
  navigator.permissions.query = (d) => d.name in states
    ? Promise.resolve({ name: d.name, state: states[d.name] }) : query(d);
})();
"""

QUICK = {"media_grace_seconds": 0, "no_video_seconds": 3, "no_audio_seconds": 4}


async def _screen(page: Any, name: str, timeout: float = 20_000) -> None:
    await page.wait_for_selector(f'[data-testid="screen"][data-screen="{name}"]', timeout=timeout)


async def _live_video_from(page: Any, peer: str, timeout: float = 30_000) -> None:
    await page.wait_for_function(
        """(peer) => [...document.querySelectorAll('[data-testid="remote-video"]')]
              .some(v => v.dataset.peer === peer && v.videoWidth > 0 && !v.paused)""",
        arg=peer,
        timeout=timeout,
    )


async def _tile_says(page: Any, peer: str, text: str, timeout: float = 30_000) -> str:
    """Wait until the tile of ``peer`` shows ``text``; its whole status line."""
    handle = await page.wait_for_function(
        """([peer, text]) => {
             const tile = [...document.querySelectorAll('.tile.remote')]
               .find(t => t.dataset.peer === peer);
             const status = tile && tile.querySelector('.tile-status');
             return status && !status.hidden && status.textContent.includes(text)
               ? status.textContent : null;
           }""",
        arg=[peer, text],
        timeout=timeout,
    )
    return str(await handle.json_value())


async def _pair(
    server: Running, browser: Any, scripts: dict[int, str], lang: str = "en"
) -> tuple[Any, dict[str, Any], list[str]]:
    """Claire (commune) and Thomas (solution) in round 1; ``scripts`` by person index."""
    ev = await server.event([PEOPLE[0], PEOPLE[3]], rounds=2)
    pages: dict[str, Any] = {}
    ids = []
    for i in range(2):
        pid, token = ev.person(i)
        ids.append(pid)
        context = await browser.new_context(viewport={"width": 1000, "height": 700})
        if i in scripts:
            await context.add_init_script(scripts[i])
        page = await context.new_page()
        page.on("pageerror", lambda exc, who=pid: print(f"[{who}] page error: {exc}"))
        await page.goto(f"{server.url}/e/{ev.id}/p/{token}?lang={lang}")
        pages[pid] = page
    for page in pages.values():
        await _screen(page, "lobby")
    host = await server.connect("/host", ev.host_token)
    assert (await host.call("open"))["ok"]
    assert (await host.call("start"))["ok"]
    for page in pages.values():
        await _screen(page, "room")
    return ev, pages, ids


async def test_a_blocked_camera_is_told_to_the_partner_and_flagged(
    start: Any, browser: Any
) -> None:
    server = await start(**QUICK)
    ev, pages, (claire, thomas) = await _pair(server, browser, {1: BLOCKED})
    # Thomas joined without camera or microphone, and still sees Claire
    await _live_video_from(pages[thomas], claire)
    # and his own picture says why nothing of him goes out
    error = pages[thomas].locator('[data-view="room"] .media-error')
    assert "did not allow the camera" in await error.inner_text()
    await pages[thomas].screenshot(path=str(SHOTS / "room-blocked-self.png"))
    # Claire's tile of Thomas says why it is black and silent, by name
    said = await _tile_says(pages[claire], thomas, "Thomas Petit's camera is blocked")
    assert "Thomas Petit's microphone is blocked" in said
    await pages[claire].screenshot(path=str(SHOTS / "tile-blocked.png"))
    await pages[claire].set_viewport_size({"width": 390, "height": 760})
    await pages[claire].screenshot(path=str(SHOTS / "tile-blocked-phone.png"))

    board_ctx = await browser.new_context(viewport={"width": 1280, "height": 800})
    board = await board_ctx.new_page()
    await board.goto(f"{server.url}/e/{ev.id}/mod/{ev.moderator_token}")
    card = board.locator('[data-testid="room-card"]')
    for flag in ("camera_blocked", "mic_blocked", "no_video", "no_audio"):
        await board.wait_for_selector(f'[data-testid="room-card"][data-flags~="{flag}"]')
    # in words, by name; nothing seen or heard of him is said once, with why
    badges = await card.locator(".flag").all_inner_texts()
    assert badges == ["camera blocked: Thomas Petit", "microphone blocked: Thomas Petit"], badges
    words = await card.locator('[data-testid="member-media"]').all_inner_texts()
    assert words == ["camera blocked · microphone blocked"], words  # he sees and hears her
    await board.screenshot(path=str(SHOTS / "moderator-silent.png"))
    assert await violations(board) == []  # with the flags

    host_ctx = await browser.new_context(viewport={"width": 1280, "height": 800})
    host = await host_ctx.new_page()
    await host.goto(f"{server.url}/e/{ev.id}/host/{ev.host_token}")
    await host.wait_for_function(
        """() => document.querySelector('[data-testid="count-problems"]').textContent === '1'"""
    )
    await host.screenshot(path=str(SHOTS / "host-problems.png"))


async def test_silence_is_measured_and_a_camera_turned_off_is_told(
    start: Any, browser: Any
) -> None:
    server = await start(**QUICK)
    ev, pages, (claire, thomas) = await _pair(server, browser, {1: SILENT}, lang="fr")
    await _live_video_from(pages[claire], thomas)
    await _live_video_from(pages[thomas], claire)
    # his page says the microphone is on; what arrives is silence
    await _tile_says(pages[claire], thomas, "On n’entend pas Thomas Petit")
    # her sound arrives (Chromium's fake microphone beeps): his tile of her says nothing of it
    tile = pages[thomas].locator(f'.tile.remote[data-peer="{claire}"]')
    assert "no_audio" not in (await tile.get_attribute("data-media") or "")
    # she turns her camera off: his tile says so (she told her page; the server told his)
    await pages[claire].locator('[data-view="room"] [data-action="camera"]').click()
    await _tile_says(pages[thomas], claire, "La caméra de Claire Martin est coupée")
    await pages[thomas].screenshot(path=str(SHOTS / "tile-camera-off-fr.png"))
    assert await violations(pages[thomas]) == []

    board_ctx = await browser.new_context(viewport={"width": 1280, "height": 800})
    board = await board_ctx.new_page()
    await board.goto(f"{server.url}/e/{ev.id}/mod/{ev.moderator_token}?lang=fr")
    await board.wait_for_selector('[data-testid="room-card"][data-flags~="no_audio"]')
    await board.wait_for_selector('[data-testid="room-card"][data-flags~="camera_off"]')
    badges = await board.locator('[data-testid="room-card"] .flag').all_inner_texts()
    assert "pas de son\u202f: Thomas Petit" in badges, badges
    assert "caméra coupée\u202f: Claire Martin" in badges, badges
    await board.screenshot(path=str(SHOTS / "moderator-silent-fr.png"))
    assert await violations(board) == []


async def test_a_camera_blocked_alone_keeps_the_microphone(start: Any, browser: Any) -> None:
    server = await start(**QUICK)
    ev, pages, (claire, thomas) = await _pair(server, browser, {1: CAMERA_BLOCKED})
    await _live_video_from(pages[thomas], claire)
    error = pages[thomas].locator('[data-view="room"] .media-error')
    await error.wait_for(state="visible")
    assert "partner hears you but cannot see you" in await error.inner_text()
    said = await _tile_says(pages[claire], thomas, "Thomas Petit's camera is blocked")
    assert "microphone" not in said and "cannot be heard" not in said
    board = await (await browser.new_context()).new_page()
    await board.goto(f"{server.url}/e/{ev.id}/mod/{ev.moderator_token}")
    # Claire's page gets no picture of him but hears him: the camera only, once, with why
    await board.wait_for_selector(
        f'.member[data-id="{thomas}"][data-heard="true"][data-seen="false"]', timeout=30_000
    )
    card = board.locator('[data-testid="room-card"]')
    assert await card.get_attribute("data-flags") == "no_video camera_blocked"
    assert await card.locator(".flag").all_inner_texts() == ["camera blocked: Thomas Petit"]
    assert await card.locator('[data-testid="member-media"]').all_inner_texts() == [
        "camera blocked"
    ]
