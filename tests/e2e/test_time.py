"""Time everybody hears: the one-minute notice, its chime and announcement, the round's end, the
countdown in the tab's title, and the host's alerts (help requests, irreversible commands).

The decisions are pure functions of web/static/js/cues.js and clock.js, run in Chromium against
tables; then a round on the server's injected clock, with its last minute seen by two
participants (English and French), the host console and the moderator board."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.conftest import PEOPLE
from tests.transport.test_restart import FakeClock

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
T = 1_800_000_000_000

# (before, after, last key) → the cue's kind (None: no cue)
RUN = {"phase": "round", "round": 1, "rounds": 2, "paused": False, "endsAt": 5_000}
CUES: list[tuple[str, Any, Any, str | None, str | None]] = [
    ("a first sight says nothing", None, {**RUN, "ms": 40_000}, None, None),
    ("the mark crossed", {**RUN, "ms": 60_200}, {**RUN, "ms": 59_950}, None, "one_minute"),
    ("exactly on the mark", {**RUN, "ms": 60_001}, {**RUN, "ms": 60_000}, None, "one_minute"),
    ("already past", {**RUN, "ms": 59_000}, {**RUN, "ms": 58_750}, None, None),
    ("paused on the way", {**RUN, "ms": 60_200}, {**RUN, "ms": 59_950, "paused": True}, None, None),
    ("resumed under it", {**RUN, "ms": 60_200, "paused": True}, {**RUN, "ms": 59_950}, None, None),
    ("said before a reload", {**RUN, "ms": 60_200}, {**RUN, "ms": 59_950}, "one_minute:1:5000", None),
    ("extended past it", {**RUN, "ms": 60_200}, {**RUN, "ms": 59_950, "endsAt": 65_000},
     "one_minute:1:5000", "one_minute"),
    ("no minute in a break", {**RUN, "phase": "break", "ms": 60_200},
     {**RUN, "phase": "break", "ms": 59_950}, None, None),
    ("a round ends", {**RUN, "ms": 300}, {**RUN, "phase": "break", "ms": 60_000}, None, "round_end"),
    ("round to round", {**RUN, "ms": 300}, {**RUN, "round": 2, "ms": 300_000}, None, "round_end"),
    ("the last round ends", {**RUN, "round": 2, "ms": 10}, {**RUN, "phase": "ended", "ms": None},
     None, "event_end"),
    ("the start", {**RUN, "phase": "lobby", "ms": None}, {**RUN, "ms": 300_000}, None, None),
    ("a break ends", {**RUN, "phase": "break", "ms": 5}, {**RUN, "round": 2, "ms": 300_000},
     None, None),
]  # fmt: skip


async def test_the_cues_the_titles_and_the_expected_end_as_the_pages_compute_them(
    server: Any, browser: Any
) -> None:
    ev = await server.event([])
    page = await (await browser.new_context()).new_page()
    await page.goto(f"{server.url}/e/{ev.id}/mod/{ev.moderator_token}")
    got = await page.evaluate(
        """async (cases) => {
             const { cueBetween } = await import('/static/js/cues.js');
             return cases.map(([, before, after, key]) => {
               const cue = cueBetween(before, after, key);
               return cue ? cue.kind : null;
             });
           }""",
        [[name, b, a, k] for name, b, a, k, _ in CUES],
    )
    assert {n: g for (n, *_), g in zip(CUES, got, strict=True)} == {n: w for n, *_, w in CUES}
    titles = await page.evaluate(
        """async () => {
             const { tabTitle, lastMinute, sight } = await import('/static/js/cues.js');
             const s = (o) => ({ phase: 'round', round: 2, rounds: 3, paused: false, ms: 272_000, ...o });
             return {
               round: tabTitle(s({}), 'Base'),
               paused: tabTitle(s({ paused: true }), 'Base'),
               brk: tabTitle(s({ phase: 'break', ms: 45_000 }), 'Base'),
               lobby: tabTitle(s({ phase: 'lobby', ms: null }), 'Base'),
               long: tabTitle(s({ ms: 3_600_000 }), 'Base'),
               minute: [lastMinute(s({ ms: 60_000 })), lastMinute(s({ ms: 60_001 })),
                        lastMinute(s({ ms: 30_000, paused: true })), lastMinute(s({ ms: 0 }))],
               seen: sight({ phase: 'round', round: 1, rounds: 2, ends_at: 100_000, paused: false }, 40_000),
             };
           }"""
    )
    assert titles["round"] == "4:32 · Round 2 · Base"
    assert titles["paused"] == "4:32 (clock stopped) · Round 2 · Base"
    assert titles["brk"] == "0:45 · Break · Base"
    assert titles["lobby"] == "Base"
    assert titles["long"] == "1:00:00 · Round 2 · Base"
    assert titles["minute"] == [True, False, False, False]
    assert titles["seen"]["ms"] == 60_000 and titles["seen"]["endsAt"] == 100_000
    ends = await page.evaluate(
        """async () => {
             const { expectedEnd } = await import('/static/js/clock.js');
             const ev = { round_seconds: 300, break_seconds: 60 };
             const c = (o) => ({ phase: 'round', round: 1, rounds: 3, ends_at: 100_000, paused: false, ...o });
             return [
               expectedEnd(c({}), 0, ev),
               expectedEnd(c({ phase: 'break' }), 0, ev),
               expectedEnd(c({ paused: true, ends_at: null, remaining_ms: 100_000 }), 50_000, ev),
               expectedEnd(c({ round: 3 }), 0, ev),
               expectedEnd(c({ round: 1 }), 0, { round_seconds: 300, break_seconds: 0 }),
               expectedEnd(c({ phase: 'lobby', round: 0, ends_at: null }), 0, ev),
               expectedEnd(c({ phase: 'ended', ends_at: null }), 0, ev),
             ];
           }"""
    )
    assert ends == [
        100_000 + 2 * 300_000 + 2 * 60_000,
        100_000 + 2 * 300_000 + 60_000,
        150_000 + 2 * 300_000 + 2 * 60_000,
        100_000,
        100_000 + 2 * 300_000,
        None,
        None,
    ]


async def _open(browser: Any, url: str, width: int = 1280, height: int = 800) -> Any:
    context = await browser.new_context(viewport={"width": width, "height": height})
    page = await context.new_page()
    page.on("pageerror", lambda exc: print(f"[{url}] page error: {exc}"))
    await page.goto(url)
    return page


async def _above_the_mark(page: Any) -> None:
    """The page counts down from more than a minute (so it has the mark to cross)."""
    await page.wait_for_function(
        """() => { const c = document.querySelector('[data-testid="countdown"]');
                   return c && Number(c.dataset.remainingMs) > 60000; }""",
        timeout=10_000,
    )


async def _notice(page: Any) -> None:
    await page.locator('[data-testid="time-notice"]:visible').first.wait_for(timeout=20_000)


async def _chimes(page: Any) -> tuple[int, str | None]:
    got = await page.evaluate(
        "() => [Number(document.documentElement.dataset.chimes || 0),"
        " document.documentElement.dataset.lastChime || null]"
    )
    return int(got[0]), got[1]


async def test_the_last_minute_is_seen_and_heard_on_every_page(
    start: Callable[..., Any], browser: Any
) -> None:
    DOCS.mkdir(parents=True, exist_ok=True)
    clock = FakeClock(T)
    server = await start(now=clock, board_interval_ms=50)
    claire, lea = PEOPLE[0], PEOPLE[2]  # a commune and a solution: one room
    ev = await server.event([claire, lea], rounds=2, round_seconds=300, break_seconds=60)
    host = await server.connect("/host", ev.host_token)
    sockets = [await server.connect("/participant", ev.person(i)[1]) for i in range(2)]
    await host.wait_board(lambda d: sum(p["online"] for p in d["participants"]) == 2)
    assert (await host.call("start"))["ok"]
    await host.wait_board(lambda d: len(d["rooms"]) == 1)
    # The server's time moves to 66 s before the end; the pages open then and see it.
    clock.ms = T + 234_000
    base = f"{server.url}/e/{ev.id}"
    pages = await asyncio.gather(
        _open(browser, f"{base}/p/{ev.person(0)[1]}"),
        _open(browser, f"{base}/p/{ev.person(1)[1]}?lang=fr"),
        _open(browser, f"{base}/host/{ev.host_token}", 1400, 900),
        _open(browser, f"{base}/mod/{ev.moderator_token}?lang=fr", 1400, 900),
    )
    en, fr, console, board = pages
    for client in sockets:  # the pages take over from the sockets that stood in for them
        await client.close()
    for page in pages:
        await _above_the_mark(page)
    # the host silences the chimes (a toggle, remembered)
    toggle = console.locator('[data-testid="sound-toggle"]')
    await toggle.click()
    assert await toggle.get_attribute("aria-pressed") == "true"
    for page in (en, fr):
        await page.wait_for_selector('[data-testid="screen"][data-screen="room"]')
    # the host sees when the event should end: this round, a break and the last round
    ends = await console.get_attribute('[data-testid="expected-end"]', "data-ends-at")
    assert int(ends or 0) == T + 300_000 + 60_000 + 300_000
    assert (await console.inner_text('[data-testid="expected-end"]')).startswith("Expected end: ")

    for page in pages:
        await _notice(page)
    assert await en.inner_text('[data-view="room"] [data-testid="time-notice"]') == (
        "One minute left in this round"
    )
    assert await fr.inner_text('[data-view="room"] [data-testid="time-notice"]') == (
        "Plus qu’une minute pour ce tour"
    )
    for page, said in ((en, "One minute left in this round."),
                       (board, "Plus qu’une minute pour ce tour.")):  # fmt: skip
        await page.wait_for_function(
            """(said) => document.querySelector('[data-testid="time-status"]').textContent === said""",
            arg=said,
        )
    for page in (en, fr, board):
        assert await _chimes(page) == (1, "one_minute")
    assert await _chimes(console) == (0, None)  # silenced
    titles = [await p.title() for p in pages]
    assert re.fullmatch(r"(1:00|0:[0-5]\d) · Round 1 · Test event · Speedmeet", titles[0]), titles
    assert re.fullmatch(r"(1:00|0:[0-5]\d) · Tour 1 · Test event · Speedmeet", titles[1]), titles
    assert re.fullmatch(r"(1:00|0:[0-5]\d) · Round 1 · Test event · Speedmeet", titles[2]), titles
    for page in (en, fr):  # a countdown under the minute, for the pictures
        await page.wait_for_function(
            """() => Number(document.querySelector('[data-view="room"] [data-testid="countdown"]')
                             .dataset.remainingMs) <= 59000"""
        )
    await en.screenshot(path=str(DOCS / "one-minute-en.png"))
    await fr.screenshot(path=str(DOCS / "one-minute-fr.png"))
    await console.screenshot(path=str(DOCS / "host-one-minute.png"))

    # A reload in the last minute shows the notice but does not chime for the mark again;
    # the host's silence is remembered.
    await en.reload()
    await console.reload()
    await _notice(en)
    assert await _chimes(en) == (0, None)
    assert await console.get_attribute('[data-testid="sound-toggle"]', "aria-pressed") == "true"

    # A help request: the staff's tabs count it, the board chimes (the host is silenced).
    await fr.click('[data-testid="help-button"]')
    await fr.fill('[data-testid="help-text"]', "Pas de son")
    await fr.click('[data-testid="help-send"]')
    await fr.click('[data-testid="help-done-close"]')
    await console.wait_for_function("() => document.title.startsWith('(1) Help · 0:')")
    await board.wait_for_function("() => document.title.startsWith('(1) Aide · 0:')")
    assert await _chimes(board) == (2, "help")

    # Ending the round asks first; then everyone hears that it is over.
    asked: list[str] = []

    async def answer(dialog: Any) -> None:
        asked.append(dialog.message)
        await dialog.accept()

    console.on("dialog", answer)
    await console.click('[data-testid="cmd-end_round"]')
    assert asked == [
        "End round 1 now for everyone? The meetings stop at once; this cannot be undone."
    ]
    for page in (en, fr):
        await page.wait_for_selector('[data-testid="screen"][data-screen="break"]')
    await en.wait_for_function(
        """() => document.querySelector('[data-testid="time-status"]').textContent
                   === 'Time is up: round 1 is over.'"""
    )
    assert await _chimes(fr) == (2, "round_end")
    await fr.wait_for_function("() => / · Pause entre les tours · /.test(document.title)")
    assert await en.locator('[data-testid="time-notice"]:visible').count() == 0
    # skipping the break asks too
    await console.click('[data-testid="cmd-next"]')
    assert asked[-1] == "Cut the break short and start round 2 now for everyone?"
    await host.wait_clock(lambda c: c["phase"] == "round" and c["round"] == 2)
