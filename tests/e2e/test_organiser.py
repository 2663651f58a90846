"""The organiser's page in Chromium: sign in, create an event, import a file with mistakes and
see every one, fix it, import, send the invitations to a local SMTP server, and a participant
opens the link of the captured e-mail. Screenshots in English and French for the docs."""

from __future__ import annotations

import asyncio
import csv
import io
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.conftest import ADMIN, PEOPLE
from tests.e2e.axe import violations
from tests.mailbox import Inbox, inbox, smtp_settings
from tests.transport.gathering import gather

__all__ = ["inbox"]  # the fixture
DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"

BAD = (
    "Nom;Organisme;Collège;Courriel;Langue\n"
    "Claire Martin;Mairie de Lyon;commune;claire@lyon.example;fr\n"
    "Hugo Bernard;Ville de Nantes;maire;hugo@nantes.example;fr\n"
    "Léa Garnier;Mobilis;solution;lea-mobilis.example;en\n"
    "Thomas Petit;Lumio;solution;thomas@lumio.example;\n"
)
GOOD = BAD.replace(";maire;", ";commune;").replace("lea-mobilis.example", "lea@mobilis.example")


async def choose(page: Any, text: str, name: str = "invites.csv") -> None:
    files = [{"name": name, "mimeType": "text/csv", "buffer": text.encode("utf-8")}]
    await page.set_input_files('[data-testid="import-file"]', files=files)


async def test_an_organiser_prepares_an_event(
    start: Callable[..., Any], browser: Any, inbox: tuple[Inbox, int]
) -> None:
    box, port = inbox
    server = await start(**smtp_settings(port))
    DOCS.mkdir(parents=True, exist_ok=True)
    context = await browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    page = await context.new_page()
    page.on("dialog", lambda d: d.accept())
    failures: list[str] = []
    page.on("pageerror", lambda e: failures.append(str(e)))
    await page.goto(f"{server.url}/admin?lang=en")

    # a wrong token is refused; the right one opens the page (kept in this tab only)
    await page.fill('[data-testid="admin-token"]', "not-the-token")
    await page.press('[data-testid="admin-token"]', "Enter")
    await page.wait_for_selector('[data-testid="signin-error"]:not([hidden])')
    assert await violations(page) == []
    await page.fill('[data-testid="admin-token"]', ADMIN)
    await page.press('[data-testid="admin-token"]', "Enter")
    await page.wait_for_selector('[data-testid="new-event"]')
    assert ADMIN not in page.url and "token" not in page.url
    assert await page.evaluate("document.cookie") == ""

    await page.fill('[data-testid="new-title"]', "Mayors meet innovators")
    await page.fill('[data-testid="new-starts"]', "2030-03-14T09:30")
    await page.fill('[data-testid="new-rounds"]', "4")
    await page.click('[data-testid="create-event"]')
    await page.wait_for_selector('[data-testid="event-head"]')
    event_id = re.search(r"#/e/([\w-]+)", page.url).group(1)  # type: ignore[union-attr]
    host_url = await page.input_value('[data-testid="link-host-url"]')
    assert f"/e/{event_id}/host/" in host_url  # shown once, right after the event is made

    # a file with two mistakes: both are listed with their line and column, nothing is stored
    await choose(page, BAD)
    await page.wait_for_selector('[data-testid="import-problems"]')
    rows = await page.locator('[data-testid="import-problems"] tbody tr').all_inner_texts()
    assert len(rows) == 2, rows
    assert rows[0].startswith("3") and "C · Side" in rows[0] and "“maire”" in rows[0]
    assert rows[1].startswith("4") and "D · E-mail" in rows[1]
    assert await page.locator('[data-testid="import-apply"]').count() == 0
    report = page.locator('[data-testid="people-card"]')
    await report.screenshot(path=str(DOCS / "organiser-import.png"))
    assert await violations(page) == []  # the new event's links, the import's problems

    # fixed: the preview says what will happen, then the import applies it
    await choose(page, GOOD, "invites-fixed.csv")
    await page.wait_for_selector('[data-testid="import-apply"]')
    counts = await page.inner_text('[data-testid="import-counts"]')
    assert "4 to add" in counts.replace("\n", " ") and "0 problems" in counts.replace("\n", " ")
    await page.click('[data-testid="import-apply"]')
    await page.wait_for_selector('[data-testid="people"] tbody tr >> nth=3')
    assert await page.locator('[data-testid="people"] tbody tr').count() == 4

    # invitations: sent to the local mail server, with their progress on the page
    await page.click('[data-testid="send-invitations"]')
    await page.wait_for_selector('[data-testid="mail-counts"]:has-text("4 sent")', timeout=20_000)
    await page.wait_for_selector('tr[data-mail="sent"] >> nth=3')
    await page.screenshot(path=str(DOCS / "organiser.png"), full_page=True)
    assert await violations(page) == []
    messages = await box.wait(4)
    claire = next(m for m in messages if "claire@lyon.example" in str(m["To"]))
    assert claire["Subject"] == "Votre lien personnel pour «\u202fMayors meet innovators\u202f»"
    plain = claire.get_body(("plain",))
    assert plain is not None
    link = next(w for w in plain.get_content().split() if "/p/" in w)

    # the participant opens the link of her e-mail
    mine = await browser.new_context(viewport={"width": 390, "height": 800})
    her = await mine.new_page()
    await her.goto(server.url + "/" + link.split("/", 3)[3])
    await her.wait_for_selector('[data-testid="my-name"]')
    assert "Claire Martin" in await her.inner_text('[data-testid="my-name"]')
    assert await her.get_attribute("html", "lang") == "fr"
    await mine.close()

    # the same page in French (the tab keeps its sign-in), and its import report
    await page.goto(f"{server.url}/admin?lang=fr#/e/{event_id}")
    await page.wait_for_selector('[data-testid="people"]')
    assert "Personnes (4)" in await page.inner_text('[data-testid="people-card"] h3')
    await choose(page, BAD.replace("Thomas Petit", "Inès Roux").replace("thomas@", "ines@"))
    await page.wait_for_selector('[data-testid="import-problems"]')
    text = await page.inner_text('[data-testid="import-problems"]')
    assert "«\u202fmaire\u202f» n’est pas un collège de cet événement" in text
    await page.locator('[data-testid="people-card"]').screenshot(
        path=str(DOCS / "organiser-import-fr.png")
    )
    assert await violations(page) == []

    # keyboard only, on a phone-sized window: the sign-in form and the first controls
    await page.set_viewport_size({"width": 390, "height": 800})
    await page.evaluate("window.scrollTo(0, 0)")
    await page.screenshot(path=str(DOCS / "organiser-phone.png"))
    assert failures == []
    await context.close()


