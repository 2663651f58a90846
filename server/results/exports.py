"""The results as a spreadsheet opens them: one row per meeting, one per person who met nobody.

A meeting is two people of one room at the round's end; one whose partner never came is a row
too, with ``took_place`` ``no`` (the no-shows the organiser wants to see).

CSV in UTF-8 with a byte-order mark (so that a French spreadsheet reads "Léa", not "LÃ©a"),
cells that would run as a formula neutralised; and ``.xlsx`` (openpyxl), where every text is
written as text. A person's e-mail and why they want to follow up appear only on a meeting
where both want to: a wish of one person alone shows as no wish.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import datetime, tzinfo

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils import get_column_letter

from ..core.model import Entry, EventState, Feedback, Participant
from . import figures

BOM = "\ufeff"
FORMULA = ("=", "+", "-", "@", "\t", "\r")
HEADER = (
    "kind", "round", "room", "reason", "start", "end", "connected_seconds", "took_place",
    "a_id", "a_name", "a_organization", "a_side",
    "b_id", "b_name", "b_organization", "b_side",
    "a_rating", "b_rating", "mutual_follow_up", "a_reasons", "b_reasons",
    "a_email", "b_email", "a_note", "b_note",
)  # fmt: skip

Value = str | int | datetime | None


def cell(value: object) -> object:
    """A CSV cell a spreadsheet shows as text: one starting like a formula gets a ``'``."""
    if isinstance(value, str) and value.startswith(FORMULA):
        return "'" + value
    return value


def _when(ms: int | None, tz: tzinfo) -> datetime | None:
    # naive local time: what a spreadsheet shows (xlsx holds no time zone)
    return None if ms is None else datetime.fromtimestamp(ms / 1000, tz).replace(tzinfo=None)


def _person(p: Participant) -> list[Value]:
    return [p.id, p.name, p.organization, p.side]


def _rating(f: Feedback | None) -> Value:
    return f.rating if f is not None else None


def _reasons(f: Feedback | None) -> str:
    return " ".join(f.reasons) if f is not None else ""


def rows(
    state: EventState, feedback: Iterable[Entry], counters: figures.Counters, tz: tzinfo
) -> list[list[Value]]:
    """The rows under ``HEADER``: every meeting (in a room of three, one per pair), then every
    person who met nobody."""
    out: list[list[Value]] = []
    ms = figures.meetings(state, feedback, counters, missed=True)
    for m in ms:
        a, b = state.participants[m.a], state.participants[m.b]
        mutual = m.mutual
        out.append(
            [
                "meeting", m.round, m.room, m.reason, _when(m.start, tz), _when(m.end, tz),
                m.connected_ms // 1000, "yes" if m.took_place else "no", *_person(a), *_person(b),
                _rating(m.a_of_b), _rating(m.b_of_a), "yes" if mutual else "no",
                _reasons(m.a_of_b) if mutual else "", _reasons(m.b_of_a) if mutual else "",
                a.email if mutual else "", b.email if mutual else "",
                m.a_of_b.note if m.a_of_b else "", m.b_of_a.note if m.b_of_a else "",
            ]
        )  # fmt: skip
    for p in figures.met_nobody(state, ms):
        blank: list[Value] = [None] * (len(HEADER) - 12)
        out.append(["met_nobody", None, None, None, None, None, None, None, *_person(p), *blank])
    return out


def _text(value: Value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return str(value)


def to_csv(table: Sequence[Sequence[Value]], delimiter: str = ",") -> bytes:
    """CSV in UTF-8 with a byte-order mark; ``delimiter`` ``;`` for spreadsheets set up in
    French."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(HEADER)
    for row in table:
        writer.writerow(cell(_text(v)) for v in row)
    return (BOM + out.getvalue()).encode("utf-8")


def to_xlsx(table: Sequence[Sequence[Value]], title: str) -> bytes:
    """An Excel workbook of one sheet: text as text (never a formula, whatever it starts
    with), numbers as numbers, times as times."""
    header: list[Value] = list(HEADER)
    clean: list[list[Value]] = [
        [ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in row]
        for row in table
    ]
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title="meetings")
    for i, name in enumerate(HEADER):
        longest = max([len(name), *(len(_text(row[i])) for row in clean)])
        sheet.column_dimensions[get_column_letter(i + 1)].width = min(longest, 40) + 2
    for row in [header, *clean]:
        cells: list[object] = []
        for value in row:
            if isinstance(value, str) and value.startswith("="):
                c = WriteOnlyCell(sheet, value=value)
                c.data_type = "s"  # openpyxl would take "=..." for a formula
                cells.append(c)
            else:
                cells.append(value)
        sheet.append(cells)
    book.properties.title = title
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
