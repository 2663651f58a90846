"""Reading a spreadsheet of people: CSV separated by ``,``, ``;`` or tabs, UTF-8 (with or without
a BOM) or Windows-1252, headers in English or French; every cell keeps its spreadsheet line and
column so that a problem can be shown where the organiser will look for it.

Columns are a table (``COLUMNS``): a field and the header names it answers to. A new profile
field is one more entry; a header nobody knows is listed as ignored, never an error.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import re
import unicodedata
from dataclasses import dataclass

# field -> header names (compared without case, accents, spaces or punctuation)
COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("name", "full name", "nom", "nom complet", "prénom nom", "participant", "contact"),
    "first_name": ("first name", "firstname", "given name", "prénom", "prenom"),
    "last_name": ("last name", "lastname", "surname", "family name", "nom de famille"),
    "organization": (
        "organization", "organisation", "organisme", "structure", "company", "entreprise",
        "société", "collectivité", "employer", "org",
    ),
    "side": ("side", "camp", "collège", "college", "group", "groupe", "category", "catégorie"),
    "email": (
        "email", "e-mail", "mail", "courriel", "email address", "adresse e-mail",
        "adresse mail", "adresse électronique", "mél",
    ),
    "language": ("language", "langue", "lang"),
    "wishes": ("wishes", "souhaits", "vœux", "voeux", "wants to meet", "souhaite rencontrer"),
    # the profile (people/profiles.py)
    "pitch": (
        "pitch", "présentation", "presentation", "description", "résumé", "about", "bio",
        "pitch court", "short pitch", "en bref",
    ),
    "tags": (
        "tags", "tag", "mots-clés", "mots clés", "mot-clé", "keywords", "besoins", "besoin",
        "needs", "domaines", "domaine", "domain", "domains", "thèmes", "themes", "thématiques",
    ),
    "label": ("label", "labels", "label partenaire", "partner label", "distinction"),
    "website": ("website", "web site", "site web", "site", "site internet", "url", "web"),
}  # fmt: skip
SEPARATORS = (",", ";", "\t")
MAX_CELL = 2000


def _key(header: str) -> str:
    """A header as compared: no accents, no case, letters and digits only."""
    flat = unicodedata.normalize("NFKD", header.replace("œ", "oe").replace("Œ", "oe"))
    flat = "".join(c for c in flat if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]", "", flat.lower())


_ALIASES = {_key(alias): name for name, aliases in COLUMNS.items() for alias in aliases}


def field_of(header: str) -> str | None:
    """The field a header (or a JSON key) names, in any of its spellings."""
    return _ALIASES.get(_key(header))


def column_letter(index: int) -> str:
    """The spreadsheet's name of the ``index``-th column (from 0): A, B, … Z, AA, AB, …"""
    out = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        out = chr(ord("A") + rest) + out
    return out


@dataclass(frozen=True)
class Cell:
    """One value, where it was: the spreadsheet line (from 1) and column (``C``)."""

    value: str
    line: int
    column: str


