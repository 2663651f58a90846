"""Importing people from a spreadsheet: both separators, a BOM or Windows-1252, French headers,
every problem with its line and column, nothing stored until the file is clean, a re-import
that updates instead of duplicating, and the preview of what would change."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import PEOPLE, Running

CSV = {"Content-Type": "text/csv"}


@pytest.fixture
async def server(start: Callable[..., Any]) -> Running:
    """Most of the import is pure logic: the embedded store is enough (one test runs on Redis)."""
    return await start()  # type: ignore[no-any-return]


async def upload(
    server: Running, event_id: str, text: str | bytes, dry: bool = False
) -> tuple[int, Any]:
    raw = text.encode() if isinstance(text, str) else text
    query = "?dry_run=1" if dry else ""
    return await server.api(
        "POST", f"/api/events/{event_id}/participants{query}", data=raw, headers=CSV
    )


async def people(server: Running, event_id: str) -> list[dict[str, Any]]:
    status, body = await server.api("GET", f"/api/events/{event_id}/participants")
    assert status == 200
    return body  # type: ignore[no-any-return]


FRENCH = (
    "\ufeffNom;Organisme;Collège;Courriel;Langue\n"
    "Claire Martin;Mairie de Lyon;commune;claire@lyon.example;fr\n"
    '"Petit; Thomas";Lumio;solution;thomas@lumio.example;anglais\n'
    "Léa Garnier;Mobilis;solution;LEA@mobilis.example;\n"
)


async def test_a_french_spreadsheet_separated_by_semicolons(server: Running) -> None:
    """Reproduced on main: refused with a message about a missing header."""
    ev = await server.event()
    status, rows = await upload(server, ev.id, FRENCH)
    assert status == 201, rows
    assert [
        (r["name"], r["organization"], r["side"], r["language"], r["status"]) for r in rows
    ] == [
        ("Claire Martin", "Mairie de Lyon", "commune", "fr", "added"),
        ("Petit; Thomas", "Lumio", "solution", "en", "added"),
        ("Léa Garnier", "Mobilis", "solution", "", "added"),
    ]
    assert all(r["join_url"].startswith(f"http://127.0.0.1:8080/e/{ev.id}/p/") for r in rows)


@pytest.mark.parametrize(
    "header",
    [
        "name,organisation,side,email",
        "Name,Organization,Side,E-mail",
        "nom,structure,camp,e-mail",
        "Full name,Company,Group,Email address",
        "NOM,ORGANISME,COLLEGE,COURRIEL",
    ],
)
async def test_header_names_in_english_and_french(server: Running, header: str) -> None:
    """Reproduced on main: an ``organisation`` column was "an unknown field"."""
    ev = await server.event()
    status, rows = await upload(
        server, ev.id, f"{header}\nAna Lopez,Ville de Brest,commune,ana@brest.example\n"
    )
    assert status == 201, rows
    assert (rows[0]["organization"], rows[0]["side"], rows[0]["email"]) == (
        "Ville de Brest", "commune", "ana@brest.example",
    )  # fmt: skip


async def test_first_and_last_names_in_two_columns_and_unknown_columns_ignored(
    server: Running,
) -> None:
    ev = await server.event()
    text = "Prénom;Nom;Commune;Collège;Téléphone\nAna;Lopez;Brest;commune;0601020304\n"
    status, preview = await upload(server, ev.id, text, dry=True)
    assert status == 200, preview
    assert preview["ignored"] == ["Commune", "Téléphone"]
    assert preview["separator"] == ";" and preview["encoding"] == "utf-8"
    assert [c["field"] for c in preview["columns"]] == ["first_name", "name", None, "side", None]
    assert preview["added"][0]["name"] == "Ana Lopez"


async def test_windows_1252_is_read(server: Running) -> None:
    ev = await server.event()
    raw = "nom;organisme;collège\nHélène Dupré;Métropole;commune\n".encode("cp1252")
    status, rows = await upload(server, ev.id, raw)
    assert status == 201, rows
    assert (rows[0]["name"], rows[0]["organization"]) == ("Hélène Dupré", "Métropole")


BAD = (
    "nom;organisme;collège;courriel\n"  # line 1
    "Claire Martin;Mairie de Lyon;commune;claire@lyon.example\n"  # line 2: fine
    "Hugo Bernard;Ville de Nantes;mayor;hugo@nantes.example\n"  # line 3: side
    ";Mobilis;solution;lea@mobilis.example\n"  # line 4: no name
    '"Thomas\nPetit";Lumio;solution;thomas-at-lumio\n'  # lines 5-6: e-mail
    "Inès Roux;Die;commune;CLAIRE@lyon.example\n"  # line 7: the same e-mail as line 2
)


async def test_every_problem_with_its_line_and_column_and_nothing_stored(server: Running) -> None:
    """Reproduced on main: only the first bad row was reported, and "row 3" was line 4."""
    ev = await server.event()
    status, body = await upload(server, ev.id, BAD)
    assert status == 400 and body["error"]["code"] == "bad_row", body
    found = [(p["line"], p.get("column"), p["field"], p["code"]) for p in body["error"]["problems"]]
    assert found == [
        (3, "C", "side", "bad_side"),
        (4, "A", "name", "required"),
        (5, "D", "email", "bad_email"),
        (7, "D", "email", "duplicate_email"),
    ]
    assert body["error"]["problems"][0]["params"] == {
        "value": "mayor",
        "allowed": ["commune", "solution"],
    }
    assert "line 3, column C (side)" in body["error"]["message"]
    assert "4 problems" in body["error"]["message"]
    assert (body["error"]["line"], body["error"]["column"], body["error"]["row"]) == (3, "C", 2)
    assert await people(server, ev.id) == []
    # the preview lists the same problems, and what would be added were they fixed
    status, preview = await upload(server, ev.id, BAD, dry=True)
    assert status == 200
    assert [p["line"] for p in preview["problems"]] == [3, 4, 5, 7]
    assert [r["name"] for r in preview["added"]] == ["Claire Martin"]
    assert preview["counts"] == {"added": 1, "updated": 0, "unchanged": 0, "problems": 4}


@pytest.mark.parametrize(
    ("text", "code", "line", "column"),
    [
        ("", "empty", 1, None),
        ("name,side\n", "empty", 2, None),
        ("who,side\nAna,commune\n", "no_name_column", 1, None),
        ("name,nom,side\nAna,Ana,commune\n", "duplicate_column", 1, "B"),
        ("name,side\nAna,commune,extra\n", "extra_cells", 2, "C"),
    ],
)
async def test_a_file_that_is_not_a_list_of_people(
    server: Running, text: str, code: str, line: int, column: str | None
) -> None:
    ev = await server.event()
    status, body = await upload(server, ev.id, text)
    assert status == 400, body
    (problem,) = body["error"]["problems"]
    assert (problem["code"], problem["line"], problem.get("column")) == (code, line, column)


async def test_the_same_file_twice_registers_nobody_twice(server: Running) -> None:
    """Reproduced on main: everyone was registered twice."""
    ev = await server.event()
    status, first = await upload(server, ev.id, FRENCH)
    assert status == 201
    status, again = await upload(server, ev.id, FRENCH)
    assert status == 201, again
    assert [r["status"] for r in again] == ["unchanged"] * 3
    assert [r["id"] for r in again] == [r["id"] for r in first]
    assert not any("join_url" in r for r in again)  # their links are unchanged
    assert len(await people(server, ev.id)) == 3


async def test_a_corrected_file_updates_people_matched_by_email(start: Callable[..., Any]) -> None:
    server = await start(redis=True)
    ev = await server.event()
    assert (await upload(server, ev.id, FRENCH))[0] == 201
    fixed = (
        "Nom;Organisme;Collège;Courriel\n"
        "Claire Martin;Métropole de Lyon;commune;CLAIRE@LYON.EXAMPLE\n"  # organisation fixed
        '"Petit; Thomas";Lumio;solution;thomas@lumio.example\n'  # as before
        "Léa Garnier;;solution;lea@mobilis.example\n"  # organisation cleared
        "Marc Blanc;Solaris;solution;marc@solaris.example\n"  # new
    )
    status, preview = await upload(server, ev.id, fixed, dry=True)
    assert status == 200, preview
    assert preview["counts"] == {"added": 1, "updated": 2, "unchanged": 1, "problems": 0}
    assert [(u["line"], u["changes"]) for u in preview["updated"]] == [
        (2, {"organization": ["Mairie de Lyon", "Métropole de Lyon"]}),
        (4, {"organization": ["Mobilis", ""]}),
    ]
    assert len(await people(server, ev.id)) == 3  # the preview stored nothing
    status, rows = await upload(server, ev.id, fixed)
    assert status == 201
    assert [r["status"] for r in rows] == ["updated", "unchanged", "updated", "added"]
    listed = {p["name"]: p for p in await people(server, ev.id)}
    assert len(listed) == 4
    assert listed["Claire Martin"]["organization"] == "Métropole de Lyon"
    assert listed["Claire Martin"]["language"] == "fr"  # no language column: left as it was
    assert listed["Léa Garnier"]["organization"] == ""


async def test_people_without_email_are_matched_by_name(server: Running) -> None:
    ev = await server.event()
    text = "name,side\nAna,commune\nBob,solution\n"
    assert (await upload(server, ev.id, text))[0] == 201
    status, rows = await upload(
        server, ev.id, "name,side\nAna,commune\nBob,solution\nCleo,commune\n"
    )
    assert status == 201
    assert [r["status"] for r in rows] == ["unchanged", "unchanged", "added"]


async def test_a_json_list_reports_every_problem_too(server: Running) -> None:
    ev = await server.event()
    batch = [
        {"name": "Ana", "organisation": "Brest", "side": "commune"},
        {"name": "Bob", "side": "mayor"},
        {"side": "solution"},
        {"name": "Cleo", "side": "commune", "age": 40},
    ]
    status, body = await server.api("POST", f"/api/events/{ev.id}/participants", json=batch)
    assert status == 400
    assert [(p["row"], p["field"], p["code"]) for p in body["error"]["problems"]] == [
        (2, "side", "bad_side"),
        (3, "name", "required"),
        (4, "age", "unknown_field"),
    ]
    assert await people(server, ev.id) == []


async def test_edit_and_remove_a_person(server: Running) -> None:
    ev = await server.event()
    status, rows = await upload(server, ev.id, FRENCH)
    pid = rows[0]["id"]
    status, body = await server.api(
        "PATCH", f"/api/events/{ev.id}/participants/{pid}", json={"organisation": "Métropole"}
    )
    assert status == 200 and body["organization"] == "Métropole"
    status, body = await server.api(
        "PATCH", f"/api/events/{ev.id}/participants/{pid}", json={"email": "thomas@lumio.example"}
    )
    assert status == 400 and body["error"]["problems"][0]["code"] == "email_taken"
    status, _ = await server.api("DELETE", f"/api/events/{ev.id}/participants/{pid}")
    assert status == 204
    assert [p["name"] for p in await people(server, ev.id)] == ["Petit; Thomas", "Léa Garnier"]
    # the removed person's link opens nothing; a new person never gets their id again
    async with server.http.get(server.url + "/" + rows[0]["join_url"].split("/", 3)[3]) as r:
        assert r.status == 404
    status, more = await server.api(
        "POST", f"/api/events/{ev.id}/participants", json=[{"name": "Zoé", "side": "commune"}]
    )
    assert status == 201 and more[0]["id"] == "p4"


async def test_nobody_is_removed_once_the_event_has_started(server: Running) -> None:
    ev = await server.event()
    _, rows = await upload(server, ev.id, FRENCH)
    host = await server.connect("/host", ev.host_token)
    assert (await host.call("start"))["ok"]
    status, body = await server.api("DELETE", f"/api/events/{ev.id}/participants/{rows[0]['id']}")
    assert status == 409 and body["error"]["code"] == "started"
    status, body = await server.api(
        "PATCH", f"/api/events/{ev.id}/participants/{rows[0]['id']}", json={"side": "solution"}
    )
    assert status == 400 and body["error"]["problems"][0]["code"] == "side_locked"


async def test_a_person_with_no_side_is_refused_in_a_two_sided_event(server: Running) -> None:
    """On main a JSON row without a side was registered in a two-sided event (side ""), and
    that person could never be paired; a file without the column the same. An open event has
    no sides: nobody needs one."""
    ev = await server.event()
    status, body = await server.api(
        "POST", f"/api/events/{ev.id}/participants", json=[{"name": "Nobody's side"}]
    )
    assert status == 400 and body["error"]["field"] == "side", body
    assert body["error"]["problems"][0]["code"] == "bad_side"
    status, body = await server.api(
        "POST",
        f"/api/events/{ev.id}/participants",
        data="name;organisation\nSans Collège;Mairie\n".encode(),
        headers={"Content-Type": "text/csv"},
    )
    assert status == 400 and body["error"]["field"] == "side", body
    _, people = await server.api("GET", f"/api/events/{ev.id}/participants")
    assert people == []
    opened = await server.event(matching={"mode": "open"})
    status, rows = await server.api(
        "POST", f"/api/events/{opened.id}/participants", json=[{"name": "Anyone"}]
    )
    assert status == 201 and rows[0]["side"] == "", rows


async def test_an_id_is_never_given_twice_in_an_event(server: Running) -> None:
    """Remove the last person registered, then register someone: on main the newcomer got the
    removed person's id (their audit and mail log entries were then read as the newcomer's)."""
    ev = await server.event(PEOPLE[:3])
    status, _ = await server.api("DELETE", f"/api/events/{ev.id}/participants/p3")
    assert status == 204
    status, rows = await server.api(
        "POST", f"/api/events/{ev.id}/participants", json=[{**PEOPLE[3]}]
    )
    assert status == 201 and [r["id"] for r in rows] == ["p4"], rows
