"""The follow-ups in the organiser's files: the booked start in the results file, and the
contacts file for a CRM import, in English and as a French office opens it."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import msgspec
import openpyxl

from server.core.model import Entry
from server.results import contacts, dialects, exports
from tests.core.scripted import scripted
from tests.core.test_funnel import C1S1, C1S2, HOUR, NOW, _book, followups_log

PARIS = ZoneInfo("Europe/Paris")
LATER = NOW + 72 * HOUR  # c1~s1's booking in followups_log


def _local(ms: int, tz: object = PARIS) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz).replace(tzinfo=None)  # type: ignore[arg-type]


# --- the results file -------------------------------------------------------------------------


def test_the_results_file_has_the_booked_start_of_a_mutual_pair_only() -> None:
    state, entries, counters = scripted()
    table = exports.rows(state, entries, counters, PARIS, followups_log())
    rows = [dict(zip(exports.HEADER, r, strict=True)) for r in table]
    booked = {(r["a_id"], r["b_id"]): r["follow_up_start"] for r in rows}
    # c1~s1 booked (the second booking: it replaced the first); c1~s2 cancelled; c2~s2 not
    # mutual (its stray proposal shows nowhere); every other meeting, and met_nobody, empty
    assert booked.pop(("c1", "s1")) == _local(LATER)
    assert set(booked.values()) == {None}
    before = exports.rows(state, entries, counters, PARIS)  # no follow-ups yet: all empty
    assert {r[-1] for r in before} == {None}


def test_the_results_files_header_says_the_time_zone_of_the_follow_ups() -> None:
    state, entries, counters = scripted()
    table = exports.rows(state, entries, counters, PARIS, followups_log())
    fr = exports.to_csv(table, dialects.of("fr"), PARIS).decode("utf-8-sig")
    first = next(csv.DictReader(io.StringIO(fr), delimiter=";"))
    assert first["Suite prévue le (Europe/Paris)"] == _local(LATER).strftime("%d/%m/%Y %H:%M:%S")
    en = exports.to_csv(table, dialects.of("en")).decode("utf-8-sig")
    assert en.splitlines()[0].endswith(",follow_up_start (UTC)")
    book = openpyxl.load_workbook(io.BytesIO(exports.to_xlsx(table, "t", dialects.of("fr"), PARIS)))
    head, top = list(book["rencontres"].iter_rows(values_only=True))[:2]
    assert head[-1] == "Suite prévue le (Europe/Paris)" and top[-1] == _local(LATER)


# --- the contacts file ------------------------------------------------------------------------


def _contacts(log: list[Entry], d: dialects.Dialect, tz: object = PARIS) -> list[list]:  # type: ignore[type-arg]
    state, entries, counters = scripted()
    return contacts.rows(state, entries, counters, log, tz, d)  # type: ignore[arg-type]


def test_one_row_per_person_with_a_mutual_follow_up() -> None:
    # mutual: c1~s1 (booked), c1~s2 (cancelled); c2, s3 wished alone: not contacts
    table = _contacts(followups_log(), dialects.of("en"))
    assert [r[:5] for r in table] == [
        ["Claire", "Martin", "c1@example.org", "Org c1", "commune"],
        ["Léa", "Garnier", "s1@example.org", "Org s1", "solution"],
        ["Thomas", "Petit", "s2@example.org", "Org s2", "solution"],
    ]
    assert [r[6] for r in table] == [_local(LATER), _local(LATER), None]


def test_several_follow_ups_of_one_person_share_a_cell_in_time_order() -> None:
    log: list[Entry] = []
    _book(log, C1S2, "s2", NOW + 30 * HOUR, NOW)
    _book(log, C1S1, "c1", NOW + 28 * HOUR, NOW)
    fr, en = dialects.of("fr"), dialects.of("en")
    first, second = _local(NOW + 28 * HOUR), _local(NOW + 30 * HOUR)
    (c1, *_) = _contacts(log, fr)
    assert c1[6] == f"{first:%d/%m/%Y %H:%M:%S}, {second:%d/%m/%Y %H:%M:%S}"
    (c1, *_) = _contacts(log, en)
    assert c1[6] == f"{first:%Y-%m-%d %H:%M:%S}, {second:%Y-%m-%d %H:%M:%S}"


def test_a_french_contacts_file_is_what_a_french_office_opens() -> None:
    state, entries, counters = scripted()
    people = dict(state.participants)
    people["c1"] = msgspec.structs.replace(people["c1"], tags=("énergie", "écoles"))
    people["s1"] = msgspec.structs.replace(people["s1"], organization="=cmd|' /C calc'!A0")
    state = msgspec.structs.replace(state, participants=people)
    fr = dialects.of("fr")
    table = contacts.rows(state, entries, counters, followups_log(), PARIS, fr)
    body = contacts.to_csv(table, fr, PARIS)
    assert body.startswith(b"\xef\xbb\xbf")  # accents read right
    text = body.decode("utf-8-sig")
    assert text.splitlines()[0] == (
        "Prénom;Nom;Adresse e-mail;Organisation;Côté;Thèmes;Suite prévue le (Europe/Paris)"
    )
    rows = list(csv.DictReader(io.StringIO(text), delimiter=";"))
    claire, lea, _ = rows
    assert (claire["Prénom"], claire["Nom"], claire["Thèmes"]) == (
        "Claire", "Martin", "énergie, écoles",
    )  # fmt: skip
    assert claire["Suite prévue le (Europe/Paris)"] == f"{_local(LATER):%d/%m/%Y %H:%M:%S}"
    assert lea["Organisation"] == "'=cmd|' /C calc'!A0"  # never run as a formula
    assert rows[2]["Suite prévue le (Europe/Paris)"] == ""
    name = dialects.event_file_name(fr, state, PARIS, "contacts", "csv")
    assert name.endswith("-contacts.csv")


def test_an_english_contacts_file_has_headers_a_crm_maps() -> None:
    en = dialects.of("en")
    body = contacts.to_csv(_contacts(followups_log(), en, UTC), en, UTC)
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    assert list(rows[0]) == [
        "First Name", "Last Name", "Email", "Organization", "Side", "Tags",
        "Follow-up On (UTC)",
    ]  # fmt: skip
    assert rows[0]["Follow-up On (UTC)"] == f"{_local(LATER, UTC):%Y-%m-%d %H:%M:%S}"


def test_a_contacts_workbook_reads_back_through_openpyxl() -> None:
    for lang, sheet_name, fmt in (("fr", "contacts", "dd/mm/yyyy hh:mm:ss"),
                                  ("en", "contacts", "yyyy-mm-dd hh:mm:ss")):  # fmt: skip
        d = dialects.of(lang)
        body = contacts.to_xlsx(_contacts(followups_log(), d), "Matinale", d, PARIS)
        book = openpyxl.load_workbook(io.BytesIO(body))
        sheet = book[sheet_name]
        values = list(sheet.iter_rows(values_only=True))
        assert values[0] == tuple(contacts.header(d, PARIS))
        assert values[1][:3] == ("Claire", "Martin", "c1@example.org")
        assert values[1][6] == _local(LATER)  # a time, which a CRM takes as a date
        assert sheet.cell(row=2, column=7).number_format == fmt
        assert len(values) == 4 and values[3][6] is None
