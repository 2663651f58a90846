"""Forms without a mouse or without sight (issue 20, items 4, 5 and 8), read from Chromium's
accessibility tree: the rating is a named, required radio group whose error is the page's own,
tied to the group; a rating typed and not saved is kept as a draft and offered again (after a
reload, at the next break), and the round's start leaves the focus in the note being typed; a
field's error is beside its field, in the page's language, tied to it and focused (the
profile's website, /admin's person edit, its event settings and new event), and required fields
are marked.

Two tests, each with one page setup: the rating in French (and its words in English on a
second page of the same event), the field errors in English (profile) and French (/admin)."""

from __future__ import annotations

from typing import Any

from tests.conftest import ADMIN, PEOPLE, Running
from tests.e2e.axe import violations

OPEN = {"mode": "open"}
FR_NAMES = ["1 – Pas utile", "2 – Peu utile", "3 – Assez utile", "4 – Utile", "5 – Très utile"]
EN_NAMES = [
    "1 – Not useful",
    "2 – Slightly useful",
    "3 – Fairly useful",
    "4 – Useful",
    "5 – Very useful",
]
BREAK_FORM = '[data-view="break"] .feedback-slot [data-testid="feedback-form"]'


async def ax_tree(page: Any) -> list[dict[str, Any]]:
    """The page's accessibility tree as Chromium exposes it (ignored nodes left out), each node
    flattened: role, name, description and its properties (invalid, required, focused...)."""
    cdp = await page.context.new_cdp_session(page)
    try:
        tree = await cdp.send("Accessibility.getFullAXTree")
    finally:
        await cdp.detach()
    nodes = []
    for n in tree["nodes"]:
        if n.get("ignored"):
            continue
        node = {
            "role": n.get("role", {}).get("value", ""),
            "name": n.get("name", {}).get("value", ""),
            "description": n.get("description", {}).get("value", ""),
        }
        for prop in n.get("properties", []):
            node[prop["name"]] = prop["value"].get("value")
        nodes.append(node)
    return nodes


