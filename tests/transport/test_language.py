"""Pages in the event's language, figures written as that language writes them, and refusals
that carry what a page needs to word them (``why`` and parameters)."""

from __future__ import annotations

import re

from tests.conftest import PEOPLE, Running
from tests.transport.gathering import gather

N = "\u202f"  # narrow no-break space
ENGLISH_BROWSER = {"Accept-Language": "en-GB,en;q=0.9"}


async def page(server: Running, path: str) -> str:
    async with server.http.get(server.url + path, headers=ENGLISH_BROWSER) as r:
        assert r.status == 200, path
        return await r.text()


async def test_the_french_report_writes_figures_the_french_way(server: Running) -> None:
    g = await gather(server, language="fr")
    await g.end_round()
    assert (await g.host.call("end"))["ok"]
    base = f"/e/{g.ev.id}/host/{g.ev.host_token}/report"
    french = await page(server, base)  # an English browser: the event's language wins
    assert '<html lang="fr"' in french
    totals = re.search(r'data-testid="totals">(.*?)</dl>', french, re.S)
    assert totals is not None
    # everyone met someone; no call reported itself connected
    assert f"(100,0{N}%)" in totals.group(1) and f"(0,0{N}%)" in totals.group(1)
    assert "Personnes inscrites" in french and "%)" not in totals.group(1).replace(f"{N}%)", "")
    english = await page(server, base + "?lang=en")
    assert "(100.0%)" in english and "(0.0%)" in english


async def test_an_events_pages_speak_its_language_whatever_the_browser(server: Running) -> None:
    ev = await server.event(PEOPLE, language="fr")
    _, token = ev.person(0)
    for path in (f"/e/{ev.id}/p/{token}", f"/e/{ev.id}/host/{ev.host_token}"):
        assert '<html lang="fr"' in await page(server, path), path
        assert '<html lang="en"' in await page(server, path + "?lang=en"), path
    assert '<html lang="en"' in await page(server, "/check")  # no event: the browser's


async def test_a_summary_counts_its_meetings_in_french(server: Running) -> None:
    g = await gather(server, language="fr")
    await g.end_round()
    pid = next(iter(g.people))
    summary = await page(server, f"/e/{g.ev.id}/p/{g.tokens[pid]}/summary")
    assert re.search(r">\s*1 rencontre\s*<", summary), "one meeting, in the singular"


async def test_refusals_say_why_with_what_a_page_needs_to_word_them(server: Running) -> None:
    g = await gather(server)
    ack = await g.host.call("resume")
    assert (ack["error"]["code"], ack["error"]["why"]) == ("bad_phase", "not_paused")
    pid = next(iter(g.people))
    ack = await g.host.call("move", {"participant": g.partner(pid), "room": g.room(pid)})
    error = ack["error"]
    assert error["code"] == "same_room" and error["room"] == g.room(pid) and error["name"]
    lobby = await gather(server, started=False)
    ack = await lobby.host.call("pause")
    assert (ack["error"]["code"], ack["error"]["why"]) == ("bad_phase", "not_started")