async def test_after_the_event_the_organiser_sends_the_summaries_and_sees_the_archive(
    start: Callable[..., Any], browser: Any, inbox: tuple[Inbox, int]
) -> None:
    box, port = inbox
    server = await start(**smtp_settings(port, summary_mail=False))
    people = [
        {"name": "Claire Martin", "side": "commune", "email": "claire@lyon.example"},
        {"name": "Léa Garnier", "side": "solution", "email": "lea@mobilis.example"},
    ]
    ended = await server.event(people, title="Morning of the mayors", rounds=1)
    host = await server.connect("/host", ended.host_token)
    assert (await host.call("start"))["ok"] and (await host.call("end"))["ok"]
    gone = await server.event(people, title="Last year's morning", rounds=1)
    status, _ = await server.api("POST", f"/api/events/{gone.id}/forget")
    assert status == 200

    context = await browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    page = await context.new_page()
    page.on("dialog", lambda d: d.accept())
    failures: list[str] = []
    page.on("pageerror", lambda e: failures.append(str(e)))
    await page.goto(f"{server.url}/admin?lang=en")
    await page.fill('[data-testid="admin-token"]', ADMIN)
    await page.press('[data-testid="admin-token"]', "Enter")
    archive = page.locator('[data-testid="archive"]')
    await archive.wait_for()
    assert "Last year's morning" in await archive.inner_text()
    assert "Morning of the mayors" not in await archive.inner_text()
    assert await violations(page) == []

    # the ended event's summaries, not sent automatically here, sent from its page
    await page.goto(f"{server.url}/admin?lang=en#/e/{ended.id}")
    await page.click('[data-testid="send-summaries"]')
    messages = await box.wait(2)
    assert {m["To"].addresses[0].addr_spec for m in messages} == {
        "claire@lyon.example",
        "lea@mobilis.example",
    }
    await page.wait_for_selector('[data-testid="summaries-counts"]:has-text("2 sent")')
    assert await violations(page) == []
    assert failures == []
    await context.close()


