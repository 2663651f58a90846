"""What axe cannot see, measured in Chromium at 320 px (400 % zoom), in French and in English.

Every video has a name in the accessibility tree (the partner's, a moderator's, one's own, the
lobby's preview); the doors' opening, a pause, a resume and a round's end are each heard once
(every live region of the page recorded by a MutationObserver from the first script on); late
arrivals are told where they land (waiting, or in a room), the focus on its heading; the round's
heading is read as words. No page scrolls sideways and the event's title is shown whole; the
directory's marks fit their buttons with WCAG's text spacing; the chat's close button stays on
screen; the organiser's edit form is not cut. The host's notice never covers the control that
has the focus. Focus rings, field and rating borders reach 3:1 (names over video 4.5:1),
computed from the page's own colours with WCAG's relative luminance.

Before: the videos were nameless (`Video ""`), a pause, a resume and the doors were silent, the
round's end was said twice, late arrivals heard nothing with the focus on the body, the
heading read "TOUR 1 SUR 4", the title was cut to two lines, "À rencontrer" spilled out of its
button, the chat's close button was above the screen, the organiser's language list was cut, the
notice covered the focused round heading, and the contrasts measured 2.35:1, 3.35:1 and 1.65:1.
"""

from __future__ import annotations

from typing import Any

from tests.conftest import ADMIN, PEOPLE, Running

TITLE = "Rencontres des maires et des innovateurs de la métropole, édition de printemps 2026"
NOTICE = (
    "Bienvenue à toutes et à tous. Le deuxième tour commencera un peu plus tard : restez sur "
    "cette page, gardez votre caméra allumée, et merci de votre patience."
)
PHONE = {"width": 320, "height": 640}

# Every text a live region of the page comes to hold, from the first script on.
HEARD = """
window.__heard = [];
document.addEventListener('DOMContentLoaded', () => {
  const LIVE = '[aria-live], [role="status"], [role="alert"], [role="log"], [role="timer"]';
  const last = new Map();
  new MutationObserver((changes) => {
    for (const change of changes) {
      const node = change.target.nodeType === 1 ? change.target : change.target.parentElement;
      const region = node && node.closest(LIVE);
      if (!region || region.getAttribute('role') === 'timer') continue;
      const text = region.textContent.trim();
      if (text && last.get(region) !== text) window.__heard.push(text);
      last.set(region, text);
    }
  }).observe(document.body, { childList: true, characterData: true, subtree: true });
});
"""

# WCAG's contrast ratio between colours of the page (a translucent one laid over what is behind).
CONTRAST = """
window.__contrast = (() => {
  const parse = (c) => {
    const m = (c.match(/[\\d.]+/g) || ['0', '0', '0', '0']).map(Number);
    return { r: m[0], g: m[1], b: m[2], a: m.length > 3 ? m[3] : 1 };
  };
  const over = (top, under) => ({ r: top.r * top.a + under.r * (1 - top.a),
    g: top.g * top.a + under.g * (1 - top.a), b: top.b * top.a + under.b * (1 - top.a), a: 1 });
  const lum = ({ r, g, b }) => {
    const f = (v) => {
      const s = v / 255;
      return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const ratio = (x, y) => {
    const [hi, lo] = [lum(x), lum(y)].sort((p, q) => q - p);
    return (hi + 0.05) / (lo + 0.05);
  };
  // the colour behind `node`: its and its ancestors' backgrounds, laid over white
  const behind = (node) => {
    const layers = [];
    for (let n = node; n; n = n.parentElement) {
      const c = parse(getComputedStyle(n).backgroundColor);
      if (c.a > 0) layers.push(c);
      if (c.a >= 1) break;
    }
    return layers.reverse().reduce((under, c) => over(c, under), { r: 255, g: 255, b: 255, a: 1 });
  };
  return {
    // the focus ring of the focused element against what is around it
    ring: () => { const n = document.activeElement;
      return ratio(parse(getComputedStyle(n).outlineColor), behind(n.parentElement)); },
    // a field's or a circle's edge against what is around it
    border: (sel) => { const n = document.querySelector(sel);
      return ratio(parse(getComputedStyle(n).borderTopColor), behind(n.parentElement)); },
    // text on a translucent backing, over the worst picture for it (white under white text)
    overVideo: (sel) => { const n = document.querySelector(sel); const s = getComputedStyle(n);
      const ground = over(parse(s.backgroundColor), { r: 255, g: 255, b: 255, a: 1 });
      return ratio(parse(s.color), ground); },
  };
})();
"""

