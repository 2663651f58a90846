"""The host console answers an action beside the control that was used: why it was refused and
what can be done instead, one click away (participants are real Socket.IO clients: only the
console needs a browser)."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

from tests.conftest import PEOPLE, Client, Running
from tests.e2e.axe import violations

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
MIN_MS = 60_000
AMELIE = {"name": "Amélie Durand", "organization": "Mairie d’Annecy", "side": "commune", "email": "amelie@annecy.example"}  # fmt: skip
NEAR_PX = 120  # an answer "beside" its control: no further below it than this


async def _below(page: Any, control: Any, answer: Any) -> float:
    """How far the answer's top is below the control's bottom (px; negative: they overlap)."""
    c, a = await control.bounding_box(), await answer.bounding_box()
    assert c is not None and a is not None
    return float(a["y"] - (c["y"] + c["height"]))


async def test_a_refused_move_and_an_empty_repair_are_answered_beside_their_controls(
    server: Running, browser: Any
) -> None:
    """On main the refusal went to the top of the page ("…sont dans le même collège") with no
    alternative, the menu silently went back, and "Trouver une rencontre aux personnes seules"
    said "0 personne…" without why. Before the doors open, the console says when the event
    starts and counts down to it (on main it said nothing of the start)."""
    DOCS.mkdir(parents=True, exist_ok=True)
    starts = int(time.time() * 1000) + 10 * MIN_MS
    ev = await server.event([*PEOPLE, AMELIE], rounds=2, starts_at=starts)
    people: dict[str, Client] = {}
    for i in range(5):
        pid, token = ev.person(i)
        people[pid] = await server.connect("/participant", token)
    context = await browser.new_context(viewport={"width": 1400, "height": 900}, locale="fr-FR")
    host = await context.new_page()
    host.on("dialog", lambda d: d.accept())
    await host.goto(f"{server.url}/e/{ev.id}/host/{ev.host_token}?lang=fr")
    await host.wait_for_function(
        "() => document.querySelector('[data-testid=\"count-online\"]').textContent === '5'"
    )

    # before the doors open: the start time, and a countdown to it
    line = host.locator('[data-testid="starts-at"]')
    await line.wait_for()
    assert re.fullmatch(r"L’événement commence à \d\d:\d\d, dans", await line.inner_text())
    left = int(
        await host.get_attribute('[data-testid="start-countdown"]', "data-remaining-ms") or 0
    )
    assert 8 * MIN_MS < left <= 10 * MIN_MS, left
    assert re.fullmatch(
        r"(10:00|0\d:\d\d)", await host.inner_text('[data-testid="start-countdown"]')
    )
    assert await violations(host) == []
    await host.screenshot(path=str(DOCS / "host-lobby-fr.png"), full_page=False)
    # the start time passes with the doors still shut: the host is told to open them
    status, _ = await server.api(
        "PATCH", f"/api/events/{ev.id}", json={"starts_at": int(time.time() * 1000) - MIN_MS}
    )
    assert status == 200
    await host.reload()  # the console reads the start time when it connects
    english = await context.new_page()
    await english.goto(f"{server.url}/e/{ev.id}/host/{ev.host_token}?lang=en")
    for page, words in ((host, "L’heure de début est passée\u202f: ouvrez les portes."),
                        (english, "The start time has passed: open the doors.")):  # fmt: skip
        await page.locator('[data-testid="starts-at"]', has_text=words).wait_for()
        assert await page.locator('[data-testid="start-countdown"]').is_hidden()

    await host.wait_for_function(
        "() => document.querySelector('[data-testid=\"cmd-start\"]')"
        ".getAttribute('aria-disabled') !== 'true'"
    )
    await host.click('[data-testid="cmd-start"]')
    # a round runs: nothing more of the start
    await line.wait_for(state="hidden")
    rooms = {
        pid: await c.wait_for("assignment", lambda a: a["round"] == 1) for pid, c in people.items()
    }
    waiting = next(pid for pid, a in rooms.items() if a["room"] is None)  # a commune: 3 for 2
    paired = sorted({a["room"] for a in rooms.values() if a["room"]})
    first, second = paired
    # the partner of the commune in the second room leaves: two communes are alone
    alone = next(
        p for p, a in rooms.items() if a["room"] == second and a["peers"][0]["side"] == "solution"
    )
    partner = rooms[alone]["peers"][0]["id"]
    await people[partner].close()
    name = {p["id"]: p["name"] for p in ev.people}

    # the repair pairs nobody and says why, beside its button, with where each could go
    await host.wait_for_selector(f'tr[data-participant="{partner}"][data-online="false"]')
    await host.click('[data-testid="cmd-repair"]')
    answer = host.locator('[data-testid="repair-feedback"]')
    await answer.wait_for()
    text = await answer.inner_text()
    assert "commune" in text and name[waiting] in text and name[alone] in text, text
    assert "côté" in text and "0 personne" not in text, text
    assert 0 <= await _below(host, host.locator('[data-testid="cmd-repair"]'), answer) < NEAR_PX
    assert await answer.locator('[data-testid="alternative"]').count() >= 1

    # the waiting commune is moved into the first room: refused beside the menu, with choices
    row = host.locator(f'tr[data-participant="{waiting}"]')
    await row.locator('[data-testid="move-select"]').select_option(first)
    await row.locator('[data-testid="move-button"]').click()
    refusal = host.locator(f'[data-testid="move-feedback"][data-for="{waiting}"]')
    await refusal.wait_for()
    said = await refusal.inner_text()
    assert "même côté" in said or "même collège" in said, said
    assert 0 <= await _below(host, row, refusal) < NEAR_PX
    assert await host.evaluate("() => document.activeElement?.dataset.testid") in (
        "move-button",
        "alternative",
    )
    trio = refusal.locator('[data-testid="alternative"][data-kind="trio"]').first
    assert "à trois" in await trio.inner_text()
    assert await violations(host) == []
    await host.screenshot(path=str(DOCS / "host-refused-move-fr.png"), full_page=False)
    await trio.click()
    members = await people[waiting].wait_for("assignment", lambda a: a["room"] == first)
    assert len(members["peers"]) == 2
    await host.wait_for_function(
        "([pid, room]) => document.querySelector(`tr[data-participant='${pid}']`)?.dataset.room === room",
        arg=[waiting, first],
    )

    # English, lighter: the second console asks again; one person is alone now
    await english.wait_for_function(
        "() => document.querySelector('[data-testid=\"cmd-repair\"]')"
        ".getAttribute('aria-disabled') !== 'true'"
    )
    await english.click('[data-testid="cmd-repair"]')
    told = english.locator('[data-testid="repair-feedback"]')
    await told.wait_for()
    assert f"{name[alone]} is the only one alone" in await told.inner_text()
    assert await violations(english) == []