LONG = [
    {"name": "Marie-Hélène de La Rochefoucauld-Montbel", "organization": "Communauté d'agglomération du Grand Montauban-Tarn-et-Garonne", "side": "commune", "email": "marie-helene.delarochefoucauld@grand-montauban.example"},
    {"name": "Léa Garnier", "organization": "Mobilis", "side": "solution", "email": "lea@mobilis.example", "language": "en"},
    {"name": "Hugo Bernard", "organization": "Ville de Nantes", "side": "commune", "email": "hugo@nantes.example"},
    {"name": "Thomas Petit", "organization": "Lumio énergies renouvelables et bâtiments", "side": "solution", "email": "thomas@lumio.example"},
]  # fmt: skip
DAY = 1_796_457_600_000  # 2026-12-05 08:00 UTC: 09:00 in Paris


async def _overflow(page: Any) -> dict[str, float]:
    """How far the page, the people table and their controls go beyond what holds them (px)."""
    return dict(
        await page.evaluate(
            """() => {
                 const page = document.scrollingElement.scrollWidth - window.innerWidth;
                 const card = document.querySelector('[data-testid="people-card"]');
                 const wrap = card.querySelector('.table-wrap');
                 const edge = card.getBoundingClientRect().right;
                 const past = (sel) => Math.max(0, ...[...card.querySelectorAll(sel)]
                   .map((n) => n.getBoundingClientRect().right - edge));
                 return { page, table: wrap.scrollWidth - wrap.clientWidth,
                          remove: past('[data-testid="remove-person"]'),
                          form: past('[data-testid="edit-form"], [data-testid="edit-form"] *') };
               }"""
        )
    )


async def _saved(page: Any, testid: str) -> tuple[str, str]:
    """Click ``testid`` and read back the file it downloads: (its name, its text)."""
    async with page.expect_download() as info:
        await page.click(f'[data-testid="{testid}"]')
    download = await info.value
    path = Path(await download.path())
    return download.suggested_filename, await asyncio.to_thread(path.read_text, "utf-8-sig")


