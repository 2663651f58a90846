"""How a file is written for a language, as its offices read it: the one home of the separator,
the words of coded values, numbers, dates, sheet names and file names of every download.

English files keep the program's own words (the machine names other programs read: ``,``,
``yes``/``no``, ``meeting``, ISO dates); French files are what a French office opens without a
wizard: ``;`` between cells, French headers and words, a decimal comma, dates ``JJ/MM/AAAA``.
Both are UTF-8 with a byte-order mark (spreadsheet software reads accents only with it).
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from urllib.parse import quote

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.utils import get_column_letter

from ..core import texts
from ..core.model import EventState
from ..errors import ProtocolError

BOM = "\ufeff"
FORMULA = ("=", "+", "-", "@", "\t", "\r")
SEPARATORS = {"semicolon": ";", ";": ";", "comma": ",", ",": ","}

Value = str | int | float | datetime | None

# A coded value (a kind, yes/no, a reason...) in French words; a code absent here is kept.
_FRENCH: dict[str, str] = {
    "yes": "oui", "no": "non",
    "meeting": "rencontre", "met_nobody": "aucune rencontre",
    # why a room was made (core.model.RoomReason)
    "mutual_wish": "souhait mutuel", "wish": "souhait", "fill": "mise en relation",
    "moved": "déplacement par l’animation", "repaired": "nouvelle mise en relation",
    # why someone wants to follow up (core.model.FollowUpReason)
    "conversation": "poursuivre la discussion", "documentation": "documentation",
    "demonstration": "démonstration", "experiment": "expérimentation", "purchase": "achat",
    # languages
    "en": "anglais", "fr": "français",
    # what a file holds: its name and its sheet's
    "meetings": "rencontres", "links": "liens", "contacts": "contacts", "report": "rapport",
    "event": "evenement",
}  # fmt: skip


@dataclass(frozen=True)
class Dialect:
    """The conventions of one language's files."""

    lang: str
    separator: str  # between CSV cells
    decimal: str  # the decimal mark of a number written as text
    list_joiner: str  # between the codes of a list in one cell
    date_format: str  # a time written as text (strftime)
    excel_date_format: str  # a time in a workbook (number format)
    words: Mapping[str, str] = field(default_factory=dict)

    def word(self, code: str) -> str:
        """A coded value in this language's words."""
        return self.words.get(code, code)

    def words_of(self, codes: str) -> str:
        """A cell of space-separated codes ("demonstration purchase") in this language."""
        return self.list_joiner.join(self.word(c) for c in codes.split())


ENGLISH = Dialect("en", ",", ".", " ", "%Y-%m-%d %H:%M:%S", "yyyy-mm-dd hh:mm:ss")
FRENCH = Dialect("fr", ";", ",", ", ", "%d/%m/%Y %H:%M:%S", "dd/mm/yyyy hh:mm:ss", _FRENCH)
DIALECTS = {d.lang: d for d in (ENGLISH, FRENCH)}


def of(lang: str) -> Dialect:
    """The dialect of a language (English for one with no files of its own)."""
    return DIALECTS.get(lang, ENGLISH)


def chosen(query: Mapping[str, str], event_lang: str) -> Dialect:
    """The dialect of a download: ``?lang=`` if given, else the event's; ``?sep=`` (``comma``
    or ``semicolon``) sets the separator alone. An unknown value is a 400 saying what to write."""
    lang = query.get("lang")
    if lang is not None and lang not in DIALECTS:
        raise ProtocolError(
            "bad_request",
            f"Unknown lang {lang!r}: write lang=en or lang=fr, or leave it out for the "
            "event's language.",
            field="lang",
        )
    dialect = of(event_lang if lang is None else lang)
    sep = query.get("sep")
    if sep is None:
        return dialect
    if sep not in SEPARATORS:
        raise ProtocolError(
            "bad_request",
            f"Unknown sep {sep!r}: write sep=comma or sep=semicolon, or leave it out for the "
            "language's separator.",
            field="sep",
        )
    return _with_separator(dialect, SEPARATORS[sep])


def _with_separator(d: Dialect, separator: str) -> Dialect:
    return Dialect(
        d.lang, separator, d.decimal, d.list_joiner, d.date_format, d.excel_date_format, d.words
    )


def cell(value: object) -> object:
    """A cell a spreadsheet shows as text: one starting like a formula gets a ``'``."""
    if isinstance(value, str) and value.startswith(FORMULA):
        return "'" + value
    return value