# No sideways scroll; the title shown whole (not shrunk to nothing, not cut).
FITS = """() => {
  const title = document.querySelector('.topbar-title');
  const r = title.getBoundingClientRect();
  return { sideways: document.scrollingElement.scrollWidth > innerWidth,
           title: r.width > 0 && r.height > 0 && r.left >= 0 && r.right <= innerWidth
             && title.scrollWidth <= title.clientWidth && title.scrollHeight <= title.clientHeight + 1 };
}"""
FIT = {"sideways": False, "title": True}

# Every video of `selector` shows a picture.
PLAYING = """(selector) => { const vs = [...document.querySelectorAll(selector)];
  return vs.length > 0 && vs.every((v) => v.videoWidth > 0 && !v.paused); }"""

# WCAG 1.4.12's text spacing, laid over the page's own styles.
SPACING = """() => { const s = document.createElement('style');
  s.textContent = '* { line-height: 1.5 !important; letter-spacing: .12em !important; '
    + 'word-spacing: .16em !important; } p { margin-bottom: 2em !important; }';
  document.head.append(s); }"""

# The controls (by selector) that end up under the notice once focused (from the page's bottom).
COVERED = """(selectors) => {
  const notice = document.querySelector('#notice');
  const covered = [];
  for (const sel of selectors) {
    window.scrollTo(0, document.scrollingElement.scrollHeight);
    const node = document.querySelector(sel);
    node.focus();
    const n = notice.getBoundingClientRect();
    const b = node.getBoundingClientRect();
    if (document.activeElement !== node) covered.push(`${sel}: not focused`);
    else if (!notice.hidden && b.top < n.bottom && b.bottom > n.top) covered.push(sel);
  }
  return covered;
}"""


async def _video_names(page: Any) -> list[str]:
    """The accessible name of every video shown, as Chromium's accessibility tree has it."""
    count = await page.evaluate(
        """() => { let i = 0;
             for (const v of document.querySelectorAll('video')) {
               v.removeAttribute('data-named');
               if (v.checkVisibility()) v.dataset.named = String(i++);
             }
             return i; }"""
    )
    cdp = await page.context.new_cdp_session(page)
    names = []
    try:
        root = (await cdp.send("DOM.getDocument", {"depth": 0}))["root"]["nodeId"]
        for i in range(count):
            node = await cdp.send(
                "DOM.querySelector", {"nodeId": root, "selector": f'video[data-named="{i}"]'}
            )
            tree = await cdp.send(
                "Accessibility.getPartialAXTree",
                {"nodeId": node["nodeId"], "fetchRelatives": False},
            )
            names.append(str(tree["nodes"][0].get("name", {}).get("value", "")))
    finally:
        await cdp.detach()
    return names


async def _heading_name(page: Any, selector: str) -> str:
    cdp = await page.context.new_cdp_session(page)
    try:
        root = (await cdp.send("DOM.getDocument", {"depth": 0}))["root"]["nodeId"]
        node = await cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})
        tree = await cdp.send(
            "Accessibility.getPartialAXTree", {"nodeId": node["nodeId"], "fetchRelatives": False}
        )
        return str(tree["nodes"][0].get("name", {}).get("value", ""))
    finally:
        await cdp.detach()


async def _heard(page: Any, text: str) -> None:
    await page.wait_for_function(
        "(text) => window.__heard.some((h) => h.includes(text))", arg=text, timeout=20_000
    )


async def _count(page: Any, text: str) -> int:
    return int(
        await page.evaluate("(text) => window.__heard.filter((h) => h.includes(text)).length", text)
    )


async def _screen(page: Any, name: str) -> None:
    await page.wait_for_selector(f'[data-testid="screen"][data-screen="{name}"]', timeout=30_000)


