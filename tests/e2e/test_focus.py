"""Where the keyboard's focus goes, read from the accessibility tree (CDP), while live views change
under it and after each command: the board keeps a room's "join" button through its live
updates, each host command leaves the focus on a named control, a help request taken, a call
closed at a round's end, a rating saved and a sign-in each put it somewhere with a name (never
on ``<body>``). The participants are Socket.IO clients except the one whose rating is followed."""

from __future__ import annotations

from typing import Any

from tests.conftest import ADMIN, PEOPLE, Client, Running

UPDATES = 4  # board updates the focus must outlive (a browser reports every 5 s: 15 s and more)
# a command button that can be used (the rule: aria-disabled while it cannot, on main disabled)
READY = """(id) => {
  const b = document.querySelector(`[data-testid="${id}"]`);
  return b && !b.disabled && b.getAttribute('aria-disabled') !== 'true';
}"""


async def focused(page: Any) -> tuple[str, str]:
    """The focused element as the accessibility tree shows it: (role, name)."""
    node = await _focused_node(page)
    tag = await page.evaluate("() => document.activeElement.tagName")
    role = "body" if tag == "BODY" else str(node.get("role", {}).get("value", ""))
    return role, str(node.get("name", {}).get("value", ""))


async def _focused_node(page: Any) -> dict[str, Any]:
    """The accessibility tree's node of the focused element (CDP)."""
    cdp = await page.context.new_cdp_session(page)
    try:
        found = await cdp.send("Runtime.evaluate", {"expression": "document.activeElement"})
        tree = await cdp.send(
            "Accessibility.getPartialAXTree",
            {"objectId": found["result"]["objectId"], "fetchRelatives": False},
        )
    finally:
        await cdp.detach()
    return dict(tree["nodes"][0])


async def command(page: Any, testid: str, done: str) -> tuple[str, str]:
    """Use a host command with the keyboard; the focus once it is answered (``done``)."""
    await page.wait_for_function(READY, arg=testid, timeout=10_000)
    await page.focus(f'[data-testid="{testid}"]')
    await page.keyboard.press("Enter")
    await page.locator('[data-testid="command-feedback"]', has_text=done).wait_for()
    return await focused(page)


async def test_live_views_and_commands_keep_the_focus(server: Running, browser: Any) -> None:
    """On main the room card holding the focus was rebuilt at each link report (focus on
    <body>), and every command that turned its button off left the focus on <body>."""
    ev = await server.event(PEOPLE, rounds=2)
    people: dict[str, Client] = {}
    for i in range(4):
        pid, token = ev.person(i)
        people[pid] = await server.connect("/participant", token)
    names = {p["id"]: p["name"] for p in ev.people}
    context = await browser.new_context(viewport={"width": 1400, "height": 900})
    host = await context.new_page()
    host.on("dialog", lambda d: d.accept())
    host.on("pageerror", lambda exc: print(f"[host] page error: {exc}"))
    await host.goto(f"{server.url}/e/{ev.id}/host/{ev.host_token}?lang=fr")
    mod = await context.new_page()
    mod.on("pageerror", lambda exc: print(f"[moderator] page error: {exc}"))
    await mod.goto(f"{server.url}/e/{ev.id}/mod/{ev.moderator_token}?lang=en")
    await host.wait_for_function(
        "() => document.querySelector('[data-testid=\"count-online\"]').textContent === '4'"
    )

    # the host's commands, with the keyboard: each leaves the focus on what comes next
    assert await command(host, "cmd-open", "Ouvrir les portes") == ("button", "Lancer le tour 1")
    await host.keyboard.press("Enter")
    await host.locator('[data-testid="command-feedback"]', has_text="Lancer").wait_for()
    assert await focused(host) == ("button", "Suspendre le chronomètre")
    assert await command(host, "cmd-pause", "Suspendre") == ("button", "Relancer le chronomètre")
    assert await command(host, "cmd-extend", "+1 min") == ("button", "+1 min")
    assert await command(host, "cmd-resume", "Relancer") == ("button", "Suspendre le chronomètre")

    # the board: the focus stays on a room's button through its live updates
    rooms = {pid: (await c.wait_for("assignment", lambda a: a["round"] == 1))["room"]
             for pid, c in people.items()}  # fmt: skip
    room = "r1-1"
    members = [pid for pid, r in rooms.items() if r == room]
    join = f'[data-testid="room-card"][data-room="{room}"] [data-testid="join-room"]'
    await mod.wait_for_selector(join)
    await mod.focus(join)
    await mod.evaluate("() => { window.held = document.activeElement; }")
    assert await focused(mod) == ("button", f"Join the call of room {room}")
    for k in range(UPDATES):
        rtt = 40 + 150 * k  # past 400 ms (k = 3) the card gains a "poor link" flag
        for pid in members:
            ack = await people[pid].call(
                "stats", {"room": room, "ice": "connected", "rtt_ms": rtt, "loss": 0, "kbps": 900}
            )
            assert ack["ok"], ack
        await mod.wait_for_function(
            """([pid, rtt]) => document.getElementById(`link-figures-${pid}`)
                 ?.textContent.includes(`RTT ${rtt} ms`)""",
            arg=[members[0], rtt],
            timeout=10_000,
        )
        assert await mod.evaluate("() => document.activeElement === window.held"), k
    assert await mod.locator(f'[data-room="{room}"] [data-flag="poor_link"]').count() == 1
    assert await focused(mod) == ("button", f"Join the call of room {room}")

    # the console's people: the row holding the focus changes in place
    left = next(pid for pid, r in rooms.items() if r != room)
    relink = f'tr[data-participant="{left}"] [data-testid="reissue-button"]'
    await host.focus(relink)
    await host.evaluate("() => { window.held = document.activeElement; }")
    await people[left].close()
    await host.wait_for_selector(f'tr[data-participant="{left}"][data-online="false"]')
    assert await host.evaluate("() => document.activeElement === window.held")

    # a help request taken: the focus goes to what can be done with it next
    asking = members[0]
    assert (await people[asking].call("help", {"text": "", "reason": "no_video"}))["ok"]
    claim = '[data-testid="claim-help"]'
    await mod.wait_for_selector(claim)
    await mod.focus(claim)
    await mod.keyboard.press("Enter")
    await mod.wait_for_selector('[data-testid="help-claimed-by"]')
    assert await focused(mod) == ("button", f"Join the call with {names[asking]}")
    # into the call (its title takes the focus), then the round ends: the call closes by itself
    await mod.keyboard.press("Enter")
    await mod.wait_for_selector('[data-testid="call"]:not([hidden])')
    assert await focused(mod) == ("heading", f"In the call of room {room}")
    done = await command(host, "cmd-end_round", "Terminer le tour")
    assert done == ("button", "Passer la pause entre les tours")
    await mod.wait_for_selector('[data-testid="call"]', state="hidden")
    assert await focused(mod) == ("heading", "Break before round 2 of 2")

    # the end of the event: the phase says it, and holds the focus
    done = await command(host, "cmd-end", "Terminer l’événement")
    assert done == ("heading", "L’événement est terminé")
    # a command that no longer applies is still there to find, and says it is unavailable
    await host.keyboard.press("Tab")
    assert await focused(host) == ("button", "Ouvrir les portes")
    states = {p["name"]: p["value"]["value"] for p in (await _focused_node(host))["properties"]}
    assert states.get("disabled") is True, states


