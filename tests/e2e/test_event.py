"""Four participants and a host run two rounds in real browsers with live video."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.conftest import PEOPLE, Running
from tests.e2e.axe import violations

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


async def _screen(page: Any, name: str, timeout: float = 20_000) -> None:
    await page.wait_for_selector(f'[data-testid="screen"][data-screen="{name}"]', timeout=timeout)


async def _accept(dialog: Any) -> None:
    await dialog.accept()


async def _live_video_from(page: Any, peer: str, timeout: float = 30_000) -> None:
    """Wait until the remote video of ``peer`` plays frames (videoWidth > 0)."""
    await page.wait_for_function(
        """(peer) => [...document.querySelectorAll('[data-testid="remote-video"]')]
              .some(v => v.dataset.peer === peer && v.videoWidth > 0 && !v.paused)""",
        arg=peer,
        timeout=timeout,
    )


async def _deadline(page: Any) -> float:
    """Where this page's countdown says the phase ends, on the machine's clock."""
    return float(
        await page.evaluate(
            """() => Date.now() + Number(
                 document.querySelector('[data-testid="countdown"]').dataset.remainingMs)"""
        )
    )


async def _rooms(server: Running, event_id: str, round_no: int) -> dict[str, str]:
    status, sched = await server.api("GET", f"/api/events/{event_id}/schedule")
    assert status == 200, sched
    partner: dict[str, str] = {}
    for room in sched["rounds"][round_no - 1]["rooms"]:
        a, b = room["members"]
        partner[a], partner[b] = b, a
    return partner


async def test_two_rounds_in_browsers(server: Running, browser: Any) -> None:
    DOCS.mkdir(parents=True, exist_ok=True)
    ev = await server.event(PEOPLE, round_seconds=300, break_seconds=60, rounds=2)
    wishes = [
        {"from": "p1", "to": "p4", "level": "must"},
        {"from": "p4", "to": "p1", "level": "like"},
        {"from": "p2", "to": "p4", "level": "like"},
    ]
    assert (await server.api("POST", f"/api/events/{ev.id}/wishes", json=wishes))[0] == 201
    pages: dict[str, Any] = {}
    for i in range(4):
        pid, token = ev.person(i)
        context = await browser.new_context(viewport={"width": 1280, "height": 800})
        page = await context.new_page()
        page.on("pageerror", lambda exc, who=pid: print(f"[{who}] page error: {exc}"))
        await page.goto(f"{server.url}/e/{ev.id}/p/{token}")
        pages[pid] = page
    for page in pages.values():
        await _screen(page, "lobby")
    host_ctx = await browser.new_context(viewport={"width": 1400, "height": 900})
    host = await host_ctx.new_page()
    host.on("dialog", _accept)  # ending a round and skipping a break ask first
    await host.goto(f"{server.url}/e/{ev.id}/host/{ev.host_token}")
    await host.click('[data-testid="cmd-open"]')
    await host.click('[data-testid="schedule-load"]')
    await host.wait_for_selector('[data-testid="schedule-wishes"]', timeout=10_000)
    first = next(iter(pages.values()))
    await first.wait_for_function(
        "() => document.querySelector('[data-testid=\"countdown\"]') !== null", timeout=10_000
    )
    await first.screenshot(path=str(DOCS / "lobby.png"))
    assert await violations(first) == []
    assert await violations(host) == []  # with the schedule and its wishes

    for round_no in (1, 2):
        if round_no == 1:
            await host.click('[data-testid="cmd-start"]')
        else:
            await host.click('[data-testid="cmd-end_round"]')
            for page in pages.values():
                await _screen(page, "break")
            await first.screenshot(path=str(DOCS / "break.png"))
            assert await violations(first) == []
            await host.click('[data-testid="cmd-next"]')
        partner = await _rooms(server, ev.id, round_no)
        assert set(partner) == set(pages), partner
        for pid, page in pages.items():
            await _screen(page, "room")
            await _live_video_from(page, partner[pid])
            names = await page.locator('[data-testid="partner-name"]').all_inner_texts()
            expected = next(p["name"] for p in ev.people if p["id"] == partner[pid])
            assert any(expected in n for n in names), (pid, names, expected)
        deadlines = [await _deadline(page) for page in pages.values()]
        assert max(deadlines) - min(deadlines) < 1000, deadlines
        if round_no == 1:
            await first.screenshot(path=str(DOCS / "room.png"))
            assert await violations(first) == []
            mod_ctx = await browser.new_context(viewport={"width": 1400, "height": 900})
            mod = await mod_ctx.new_page()
            await mod.goto(f"{server.url}/e/{ev.id}/mod/{ev.moderator_token}")
            await mod.wait_for_selector('[data-testid="room-card"]', timeout=10_000)
            # Every browser reports its link every few seconds: wait until all rooms show video.
            await mod.wait_for_function(
                """() => {
                  const cards = [...document.querySelectorAll('[data-testid="room-card"]')];
                  return cards.length === 2 && cards.every(c => c.dataset.flags === '');
                }""",
                timeout=20_000,
            )
            await mod.screenshot(path=str(DOCS / "moderator.png"))
            assert await violations(mod) == []

            await first.click('[data-testid="help-button"]')
            await first.fill('[data-testid="help-text"]', "No sound")
            await first.click('[data-testid="help-send"]')
            await first.click('[data-testid="help-done-close"]')
            await mod.wait_for_selector('[data-testid="help-item"]', timeout=10_000)
            assert await violations(mod) == []  # with a request for help
            await mod.click('[data-testid="resolve-help"]')
            await mod.wait_for_selector(
                '[data-testid="help-item"]', state="detached", timeout=10_000
            )
            await host.screenshot(path=str(DOCS / "host.png"), full_page=True)
            assert await violations(host) == []

    await host.click('[data-testid="cmd-end_round"]')
    for page in pages.values():
        await _screen(page, "ended")
    # nobody rated in this event: the short rating step comes first; skipped here
    await first.click('[data-testid="rating-step-done"]')
    await first.wait_for_selector('[data-testid="summary-meeting"]', timeout=10_000)
    await first.screenshot(path=str(DOCS / "ended.png"), full_page=True)
    assert await violations(first) == []


# Every verdict the self-test page shows, with the step shown beside it at that moment.
SAID = """
new MutationObserver(() => {
  const verdict = document.querySelector('[data-testid="check-verdict"]');
  const step = document.querySelector('[data-testid="check-step"]');
  if (!verdict || !step) return;
  const said = (window.__said = window.__said || []);
  const now = { verdict: verdict.dataset.verdict, text: verdict.textContent, step: step.textContent };
  const last = said[said.length - 1];
  if (!last || last.verdict !== now.verdict || last.text !== now.text || last.step !== now.step) said.push(now);
}).observe(document, { subtree: true, childList: true, characterData: true, attributes: true });
"""


async def test_self_test_page_echoes_the_camera(start: Callable[..., Any], browser: Any) -> None:
    """The self-test, opened from a participant's page, says how long it measures and gives its
    verdict only once done (on main it said "tout est prêt" while its 30 s measurement still
    ran, with no duration shown); without a link it says where to open it from."""
    DOCS.mkdir(parents=True, exist_ok=True)
    server = await start(selftest_measure_seconds=3)
    ev = await server.event(PEOPLE[:1])
    _, token = ev.person(0)
    context = await browser.new_context(viewport={"width": 1280, "height": 800})
    await context.add_init_script(SAID)
    page = await context.new_page()
    await page.goto(f"{server.url}/e/{ev.id}/p/{token}/check?lang=fr")
    assert await page.get_attribute("html", "lang") == "fr"
    assert "3 secondes" in await page.inner_text('[data-testid="check-intro"]')
    await page.wait_for_function(
        """() => { const v = document.querySelector('[data-testid="echo-video"]');
                   return v && v.videoWidth > 0; }""",
        timeout=30_000,
    )
    await page.wait_for_selector(
        '[data-testid="check-verdict"]:not([data-verdict="pending"])', timeout=30_000
    )
    said = await page.evaluate("() => window.__said")
    steps = [s["step"] for s in said]
    assert any(re.fullmatch(r"Mesure en cours — encore [123]\u00a0s", s) for s in steps), steps
    verdicts = [s for s in said if s["verdict"] != "pending"]
    assert verdicts and all(s["step"] == "Terminé." for s in verdicts), said
    assert not any("prêt" in s["text"] for s in said if s["step"] != "Terminé."), said
    assert await violations(page) == []

    # English, lighter: the same words, then the page without a link
    await page.goto(f"{server.url}/e/{ev.id}/p/{token}/check?lang=en")
    await page.locator(
        '[data-testid="check-step"]', has_text=re.compile(r"Measuring — [123] s left")
    ).wait_for()
    assert await page.get_attribute('[data-testid="check-verdict"]', "data-verdict") == "pending"
    await page.wait_for_selector(
        '[data-testid="check-verdict"]:not([data-verdict="pending"])', timeout=30_000
    )
    assert await page.inner_text('[data-testid="check-step"]') == "Done."
    await page.screenshot(path=str(DOCS / "check.png"))
    await page.goto(f"{server.url}/check?lang=en")
    told = page.locator('[data-testid="message"]')
    await told.wait_for()
    assert "open the self-test from your personal link" in (await told.inner_text()).lower()
    assert await page.get_attribute('[data-testid="check-verdict"]', "data-verdict") == "none"
    assert await violations(page) == []


async def test_sign_up_page(server: Running, browser: Any) -> None:
    DOCS.mkdir(parents=True, exist_ok=True)
    ev = await server.event()
    path = ev.body["registration_url"].split("/", 3)[3]
    context = await browser.new_context(viewport={"width": 1280, "height": 800})
    page = await context.new_page()
    await page.goto(f"{server.url}/{path}?lang=fr")
    await page.wait_for_selector('[data-testid="join-submit"]')
    assert await violations(page) == []
    await page.goto(f"{server.url}/{path}")
    await page.fill("#join-name", "Ana Pereira")
    await page.fill("#join-organization", "Ville de Brest")
    await page.select_option("#join-side", "commune")
    await page.check('[data-testid="join-consent"]')
    await page.screenshot(path=str(DOCS / "join.png"))
    assert await violations(page) == []
    await page.click('[data-testid="join-submit"]')
    await _screen(page, "lobby")
    assert "Ana Pereira" in await page.inner_text('[data-testid="my-name"]')
    assert await violations(page) == []


async def test_partners_on_two_processes_see_each_other(
    start: Callable[..., Any], browser: Any
) -> None:
    """Two server processes share the event through Redis: each pair spans both."""
    a = await start(redis=True, board_interval_ms=100)
    b = await start(redis=True, board_interval_ms=100)
    ev = await a.event(PEOPLE, round_seconds=300, break_seconds=60, rounds=2)
    pages: dict[str, Any] = {}
    for i, row in enumerate(ev.people):
        pid, token = ev.person(i)
        server = a if row["side"] == "commune" else b  # every pair: one on each process
        context = await browser.new_context(viewport={"width": 1000, "height": 700})
        page = await context.new_page()
        page.on("pageerror", lambda exc, who=pid: print(f"[{who}] page error: {exc}"))
        await page.goto(f"{server.url}/e/{ev.id}/p/{token}")
        pages[pid] = page
    for page in pages.values():
        await _screen(page, "lobby")
    host = await (await browser.new_context()).new_page()
    await host.goto(f"{b.url}/e/{ev.id}/host/{ev.host_token}")
    await host.wait_for_function(
        """() => document.querySelector('[data-testid="connection"]').dataset.state === 'online'""",
        timeout=10_000,
    )
    status, body = await a.api("GET", f"/api/events/{ev.id}")
    assert status == 200 and body["online"] == 4, body
    await host.click('[data-testid="cmd-start"]')
    partner = await _rooms(a, ev.id, 1)
    for pid, page in pages.items():
        await _screen(page, "room")
        await _live_video_from(page, partner[pid])
    deadlines = [await _deadline(page) for page in pages.values()]
    assert max(deadlines) - min(deadlines) < 1000, deadlines