@dataclass(frozen=True)
class Problem:
    """What is wrong and where: ``code`` and ``params`` for the page to say it in its language;
    ``message`` says it in English (for programs and logs)."""

    code: str
    message: str
    line: int | None = None  # the spreadsheet line (CSV); None for a JSON list
    row: int | None = None  # the entry's number among the people given (from 1)
    column: str | None = None  # the spreadsheet column (CSV)
    field: str | None = None
    params: dict[str, object] = dataclasses.field(default_factory=dict)

    def where(self) -> str:
        """``line 4, column C (side)`` or ``row 3, field 'side'``."""
        if self.line is not None:
            place = f"line {self.line}"
            if self.column:
                place += f", column {self.column}" + (f" ({self.field})" if self.field else "")
            return place
        place = f"row {self.row}" if self.row is not None else "the list"
        return place + (f", field {self.field!r}" if self.field else "")

    def to_wire(self) -> dict[str, object]:
        """The problem as the API gives it."""
        out: dict[str, object] = {"code": self.code, "message": f"{self.where()}: {self.message}"}
        for key in ("line", "row", "column", "field"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        if self.params:
            out["params"] = self.params
        return out


@dataclass
class Sheet:
    """A spreadsheet read: its columns, its rows (each a field -> cell map), its problems."""

    columns: list[dict[str, str | None]] = dataclasses.field(
        default_factory=list
    )  # column, header, field
    rows: list[dict[str, Cell]] = dataclasses.field(default_factory=list)
    problems: list[Problem] = dataclasses.field(default_factory=list)
    ignored: list[str] = dataclasses.field(default_factory=list)
    encoding: str = "utf-8"
    separator: str = ","


def decode(raw: bytes) -> tuple[str, str]:
    """The text and the encoding it was in: UTF-8 (a BOM is dropped), else Windows-1252 (what
    spreadsheet software on Windows often writes)."""
    try:
        return raw.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace"), "windows-1252"


def separator(text: str) -> str:
    """The separator of the header line: the one of ``,`` ``;`` or tab it holds most of,
    outside quotes."""
    header = next((line for line in text.splitlines() if line.strip()), "")
    unquoted = re.sub(r'"[^"]*"', "", header)
    counts = {sep: unquoted.count(sep) for sep in SEPARATORS}
    best = max(SEPARATORS, key=lambda s: counts[s])
    return best if counts[best] else ","


def read(raw: bytes) -> Sheet:
    """Read a CSV file of people; nothing here looks at the event (see ``register.plan``)."""
    text, encoding = decode(raw)
    sep = separator(text)
    sheet = Sheet(encoding=encoding, separator=sep)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
    header: list[str] | None = None
    line = 0
    fields: list[str | None] = []
    try:
        for cells in reader:
            first, line = line + 1, reader.line_num
            if not any(c.strip() for c in cells):
                continue  # a blank line (spreadsheets often leave some at the end)
            if header is None:
                header = cells
                fields = _header(sheet, header, first)
                continue
            _row(sheet, cells, fields, first)
    except csv.Error as exc:
        sheet.problems.append(
            Problem("unreadable", f"the file cannot be read as CSV ({exc}).", line=line + 1)
        )
    if header is None:
        sheet.problems.append(Problem("empty", "the file is empty: nobody to register.", line=1))
    elif not sheet.problems and not sheet.rows:
        sheet.problems.append(
            Problem("empty", "the file has a header row but nobody under it.", line=2)
        )
    return sheet


def _header(sheet: Sheet, header: list[str], line: int) -> list[str | None]:
    fields: list[str | None] = []
    seen: dict[str, str] = {}
    for i, title in enumerate(header):
        name = _ALIASES.get(_key(title))
        letter = column_letter(i)
        if name is not None and name in seen:
            sheet.problems.append(
                Problem(
                    "duplicate_column",
                    f"columns {seen[name]} and {letter} both hold {name!r}: keep one.",
                    line=line,
                    column=letter,
                    field=name,
                    params={"other": seen[name], "header": title.strip()},
                )
            )
            name = None
        elif name is not None:
            seen[name] = letter
        elif title.strip():
            sheet.ignored.append(title.strip())
        fields.append(name)
        sheet.columns.append({"column": letter, "header": title.strip(), "field": name})
    if "name" not in seen and not {"first_name", "last_name"} & set(seen):
        sheet.problems.append(
            Problem(
                "no_name_column",
                "the header row (line 1) needs a column of names: 'name' or 'nom' (or "
                "'first name' and 'last name', 'prénom' and 'nom').",
                line=line,
                params={"headers": [h.strip() for h in header]},
            )
        )
    return fields


def _row(sheet: Sheet, cells: list[str], fields: list[str | None], line: int) -> None:
    row: dict[str, Cell] = {}
    number = len(sheet.rows) + 1
    for i, value in enumerate(cells):
        letter = column_letter(i)
        if i >= len(fields):
            if value.strip():
                sheet.problems.append(
                    Problem(
                        "extra_cells",
                        f"more cells than the header has columns (column {letter} has no "
                        "header): add a header or remove the cell.",
                        line=line,
                        row=number,
                        column=letter,
                        params={"value": value.strip()[:100]},
                    )
                )
            continue
        name = fields[i]
        if name is None:
            continue
        if len(value) > MAX_CELL:
            sheet.problems.append(
                Problem(
                    "too_long",
                    f"at most {MAX_CELL} characters in a cell.",
                    line=line,
                    row=number,
                    column=letter,
                    field=name,
                    params={"limit": MAX_CELL},
                )
            )
            continue
        row[name] = Cell(value.strip(), line, letter)
    first, last = row.pop("first_name", None), row.pop("last_name", None)
    if "name" in row and (first or last):
        given = row["name"]
        if first and not last:  # 'nom' beside 'prénom' is the family name
            row["name"] = Cell(f"{first.value} {given.value}".strip(), line, given.column)
    elif first or last:
        anchor = first or last
        assert anchor is not None
        full = " ".join(c.value for c in (first, last) if c and c.value)
        row["name"] = Cell(full, line, anchor.column)
    sheet.rows.append(row)