def text(d: Dialect, value: Value) -> str:
    """A value as a CSV cell of this dialect: times and decimals the way it reads them."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime(d.date_format)
    if isinstance(value, float):
        return f"{value:.6f}".rstrip("0").rstrip(".").replace(".", d.decimal)
    return str(value)


def to_csv(d: Dialect, header: Sequence[str], rows: Iterable[Sequence[Value]]) -> bytes:
    """CSV in UTF-8 with a byte-order mark, cells that would run as a formula neutralised."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=d.separator)
    writer.writerow(header)
    for row in rows:
        writer.writerow(cell(text(d, v)) for v in row)
    return (BOM + out.getvalue()).encode("utf-8")


@dataclass(frozen=True)
class Sheet:
    """One sheet of a workbook: its name (in the file's language), header and rows."""

    name: str
    header: Sequence[str]
    rows: Sequence[Sequence[Value]]


def to_xlsx(d: Dialect, sheets: Sequence[Sheet], title: str) -> bytes:
    """An Excel workbook: text as text (never a formula, whatever it starts with), numbers as
    numbers, times as times shown the dialect's way; no control character anywhere (a record
    kept before they were cleaned on input may hold some, and one makes a file nothing opens)."""
    book = Workbook(write_only=True)
    for s in sheets:
        clean = [[texts.lines(v) if isinstance(v, str) else v for v in row] for row in s.rows]
        header = [texts.line(h) for h in s.header]
        sheet = book.create_sheet(title=texts.line(s.name)[:31])  # Excel's longest sheet name
        for i, name in enumerate(header):
            longest = max([len(name), *(len(text(d, row[i])) for row in clean)])
            sheet.column_dimensions[get_column_letter(i + 1)].width = min(longest, 40) + 2
        sheet.append(header)
        for row in clean:
            sheet.append([_xlsx_cell(sheet, d, v) for v in row])
    book.properties.title = texts.line(title)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _xlsx_cell(sheet: object, d: Dialect, value: Value) -> object:
    if isinstance(value, str) and value.startswith("="):
        c = WriteOnlyCell(sheet, value=value)  # type: ignore[arg-type]
        c.data_type = "s"  # openpyxl would take "=..." for a formula
        return c
    if isinstance(value, datetime):
        c = WriteOnlyCell(sheet, value=value)  # type: ignore[arg-type]
        c.number_format = d.excel_date_format
        return c
    return value


def slug(title: str, fallback: str = "event") -> str:
    """A title as a file name's part: accents folded, lower case, words joined by ``-``, at most
    60 characters (cut between words)."""
    flat = title.replace("œ", "oe").replace("Œ", "Oe").replace("æ", "ae").replace("Æ", "Ae")
    flat = unicodedata.normalize("NFKD", flat.replace("ß", "ss"))
    flat = "".join(c for c in flat if not unicodedata.combining(c)).lower()
    words = re.findall(r"[a-z0-9]+", flat)
    out = ""
    for w in words:
        longer = f"{out}-{w}" if out else w
        if len(longer) > 60:
            break
        out = longer
    return out or (words[0][:60] if words else fallback)


def file_name(d: Dialect, title: str, day: date | None, what: str, ext: str) -> str:
    """The one name scheme of every download: the event's title, its date and what the file
    holds, in the file's language (``matinale-amif-2026-12-05-rencontres.csv``)."""
    parts = [slug(title, d.word("event"))]
    if day is not None:
        parts.append(day.isoformat())
    parts.append(d.word(what))
    return f"{'-'.join(parts)}.{ext}"


def event_day(state: EventState, tz: tzinfo) -> date:
    """The event's date: its announced start, else its first round's, else when it was made."""
    first = state.history[0].started_at if state.history else None
    ms = state.settings.starts_at or first or state.created_at
    return datetime.fromtimestamp(ms / 1000, tz).date()


def event_file_name(d: Dialect, state: EventState, tz: tzinfo, what: str, ext: str) -> str:
    """``file_name`` of one of the event's files."""
    return file_name(d, state.settings.title, event_day(state, tz), what, ext)


def disposition(name: str) -> str:
    """A ``Content-Disposition`` that saves the file as ``name``: ``filename`` (ASCII, for old
    clients) and, when the name is not ASCII, ``filename*`` (RFC 6266, UTF-8)."""
    ascii_name = name.encode("ascii", "ignore").decode().replace('"', "").replace("\\", "")
    header = f'attachment; filename="{ascii_name or "download"}"'
    if ascii_name != name:
        header += f"; filename*=UTF-8''{quote(name, safe='')}"
    return header