def radios(tree: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [n for n in tree if n["role"] == "radio"]


def groups(tree: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [n for n in tree if n["role"] == "radiogroup"]


async def _screen(page: Any, name: str) -> None:
    await page.wait_for_selector(f'[data-testid="screen"][data-screen="{name}"]', timeout=30_000)


async def _rating_group_checks(page: Any, names: list[str], message: str) -> list[str]:
    """What is wrong with the break form's rating group in ``page`` (nothing: [])."""
    wrong: list[str] = []
    form = page.locator(BREAK_FORM)
    await form.wait_for(timeout=30_000)
    tree = await ax_tree(page)
    got = [n["name"] for n in radios(tree)]
    if got != names:
        wrong.append(f"radio names {got}")
    if [g.get("required") for g in groups(tree)] != [True]:
        wrong.append(f"groups {[(g['role'], g['name'], g.get('required')) for g in groups(tree)]}")
    invalid = [n["name"] for n in radios(tree) if n.get("invalid") not in (None, "false")]
    if invalid:
        wrong.append(f"invalid before any input: {invalid}")
    # sent without a rating: the page's own words, tied to the group, and the focus on it
    await form.locator('[data-testid="feedback-send"]').click()
    try:
        await page.wait_for_function(
            """(text) => [...document.querySelectorAll('[aria-invalid="true"]')]
                 .some((n) => n.closest('form') && n.getAttribute('aria-describedby'))""",
            arg=message,
            timeout=5_000,
        )
    except Exception:
        wrong.append("no group marked invalid after sending without a rating")
    tree = await ax_tree(page)
    said = [(g.get("invalid"), g["description"]) for g in groups(tree)]
    if not any(inv == "true" and message in desc for inv, desc in said):
        wrong.append(f"group after sending: {said}, wanted {message!r} described and invalid")
    focused = await page.evaluate(
        "() => document.activeElement.closest('[role=radiogroup]') !== null"
    )
    if not focused:
        wrong.append("the focus is not on the rating group")
    wrong += [f"axe: {v}" for v in await violations(page)]
    return wrong


async def test_the_rating_is_a_named_required_group_and_a_draft_is_kept(
    server: Running, browser: Any
) -> None:
    ev = await server.event(PEOPLE, matching=OPEN, rounds=3)
    _, token = ev.person(0)  # Claire Martin, in French
    _, english = ev.person(1)  # Hugo Bernard, in English
    others = [await server.connect("/participant", ev.person(i)[1]) for i in (2, 3)]
    pages = {}
    for who, tok, lang in (("fr", token, "fr"), ("en", english, "en")):
        context = await browser.new_context(viewport={"width": 1000, "height": 900})
        page = await context.new_page()
        page.on("pageerror", lambda exc, who=who: print(f"[{who}] page error: {exc}"))
        await page.goto(f"{server.url}/e/{ev.id}/p/{tok}?lang={lang}")
        await _screen(page, "lobby")
        pages[who] = page
    host = await server.connect("/host", ev.host_token)
    await host.wait_board(lambda d: sum(p["online"] for p in d["participants"]) == 4)
    assert (await host.call("start"))["ok"]
    for client in others:
        await client.wait_for("assignment", lambda a: a["round"] == 1)
    assert (await host.call("end_round"))["ok"]
    page, en = pages["fr"], pages["en"]
    for p in pages.values():
        await _screen(p, "break")

    wrong = await _rating_group_checks(page, FR_NAMES, "Choisissez d’abord une note de 1 à 5.")
    wrong += [
        f"en: {w}"
        for w in await _rating_group_checks(en, EN_NAMES, "Choose a rating from 1 to 5 first.")
    ]
    await en.context.close()  # English is read; one page is enough from here

    # a draft: a rating and a note, not saved; a reload offers them again
    form = page.locator(BREAK_FORM)
    await form.locator('[data-testid="rating-4"]').check(force=True)
    await form.locator('[data-testid="feedback-note"]').fill("Rappeler en mars")
    await page.reload()
    await _screen(page, "break")
    form = page.locator(BREAK_FORM)
    await form.wait_for()
    if not await form.locator('[data-testid="rating-4"]').is_checked():
        wrong.append("the draft's rating is gone after a reload")
    note = form.locator('[data-testid="feedback-note"]')
    if await note.input_value() != "Rappeler en mars":
        wrong.append(f"the draft's note after a reload: {await note.input_value()!r}")

    # the round starts while she types: the focus stays in her note, and it is kept
    await note.focus()
    await page.keyboard.press("End")
    await page.keyboard.type(" avec le devis")
    assert (await host.call("next"))["ok"]
    # in a room or waiting (Hugo's page is closed), the break is over
    await page.wait_for_selector(
        '[data-testid="screen"]:is([data-screen="room"], [data-screen="waiting"])', timeout=30_000
    )
    where = await page.evaluate(
        "() => [document.activeElement.dataset.testid, document.activeElement.value]"
    )
    if where != ["feedback-note", "Rappeler en mars avec le devis"]:
        wrong.append(f"the focus at the round's start: {where}")
    await page.keyboard.type(" signé")
    assert (await host.call("end_round"))["ok"]
    await _screen(page, "break")
    # the next break: round 1's meeting offered again, unfolded, with the draft in it
    older = page.locator('[data-testid="rate-older"] [data-testid="rate-later"]')
    try:
        await older.first.wait_for(timeout=30_000)
        if await older.first.get_attribute("open") is None:
            wrong.append("the meeting with a draft is folded at the next break")
        again = older.first.locator('[data-testid="feedback-form"]')
        kept = await again.locator('[data-testid="feedback-note"]').input_value()
        if kept != "Rappeler en mars avec le devis signé":
            wrong.append(f"the draft's note at the next break: {kept!r}")
        if not await again.locator('[data-testid="rating-4"]').is_checked():
            wrong.append("the draft's rating is gone at the next break")
        # saved: the draft is gone from the browser's storage
        await again.locator('[data-testid="feedback-send"]').click()
        await page.wait_for_function(
            "(node) => node.textContent.startsWith('Enregistré')",
            arg=await again.locator(".form-status").element_handle(),
            timeout=15_000,
        )
        left = await page.evaluate(
            "() => Object.keys(localStorage).filter((k) => k.startsWith('speedmeet:draft:'))"
        )
        if left:
            wrong.append(f"drafts left after saving: {left}")
    except Exception as exc:  # reported with the rest
        wrong.append(f"the next break: {str(exc).splitlines()[0]}")
    assert wrong == [], "\n".join(wrong)


async def _beside(page: Any, field: str, message: str) -> list[str]:
    """What is wrong with ``field``'s error (a selector): shown, in these words, just below or
    beside the field, tied to it by aria-describedby, the field marked invalid, styled as an
    error, in view."""
    found = await page.evaluate(
        """([selector, message]) => {
          const field = document.querySelector(selector);
          const ids = (field.getAttribute('aria-describedby') || '').split(/\\s+/).filter(Boolean);
          const error = ids.map((id) => document.getElementById(id))
            .find((n) => n && n.textContent.includes(message));
          if (!error) return { tied: false, invalid: field.getAttribute('aria-invalid') };
          const a = field.getBoundingClientRect();
          const b = error.getBoundingClientRect();
          return {
            tied: true,
            invalid: field.getAttribute('aria-invalid'),
            gap: Math.round(Math.max(b.top - a.bottom, a.top - b.bottom)),
            inView: b.top >= 0 && b.bottom <= innerHeight,
            colour: getComputedStyle(error).color,
            danger: getComputedStyle(document.documentElement).getPropertyValue('--danger').trim(),
          };
        }""",
        [field, message],
    )
    wrong = []
    if not found["tied"]:
        wrong.append(f"{field}: no error {message!r} tied by aria-describedby")
        return wrong
    if found["invalid"] != "true":
        wrong.append(f"{field}: aria-invalid {found['invalid']!r}")
    if found["gap"] > 40:
        wrong.append(f"{field}: the error is {found['gap']} px away")
    if not found["inView"]:
        wrong.append(f"{field}: the error is out of view")
    if found["colour"] != "rgb(179, 38, 30)":  # --danger, #b3261e
        wrong.append(f"{field}: the error's colour {found['colour']}")
    return wrong


async def test_field_errors_are_beside_their_fields(server: Running, browser: Any) -> None:
    ev = await server.event(PEOPLE, rounds=2)
    wrong: list[str] = []

    # the profile, in French: a website that is not one
    context = await browser.new_context(viewport={"width": 1000, "height": 800})
    page = await context.new_page()
    page.on("pageerror", lambda exc: print(f"page error: {exc}"))
    await page.goto(f"{server.url}/e/{ev.id}/p/{ev.person(0)[1]}?lang=fr")
    await _screen(page, "lobby")
    await page.click('[data-testid="edit-profile"]')
    await page.fill('[data-testid="profile-website-input"]', "lyon dot example")
    await page.click('[data-testid="profile-save"]')
    message = "«\u202flyon dot example\u202f» n’est pas une adresse web (elle devrait commencer par https://)."
    try:
        await page.wait_for_function(
            "(text) => document.body.textContent.includes(text)", arg=message, timeout=10_000
        )
    except Exception:
        wrong.append(f"profile: {message!r} never shown")
        shown = await page.inner_text('[data-testid="profile-dialog"]')
        wrong.append(f"profile dialog says: {shown[-200:]!r}")
    wrong += await _beside(page, '[data-testid="profile-website-input"]', message)
    wrong += [f"profile axe: {v}" for v in await violations(page)]
    # mended: the error goes
    await page.fill('[data-testid="profile-website-input"]', "https://lyon.example")
    await page.click('[data-testid="profile-save"]')
    await page.wait_for_selector(
        '[data-testid="profile-status"]:has-text("Votre profil est enregistré")'
    )
    if await page.get_attribute('[data-testid="profile-website-input"]', "aria-invalid") == "true":
        wrong.append("profile: still invalid once mended")
    await context.close()

    # /admin, in French: a person's website that is not one, beside the field, in view
    context = await browser.new_context(viewport={"width": 1280, "height": 800})
    page = await context.new_page()
    page.on("pageerror", lambda exc: print(f"page error: {exc}"))
    await page.goto(f"{server.url}/admin?lang=fr")
    await page.fill('[data-testid="admin-token"]', ADMIN)
    await page.press('[data-testid="admin-token"]', "Enter")
    await page.wait_for_selector('[data-testid="new-event"]')
    await page.goto(f"{server.url}/admin?lang=fr#/e/{ev.id}")
    await page.wait_for_selector('[data-testid="people"] tbody tr >> nth=3')
    await page.locator('[data-testid="edit-person"]').nth(3).click()
    form = page.locator('[data-testid="edit-form"]')
    await form.wait_for()
    # required fields: marked for the eye and for a screen reader, with the marker explained
    name = form.locator('input[name="name"]')
    label = await page.evaluate("(n) => n.labels[0].textContent", await name.element_handle())
    if "*" not in label:
        wrong.append(f"admin: the name's label has no required marker: {label!r}")
    if "* obligatoire" not in await form.inner_text():
        wrong.append("admin: no legend '* obligatoire' for the marker")
    tree = await ax_tree(page)
    required = [n["name"] for n in tree if n["role"] == "textbox" and n.get("required")]
    if not any(n.startswith("Nom") for n in required):
        wrong.append(f"admin: required text boxes {required}")
    await form.locator('input[name="website"]').fill("pas une adresse")
    await page.evaluate("window.scrollTo(0, 0)")
    await form.locator('input[name="website"]').focus()
    await form.locator('[data-testid="save-person"]').click()
    message = "«\u202fpas une adresse\u202f» n’est pas une adresse web"
    try:
        await page.wait_for_function(
            "(text) => document.body.textContent.includes(text)", arg=message, timeout=10_000
        )
    except Exception:
        wrong.append(f"admin: {message!r} never shown")
        alerts = await page.locator(".alert:visible").all_inner_texts()
        wrong.append(f"admin: the page says {alerts}")
    wrong += [f"admin: {w}" for w in await _beside(page, 'input[name="website"]', message)]
    wrong += [f"admin axe: {v}" for v in await violations(page)]

    # the event's settings: refusals the browser lets through, beside their field, in French
    settings = page.locator('[data-testid="settings"]')
    await settings.locator('[data-testid="edit-synonyms"]').fill("mobilité transports")
    await settings.locator('[data-testid="save-settings"]').click()
    message = (
        "Ligne 1 («\u202fmobilité transports\u202f»)\u202f: écrivez au moins deux mots-clés "
        "différents séparés par ~, par exemple mobilité ~ transports."
    )
    wrong += await _refused(page, '[data-testid="edit-synonyms"]', message, "settings")
    # relay-only calls on a server without a relay: the box is told; the line above is mended
    await settings.locator('[data-testid="edit-synonyms"]').fill("")
    await settings.locator('[data-testid="edit-relay"]').check()
    await settings.locator('[data-testid="save-settings"]').click()
    message = "Les appels par le relais seul demandent un serveur relais (TURN)"
    wrong += await _refused(page, '[data-testid="edit-relay"]', message, "relay")
    if await page.get_attribute('[data-testid="edit-synonyms"]', "aria-invalid") == "true":
        wrong.append("settings: the synonyms still invalid on the next submit")

    # a new event whose two sides have one name
    await page.goto(f"{server.url}/admin?lang=fr#/")
    form = page.locator('[data-testid="new-event"]')
    await form.wait_for()
    await form.locator('[data-testid="new-title"]').fill("Élus et innovateurs")
    await form.locator('input[name="side_b"]').fill("commune")
    await form.locator('[data-testid="create-event"]').click()
    message = "Donnez deux noms de collèges différents, par exemple commune et solution."
    wrong += await _refused(page, 'input[name="side_b"]', message, "new event")
    top = await page.locator('[data-testid="message"]:visible').all_inner_texts()
    if top:
        wrong.append(f"new event: the top of the page says {top}")
    wrong += [f"new event axe: {v}" for v in await violations(page)]
    assert wrong == [], "\n".join(wrong)


async def _refused(page: Any, field: str, message: str, what: str) -> list[str]:
    """What is wrong with a refusal of /admin's ``field`` (a selector): ``message`` shown beside
    it (``_beside``), and the accessibility tree's focused node is that field, invalid and
    described by the message."""
    try:  # (the page's strings are all in its boot data: wait for the field, not the words)
        await page.wait_for_function(
            "(s) => document.querySelector(s).getAttribute('aria-invalid') === 'true'",
            arg=field,
            timeout=10_000,
        )
    except Exception:
        said = await page.locator(".alert:visible").all_inner_texts()
        return [f"{what}: {field} never marked invalid; the page says {said}"]
    wrong = [f"{what}: {w}" for w in await _beside(page, field, message)]
    focused = [n for n in await ax_tree(page) if n.get("focused") and n["role"] != "RootWebArea"]
    here = await page.evaluate("(s) => document.activeElement === document.querySelector(s)", field)
    if not here or len(focused) != 1:
        wrong.append(f"{what}: the focus is not on {field}: {focused}")
    elif focused[0].get("invalid") != "true" or message not in focused[0]["description"]:
        wrong.append(f"{what}: the focused field reads {focused[0]}")
    return wrong
