"""The results as a spreadsheet opens them: one row per meeting, one per person who met nobody.

A meeting is two people of one room at the round's end; one whose partner never came is a row
too, with ``took_place`` ``no`` (the no-shows the organiser wants to see).

Rows are built with the program's codes (``meeting``, ``yes``); the file is then written for a
language by ``dialects`` (French headers, words, ``;`` and dates for a French event), as CSV
or ``.xlsx``. A person's e-mail and why they want to follow up appear only on a meeting
where both want to: a wish of one person alone shows as no wish. So does the follow-up they
booked since (``followups``): when it starts, in the results' time zone, which its header names.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo

from ..core import followups
from ..core.model import Entry, EventState, Feedback, Participant
from . import dialects, figures
from .dialects import BOM, FORMULA, Dialect, Sheet, cell

__all__ = ["BOM", "FORMULA", "cell"]  # for the callers of earlier versions


@dataclass(frozen=True)
class Column:
    """A column of the results: its machine name (the English header, which programs read),
    its French header, and whether its values are codes written in the file's words."""

    name: str
    fr: str
    coded: bool = False
    zoned: bool = False  # a time: its header says in which time zone


# One line per column, in the file's order (a new column is one more line, and its value in
# ``rows``).
COLUMNS = (
    Column("kind", "Type", coded=True),
    Column("round", "Tour"),
    Column("room", "Salle"),
    Column("reason", "Motif de la rencontre", coded=True),
    Column("start", "Début"),
    Column("end", "Fin"),
    Column("connected_seconds", "Durée connectée (s)"),
    Column("took_place", "A eu lieu", coded=True),
    Column("a_id", "Identifiant A"),
    Column("a_name", "Nom A"),
    Column("a_organization", "Organisme A"),
    Column("a_side", "Collège A"),
    Column("b_id", "Identifiant B"),
    Column("b_name", "Nom B"),
    Column("b_organization", "Organisme B"),
    Column("b_side", "Collège B"),
    Column("a_rating", "Note donnée par A"),
    Column("b_rating", "Note donnée par B"),
    Column("mutual_follow_up", "Suite souhaitée des deux côtés", coded=True),
    Column("a_reasons", "Suites voulues par A", coded=True),
    Column("b_reasons", "Suites voulues par B", coded=True),
    Column("a_email", "E-mail A"),
    Column("b_email", "E-mail B"),
    Column("a_note", "Remarque de A"),
    Column("b_note", "Remarque de B"),
    Column("follow_up_start", "Suite prévue le", zoned=True),
)
HEADER = tuple(c.name for c in COLUMNS)

Value = dialects.Value


def local_time(ms: int | None, tz: tzinfo) -> datetime | None:
    """A time as a spreadsheet shows it: naive, in ``tz`` (``None`` stays ``None``)."""
    return None if ms is None else datetime.fromtimestamp(ms / 1000, tz).replace(tzinfo=None)


def _person(p: Participant) -> list[Value]:
    return [p.id, p.name, p.organization, p.side]


def _rating(f: Feedback | None) -> Value:
    return f.rating if f is not None else None


def _reasons(f: Feedback | None) -> str:
    return " ".join(f.reasons) if f is not None else ""


def booked(of_pair: Mapping[str, followups.FollowUp], a: str, b: str) -> int | None:
    """When the follow-up ``a`` and ``b`` booked starts (``None``: none booked now)."""
    f = of_pair.get(followups.pair_key(a, b))
    return f.start if f is not None and f.status == "booked" else None


def rows(
    state: EventState,
    feedback: Iterable[Entry],
    counters: figures.Counters,
    tz: tzinfo,
    log: Iterable[Entry] = (),
) -> list[list[Value]]:
    """The rows under ``HEADER``: every meeting (in a room of three, one per pair), then every
    person who met nobody. ``log``: the follow-ups log, for the follow-ups booked."""
    out: list[list[Value]] = []
    ms = figures.meetings(state, feedback, counters, missed=True)
    of_pair = followups.fold(log)
    for m in ms:
        a, b = state.participants[m.a], state.participants[m.b]
        mutual = m.mutual
        follow_up = local_time(booked(of_pair, m.a, m.b), tz) if mutual else None
        out.append(
            [
                "meeting", m.round, m.room, m.reason,
                local_time(m.start, tz), local_time(m.end, tz), m.connected_ms // 1000,
                "yes" if m.took_place else "no", *_person(a), *_person(b),
                _rating(m.a_of_b), _rating(m.b_of_a), "yes" if mutual else "no",
                _reasons(m.a_of_b) if mutual else "", _reasons(m.b_of_a) if mutual else "",
                a.email if mutual else "", b.email if mutual else "",
                m.a_of_b.note if m.a_of_b else "", m.b_of_a.note if m.b_of_a else "",
                follow_up,
            ]
        )  # fmt: skip
    for p in figures.met_nobody(state, ms):
        blank: list[Value] = [None] * (len(HEADER) - 12)
        out.append(["met_nobody", None, None, None, None, None, None, None, *_person(p), *blank])
    return out


def zoned(name: str, tz: tzinfo) -> str:
    """A header of times, with their time zone: "follow_up_start (Europe/Paris)"."""
    return f"{name} ({tz})"


def header(d: Dialect, tz: tzinfo = UTC) -> list[str]:
    """The header row in the file's language (English: the machine names; a column of times
    named by the file's time zone ``tz`` says it)."""
    names = [c.fr if d.lang == "fr" else c.name for c in COLUMNS]
    return [zoned(n, tz) if c.zoned else n for n, c in zip(names, COLUMNS, strict=True)]


def worded(d: Dialect, table: Iterable[Sequence[Value]]) -> list[list[Value]]:
    """The rows with their coded values in the file's words (English: as they are)."""
    coded = [c.coded for c in COLUMNS]
    return [
        [
            d.words_of(v) if is_code and isinstance(v, str) else v
            for v, is_code in zip(row, coded, strict=True)
        ]
        for row in table
    ]


def to_csv(
    table: Sequence[Sequence[Value]], d: Dialect = dialects.ENGLISH, tz: tzinfo = UTC
) -> bytes:
    """The results as CSV written for ``d`` (UTF-8 with a byte-order mark); ``tz``: the time
    zone of its times."""
    return dialects.to_csv(d, header(d, tz), worded(d, table))


def to_xlsx(
    table: Sequence[Sequence[Value]],
    title: str,
    d: Dialect = dialects.ENGLISH,
    tz: tzinfo = UTC,
) -> bytes:
    """The results as an Excel workbook of one sheet named in the file's language."""
    sheet = Sheet(d.word("meetings"), header(d, tz), worded(d, table))
    return dialects.to_xlsx(d, [sheet], title)