async def test_the_organisers_page_after_a_french_event(
    start: Callable[..., Any], browser: Any
) -> None:
    """A French morning played and ended: the organiser's French page gives the results and the
    links in French files named after the event, a report link that replaces no link, each
    person's link status once the links are downloaded, correct plurals, no overflow at 1366
    px and on a phone; the host console's file is the same. A lighter check in English."""
    server = await start(timezone="Europe/Paris")
    g = await gather(server, LONG, title="Matinale AMIF", language="fr", starts_at=DAY)
    await g.end_round()
    for pid, client in g.people.items():
        body = {"room": g.room(pid), "rating": 5, "follow_up": True, "reasons": ["purchase"]}
        assert (await client.call("feedback", body))["ok"]
    assert (await g.host.call("end"))["ok"]
    name = "matinale-amif-2026-12-05"

    context = await browser.new_context(
        viewport={"width": 1366, "height": 900}, locale="fr-FR", accept_downloads=True
    )
    page = await context.new_page()
    page.on("dialog", lambda d: d.accept())
    failures: list[str] = []
    page.on("pageerror", lambda e: failures.append(str(e)))
    await page.goto(f"{server.url}/admin?lang=fr")
    await page.fill('[data-testid="admin-token"]', ADMIN)
    await page.press('[data-testid="admin-token"]', "Enter")
    # a new event speaks the page's language unless told otherwise
    await page.wait_for_selector('[data-testid="new-event"]')
    assert await page.input_value('[data-testid="new-language"]') == "fr"
    await page.goto(f"{server.url}/admin?lang=fr#/e/{g.ev.id}")
    await page.wait_for_selector('[data-testid="people"] tbody tr >> nth=3')

    # the results, as a French office opens them
    saved, text = await _saved(page, "download-results")
    assert saved == f"{name}-rencontres.csv"
    head = text.splitlines()[0]
    assert head.startswith("Type;Tour;Salle;Motif de la rencontre;Début;Fin;"), head
    rows = list(csv.DictReader(io.StringIO(text), delimiter=";"))
    assert {(r["Type"], r["A eu lieu"], r["Suite souhaitée des deux côtés"]) for r in rows} == {
        ("rencontre", "oui", "oui")
    }
    assert rows[0]["Début"].startswith("05/12/2026 ")
    # the contacts for a CRM: one row per person (all four want to follow up), in French
    saved, text = await _saved(page, "download-contacts")
    assert saved == f"{name}-contacts.csv"
    assert text.splitlines()[0].startswith("Prénom;Nom;Adresse e-mail;Organisation;Côté;")
    assert len(list(csv.DictReader(io.StringIO(text), delimiter=";"))) == 4

    # the report, by a link that replaces no link
    report = page.locator('[data-testid="report-link"]')
    url = await report.get_attribute("href")
    assert url is not None and url.startswith(f"/e/{g.ev.id}/report/")
    viewer = await context.new_page()
    await viewer.goto(server.url + url)
    await viewer.wait_for_selector('[data-testid="totals"]')
    await viewer.close()

    # the links: a French file, then everyone's status says when it was handed out
    assert "téléchargé" not in await page.inner_text('[data-testid="people"]')
    saved, text = await _saved(page, "merge-download")
    assert saved == f"{name}-liens.csv"
    assert text.splitlines()[0] == "Nom;Organisme;Collège;E-mail;Langue;Lien"
    status = page.locator('[data-testid="person-status"]')
    await page.wait_for_function(
        """() => [...document.querySelectorAll('[data-testid="person-status"]')]
             .every((n) => /lien téléchargé le \\d+ déc\\. à \\d+ h \\d\\d$/.test(n.textContent))"""
    )
    assert await status.count() == 4

    # 1366 px: the table, its "Retirer" buttons and an open edit form stay in their card
    await page.evaluate("window.scrollTo(0, 0)")
    await page.screenshot(path=str(DOCS / "organiser-fr.png"), full_page=True)
    assert await violations(page) == []
    assert await _overflow(page) == {"page": 0, "table": 0, "remove": 0, "form": 0}
    await page.locator('[data-testid="edit-person"]').first.click()
    await page.wait_for_selector('[data-testid="edit-form"]')
    assert await _overflow(page) == {"page": 0, "table": 0, "remove": 0, "form": 0}
    # a file with one mistake: "1 problème"
    await choose(page, "Nom;Collège\nInès Roux;maire\n")
    await page.wait_for_selector('[data-testid="import-problems"]')
    counts = await page.inner_text('[data-testid="import-counts"]')
    assert "1 problème" in counts and "problèmes" not in counts, counts
    # a phone: nothing wider than the screen
    await page.set_viewport_size({"width": 360, "height": 800})
    assert (await _overflow(page))["page"] == 0

    # the host console's file: the same language, separator and name
    host = await context.new_page()
    await host.goto(f"{server.url}/e/{g.ev.id}/host/{g.ev.host_token}")
    saved, text = await _saved(host, "results-csv")
    assert saved == f"{name}-rencontres.csv"
    assert text.splitlines()[0].startswith("Type;Tour;Salle;")
    saved, text = await _saved(host, "results-contacts-csv")
    assert saved == f"{name}-contacts.csv" and text.startswith("Prénom;Nom;")
    assert failures == []

    # lighter, in English: an English event's links file, and the page's words
    english = await server.event(PEOPLE[:2], title="Mayors' morning", starts_at=DAY)
    await page.set_viewport_size({"width": 1366, "height": 900})
    await page.goto(f"{server.url}/admin?lang=en#/e/{english.id}")
    await page.wait_for_selector('[data-testid="people"] tbody tr >> nth=1')
    saved, text = await _saved(page, "merge-download")
    assert saved == "mayors-morning-2026-12-05-links.csv"
    assert text.splitlines()[0] == "name,organization,side,email,language,link"
    await page.wait_for_function(
        """() => [...document.querySelectorAll('[data-testid="person-status"]')]
             .every((n) => /link downloaded on .+ at \\d\\d:\\d\\d/.test(n.textContent))"""
    )
    assert await page.locator('[data-testid="report-link"]').count() == 0  # not started
    await choose(page, "Name,Side\nInès Roux,mayor\n")
    await page.wait_for_selector('[data-testid="import-problems"]')
    assert "1 problem" in (await page.inner_text('[data-testid="import-counts"]')).replace(
        "\n", " "
    )
    await context.close()