async def test_a_saved_rating_and_a_sign_in_keep_the_focus(server: Running, browser: Any) -> None:
    """On main "Save" was turned off while it sent (the focus fell to <body>), and signing in on
    /admin hid the form that held the focus."""
    ev = await server.event([PEOPLE[0], PEOPLE[2]], rounds=2)
    _, token = ev.person(0)
    partner = await server.connect("/participant", ev.person(1)[1])
    context = await browser.new_context(viewport={"width": 1000, "height": 900})
    page = await context.new_page()
    page.on("pageerror", lambda exc: print(f"[participant] page error: {exc}"))
    await page.goto(f"{server.url}/e/{ev.id}/p/{token}?lang=en")
    host = await server.connect("/host", ev.host_token)
    await host.wait_board(lambda d: sum(p["online"] for p in d["participants"]) == 2)
    assert (await host.call("start"))["ok"]
    await partner.wait_for("assignment", lambda a: a["round"] == 1)
    await page.wait_for_selector('[data-testid="screen"][data-screen="room"]', timeout=20_000)
    assert (await host.call("end_round"))["ok"]
    form = page.locator('[data-view="break"] .feedback-slot [data-testid="feedback-form"]')
    await form.wait_for(timeout=20_000)
    await form.locator('[data-testid="rating-4"]').check(force=True)
    await form.locator('[data-testid="feedback-send"]').focus()
    await page.keyboard.press("Enter")
    await form.locator(".form-status", has_text="Saved").wait_for()
    assert await focused(page) == ("button", "Save")
    # after the end, a rating changed on the summary: drawn again, it gives the focus its heading
    assert (await host.call("end"))["ok"]
    edit = page.locator('[data-testid="summary"] details.edit-rating').first
    await edit.wait_for(timeout=20_000)
    await edit.locator("summary").click()
    await edit.locator('[data-testid="rating-5"]').check(force=True)
    await edit.locator('[data-testid="feedback-send"]').focus()
    await page.evaluate("() => { window.drawn = document.querySelector('.summary-list'); }")
    await page.keyboard.press("Enter")
    await page.wait_for_function("() => !window.drawn.isConnected")  # the server's new summary
    assert await focused(page) == ("heading", "Your meetings")

    # /admin, in both languages: after signing in, the page's heading
    for lang, title in (("fr", "Organisation"), ("en", "Organiser")):
        admin = await context.new_page()
        await admin.goto(f"{server.url}/admin?lang={lang}")
        await admin.fill('[data-testid="admin-token"]', ADMIN)
        await admin.press('[data-testid="admin-token"]', "Enter")
        await admin.wait_for_selector('[data-testid="new-event"]')
        assert await focused(admin) == ("heading", title), lang
