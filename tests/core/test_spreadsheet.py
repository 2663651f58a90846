"""Reading spreadsheets of people: separators, encodings, header names, lines and columns."""

from __future__ import annotations

import pytest

from server.people import spreadsheet


@pytest.mark.parametrize(
    ("index", "letter"),
    [(0, "A"), (2, "C"), (25, "Z"), (26, "AA"), (27, "AB"), (701, "ZZ"), (702, "AAA")],
)
def test_column_letters(index: int, letter: str) -> None:
    assert spreadsheet.column_letter(index) == letter


@pytest.mark.parametrize(
    ("text", "sep"),
    [
        ("name,side\n", ","),
        ("nom;collège\n", ";"),
        ("name\tside\n", "\t"),
        ('"Nom, prénom";collège\n', ";"),  # a separator inside quotes does not count
        ("name\n", ","),
        ("\n\nnom;organisme\n", ";"),
    ],
)
def test_the_separator_is_the_header_lines(text: str, sep: str) -> None:
    assert spreadsheet.separator(text) == sep


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("Organisation", "organization"), ("ORGANIZATION", "organization"), ("organisme", "organization"),
        ("Structure", "organization"), ("E-mail", "email"), ("Adresse e-mail", "email"), ("courriel", "email"),
        ("Collège", "side"), ("camp", "side"), ("Nom", "name"), ("Prénom", "first_name"),
        ("nom de famille", "last_name"), ("Langue", "language"), ("Vœux", "wishes"), ("Téléphone", None),
    ],
)  # fmt: skip
def test_header_names(header: str, field: str | None) -> None:
    assert spreadsheet.field_of(header) == field


def test_encodings_bom_and_windows_1252() -> None:
    assert spreadsheet.decode("\ufeffnom\n".encode()) == ("nom\n", "utf-8")
    assert spreadsheet.decode("Hélène\n".encode("cp1252")) == ("Hélène\n", "windows-1252")


def test_lines_count_the_spreadsheets_lines() -> None:
    sheet = spreadsheet.read(b'nom;organisme\n\n"Ana\nLopez";Brest\nBob;"Die"\n')
    assert sheet.problems == []
    assert [(r["name"].value, r["name"].line, r["organization"].column) for r in sheet.rows] == [
        ("Ana\nLopez", 3, "B"),
        ("Bob", 5, "B"),
    ]
