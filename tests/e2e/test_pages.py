"""One page per person, and a partner who leaves, in real browsers (French, with the first tab
in English).

The same link opened in a second tab mid-meeting: the second tab says so and joins no call, the
partner's connection stays as it was (no new RTCPeerConnection, no state change); "Continuer
ici" moves the call there once and the first tab says it is open elsewhere. Then the partner
closes the page and comes back: the other side reads "… a quitté la rencontre", then "… est de
retour", and the report counts the meeting as held.

On main the second tab joined the call too (the partner's video went off and on as both tabs
answered), and the other side read "… est instable" and then "n'est pas arrivée".
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.conftest import PEOPLE, Running
from tests.e2e.axe import violations
from tests.e2e.test_calls import SPY, _flowing, _screen

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"

CALLS = "() => ({ made: window.__spy.made, states: window.__spy.states.length })"
NOTICE = """() => { const n = document.querySelector('[data-testid="notice"]');
                    return n.hidden ? '' : n.querySelector('.notice-text').textContent; }"""
TILE = """(peer) => { const t = document.querySelector(`.tile.remote[data-peer="${peer}"]`);
                     return t ? { left: t.dataset.left,
                                  status: t.querySelector('.tile-status').hidden ? ''
                                    : t.querySelector('.tile-status').textContent } : null; }"""
# the local pictures hold no camera (never asked for, or let go)
NO_CAMERA = """() => [...document.querySelectorAll('[data-testid="local-video"]')]
                       .every((v) => !v.srcObject)"""


async def _open(context: Any, url: str) -> Any:
    page = await context.new_page()
    page.on("pageerror", lambda exc: print(f"[{url}] page error: {exc}"))
    await page.goto(url)
    return page


async def _text(page: Any, testid: str) -> str:
    return str(await page.locator(f'[data-testid="{testid}"]').inner_text())


async def test_a_second_tab_then_a_partner_who_leaves_and_comes_back(
    server: Running, browser: Any
) -> None:
    ev = await server.event([PEOPLE[0], PEOPLE[3]], rounds=2)
    (claire, claire_token), (thomas, thomas_token) = ev.person(0), ev.person(1)
    base = f"{server.url}/e/{ev.id}/p"
    contexts = []
    for _ in range(2):
        context = await browser.new_context(viewport={"width": 1000, "height": 700})
        await context.add_init_script(SPY)
        contexts.append(context)
    first = await _open(contexts[0], f"{base}/{claire_token}?lang=en")
    partner = await _open(contexts[1], f"{base}/{thomas_token}?lang=fr")
    for page in (first, partner):
        await _screen(page, "lobby")
    host = await server.connect("/host", ev.host_token)
    mod = await server.connect("/moderator", ev.moderator_token)
    assert (await host.call("open"))["ok"] and (await host.call("start"))["ok"]
    await _flowing(first, thomas, frames=10, timeout=30_000)
    await _flowing(partner, claire, frames=10, timeout=30_000)
    before = await partner.evaluate(CALLS)

    # the same link in a second tab of the same browser: it says so, and calls nobody
    second = await _open(contexts[0], f"{base}/{claire_token}?lang=fr")
    await _screen(second, "elsewhere")
    assert await _text(second, "elsewhere-title") == (
        "Cette page est ouverte dans un autre onglet ou sur un autre appareil."
    )
    assert await _text(second, "take-page") == "Continuer ici"
    assert (await second.evaluate(CALLS))["made"] == 0
    assert await second.evaluate(NO_CAMERA)
    assert await violations(second) == []
    await second.screenshot(path=str(DOCS / "two-tabs-fr.png"))
    board = await mod.wait_board(lambda b: any("two_pages" in r["flags"] for r in b["rooms"]))
    assert [p["pages"] for p in board["participants"] if p["id"] == claire] == [2]
    # the partner's call goes on untouched: more frames of the same stream, no new connection
    await _flowing(partner, claire, frames=10, timeout=10_000)  # 1 s at 10 fps
    assert await partner.evaluate(CALLS) == before

    # "Continuer ici": the call moves to the second tab, once; the first one lets it go
    await second.get_by_test_id("take-page").click()
    await _screen(first, "elsewhere")
    assert await _text(first, "elsewhere-title") == "This page is open elsewhere."
    assert await _text(first, "take-page") == "Take it back here"
    await _screen(second, "room")
    await _flowing(second, thomas, frames=10, timeout=20_000)
    await _flowing(partner, claire, frames=10, timeout=20_000)
    assert await first.evaluate(NO_CAMERA)
    after = await partner.evaluate(CALLS)
    assert after["made"] - before["made"] == 1, "the partner's call moved more than once"
    await mod.wait_board(lambda b: any("switched_page" in r["flags"] for r in b["rooms"]))

    # the partner leaves (closes the page): the other side is told who left
    await partner.goto("about:blank")
    await second.wait_for_function(
        f"() => ({NOTICE})() === 'Thomas Petit a quitté la rencontre. ' + "
        "'Sa page a été fermée ou a perdu la connexion. Restez ici\u202f: si cette personne "
        "revient, l’appel reprend.'"
    )
    tile = await second.evaluate(TILE, thomas)
    assert tile == {"left": "true", "status": "Thomas Petit a quitté la rencontre."}
    assert await violations(second) == []
    await second.screenshot(path=str(DOCS / "partner-left-fr.png"))
    # and comes back: "est de retour", the call again, the banner gone
    await partner.goto(f"{base}/{thomas_token}?lang=fr")
    await second.wait_for_function(f"() => ({NOTICE})() === 'Thomas Petit est de retour.'")
    await _flowing(second, thomas, frames=10, timeout=20_000)
    await second.wait_for_function(f"() => ({TILE})('{thomas}').status === ''")
    assert "a quitté" not in await second.evaluate(NOTICE)

    # the meeting happened: held, no no-show
    assert (await host.call("end_round"))["ok"]
    status, report = await server.api("GET", f"/api/events/{ev.id}/report")
    assert status == 200, report
    assert (report["totals"]["held"], report["totals"]["no_shows"]) == (1, 0), report["totals"]
    for context in contexts:
        await context.close()