async def test_seen_and_heard_at_320_px(server: Running, browser: Any) -> None:
    ev = await server.event([PEOPLE[0], PEOPLE[2], PEOPLE[1], PEOPLE[3]], rounds=4, title=TITLE)
    base = f"{server.url}/e/{ev.id}"
    failures: list[str] = []
    contexts, pages = [], {}
    for name, path in (
        ("fr", f"/p/{ev.person(0)[1]}?lang=fr"),
        ("en", f"/p/{ev.person(1)[1]}?lang=en"),
        ("host", f"/host/{ev.host_token}?lang=fr"),
        ("mod", f"/mod/{ev.moderator_token}?lang=en"),
    ):
        context = await browser.new_context(viewport=PHONE)
        await context.add_init_script(HEARD + CONTRAST)
        contexts.append(context)
        page = pages[name] = await context.new_page()
        page.on("pageerror", lambda exc, name=name: failures.append(f"[{name}] {exc}"))
        await page.goto(base + path)
    fr, en = pages["fr"], pages["en"]
    for page in (fr, en):
        await _screen(page, "lobby")
    host = await server.connect("/host", ev.host_token)

    # the lobby: the preview named, every page fits
    await fr.wait_for_function("() => document.querySelector('video').srcObject")
    assert await _video_names(fr) == ["Votre caméra"]
    assert await _video_names(en) == ["Your camera"]
    for name, page in pages.items():
        assert await page.evaluate(FITS) == FIT, name

    # the host's notice: never over the focused control; its focus ring shows on the dark
    assert (await host.call("notice", {"text": NOTICE}))["ok"]
    await fr.wait_for_selector("#notice:not([hidden])")
    preview = [
        '[data-view="lobby"] [data-action="mute"]',
        '[data-view="lobby"] [data-action="camera"]',
    ]
    assert await fr.evaluate(COVERED, preview) == []
    await fr.focus("#notice-close")
    assert await fr.evaluate("() => document.activeElement.matches(':focus-visible')")
    assert await fr.evaluate("() => __contrast.ring()") >= 3

    # her profile, then the directory with WCAG's text spacing: nothing cut
    await fr.focus('[data-testid="edit-profile"]')
    await fr.keyboard.press("Enter")
    await fr.wait_for_selector('[data-testid="profile-dialog"][open]')
    assert await fr.evaluate(FITS) == FIT
    assert await fr.evaluate("() => __contrast.border('#profile-pitch')") >= 3
    await fr.keyboard.press("Escape")
    await fr.wait_for_selector("dialog[open]", state="detached")
    await fr.click('[data-testid="open-directory"]')
    await fr.wait_for_selector('[data-testid="directory-person"]')
    await fr.evaluate(SPACING)
    assert await fr.evaluate(FITS) == FIT
    spilled = await fr.evaluate(
        """() => [...document.querySelectorAll('.mark')]
                 .filter((m) => m.scrollWidth > m.clientWidth || m.scrollHeight > m.clientHeight)
                 .map((m) => m.textContent)"""
    )
    assert spilled == []
    assert await fr.evaluate("() => __contrast.border('[data-testid=\"directory-search\"]')") >= 3
    await fr.keyboard.press("Escape")

    # the organiser's page: fits, and a person's edit form is not cut by the table
    context = await browser.new_context(viewport=PHONE)
    await context.add_init_script(f"sessionStorage.setItem('speedmeet.admin', '{ADMIN}')")
    contexts.append(context)
    admin = await context.new_page()
    await admin.goto(f"{server.url}/admin?lang=fr#/e/{ev.id}")
    await admin.click('[data-testid="edit-person"] >> nth=0')
    language = admin.locator('[data-testid="edit-form"] select[name="language"]')
    await language.wait_for()
    assert await admin.evaluate(FITS) == FIT
    inside = await language.evaluate(
        """(s) => { const b = s.getBoundingClientRect();
                    const w = s.closest('.table-wrap').getBoundingClientRect();
                    return b.width > 0 && b.left >= w.left && b.right <= w.right; }"""
    )
    assert inside, "the language list is cut by the table"

    # the doors open: heard once on each page
    assert (await host.call("open"))["ok"]
    await _heard(fr, "Les portes sont ouvertes.")
    await _heard(en, "The doors are open.")

    # the round: every video named, the heading read as words
    assert (await host.call("start"))["ok"]
    for page in (fr, en):
        await _screen(page, "room")
    # (a video with nothing to play is named "Unable to play media." by Chromium: the moderator
    # joins from the board, with a camera)
    await pages["mod"].click('[data-testid="join-room"]')
    for page in (fr, en):
        await page.wait_for_function(
            PLAYING, arg="[data-testid=moderator-tile] video", timeout=30_000
        )
    await pages["mod"].wait_for_function(PLAYING, arg="[data-testid=call-video]", timeout=30_000)
    for page, partner, staff, mine in (
        (fr, "Vidéo de Léa Garnier, Mobilis", "Vidéo de Modération ", "Votre caméra"),
        (en, "Video of Claire Martin, Mairie de Lyon", "Video of Moderator ", "Your camera"),
    ):
        names = await _video_names(page)
        assert sorted(n for n in names if not n.startswith(staff)) == [partner, mine], names
        assert len([n for n in names if n.startswith(staff)]) == 1, names
    assert sorted(await _video_names(pages["mod"])) == [
        "Video of Claire Martin, Mairie de Lyon",
        "Video of Léa Garnier, Mobilis",
        "Your camera",
    ]
    assert await _heading_name(fr, '[data-testid="room-heading"]') == "Tour 1 sur 4"
    assert await _heading_name(en, '[data-testid="room-heading"]') == "Round 1 of 4"
    assert await fr.evaluate("() => __contrast.overVideo('.tile.remote .tile-name')") >= 4.5
    for name in ("host", "mod"):
        await pages[name].wait_for_selector(".room-card")
    for name, page in pages.items():
        assert await page.evaluate(FITS) == FIT, name
    # in the room too, the notice (still there) covers nothing focused
    controls = ['[data-testid="room-heading"]', '.call-bar [data-action="mute"]',
                '.call-bar [data-action="camera"]']  # fmt: skip
    assert await fr.evaluate(COVERED, controls) == []
    # the chat on a short screen (1280×1024 at 400 %), with text spacing: its close button in view
    await en.set_viewport_size({"width": 320, "height": 256})
    await en.evaluate(SPACING)
    await en.click('[data-testid="chat-button"]')
    await en.wait_for_selector('[data-testid="chat-input"]:focus')
    close = await en.evaluate(
        """() => { const close = document.querySelector('#chat .chat-head .icon-button');
                   const b = close.getBoundingClientRect();
                   return b.top >= 0 && b.bottom <= innerHeight && b.right <= innerWidth; }"""
    )
    assert close, "the chat's close button is off screen"
    await en.set_viewport_size(PHONE)

    # late arrivals: the first lands waiting, the second in a room with him; each is told
    # where, with the focus on the screen's heading
    for index, lang, screen, heard in (
        (2, "fr", "waiting", "Ce tour a déjà commencé"),
        (3, "en", "room", "Round 1 of 4 has begun: you are meeting Hugo Bernard."),
    ):
        context = await browser.new_context(viewport=PHONE)
        await context.add_init_script(HEARD)
        contexts.append(context)
        late = await context.new_page()
        await late.goto(f"{base}/p/{ev.person(index)[1]}?lang={lang}")
        await _screen(late, screen)
        await _heard(late, heard)
        heading = "waiting-title" if screen == "waiting" else "room-heading"
        await late.wait_for_function(
            "(id) => document.activeElement.matches(`[data-testid=${id}]`)", arg=heading
        )
        assert await late.evaluate(FITS) == FIT

    # the round's end, heard once; then a pause and a resume of the break, once each
    assert (await host.call("end_round"))["ok"]
    for page in (fr, en):
        await _screen(page, "break")
    await _heard(fr, "le tour 1 est terminé")
    await _heard(en, "round 1 is over")
    await fr.wait_for_selector(".rating-option span")
    assert await fr.evaluate("() => __contrast.border('.rating-option span')") >= 3
    assert (await host.call("pause"))["ok"]
    await _heard(fr, "Le chronomètre est suspendu.")
    await _heard(en, "The clock is paused.")
    assert (await host.call("resume"))["ok"]
    await _heard(fr, "Le chronomètre est reparti.")
    await _heard(en, "The clock is running again.")
    for text in ("Les portes sont ouvertes.", "tour 1 est terminé", "suspendu", "reparti"):
        assert await _count(fr, text) == 1, (text, await fr.evaluate("() => window.__heard"))
    for text in ("The doors are open.", "1 is over", "paused", "running again"):
        assert await _count(en, text) == 1, (text, await en.evaluate("() => window.__heard"))
    # and what was shown is kept: the notice in the page's messages, with its time
    await fr.focus('[data-testid="messages"] summary')
    await fr.keyboard.press("Enter")
    kept = fr.locator('[data-testid="messages"] li').filter(has_text=NOTICE)
    assert await kept.locator("time").inner_text() != ""
    assert "Messages reçus" in await fr.inner_text('[data-testid="messages"] summary')
    assert failures == []
    for context in contexts:
        await context.close()
