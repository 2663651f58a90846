"""The contacts of the event's mutual follow-ups, as a CRM imports them: one row per person.

A CRM takes a file of contacts one row per contact and matches rows to its records by e-mail
address: two rows of one person would make two records, or the second overwrite the first. So
each person with at least one mutual follow-up (both wanted to: nobody else's address is
here) is one row, with when the follow-ups booked with them start: one alone as a time (which
a spreadsheet and a CRM take as a date), several in one cell, in time order. Names are split
into given and family names (``vcard.name_parts``), as a CRM keeps them.

Written for a language by ``dialects`` as ``meetings.csv`` is (French headers, ``;``, dates
``JJ/MM/AAAA``, a byte-order mark), with English headers a CRM maps by itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, tzinfo

from ..core import followups
from ..core.model import Entry, EventState, person_order
from . import dialects, exports, figures, vcard
from .dialects import Dialect, Sheet, Value

# (English, French) headers, in the file's order.
COLUMNS = (
    ("First Name", "Prénom"),
    ("Last Name", "Nom"),
    ("Email", "Adresse e-mail"),
    ("Organization", "Organisation"),
    ("Side", "Côté"),
    ("Tags", "Thèmes"),
    ("Follow-up On", "Suite prévue le"),  # with the time zone of its times
)
JOINER = ", "  # between the tags, or the times, of one cell


def header(d: Dialect, tz: tzinfo = UTC) -> list[str]:
    """The header row in the file's language; the follow-ups' column names its time zone."""
    names = [fr if d.lang == "fr" else en for en, fr in COLUMNS]
    return [*names[:-1], exports.zoned(names[-1], tz)]


def rows(
    state: EventState,
    feedback: Iterable[Entry],
    counters: figures.Counters,
    log: Iterable[Entry],
    tz: tzinfo,
    d: Dialect,
) -> list[list[Value]]:
    """One row under ``header`` per person with a mutual follow-up, in registration order
    (``log``: the follow-ups log; ``d``: how several times in one cell are written)."""
    of_pair = followups.fold(log)
    starts: dict[str, set[int]] = {}
    for m in figures.meetings(state, feedback, counters):
        if not m.mutual:
            continue
        start = exports.booked(of_pair, m.a, m.b)
        for who in (m.a, m.b):
            starts.setdefault(who, set()).update(() if start is None else (start,))
    out: list[list[Value]] = []
    for pid in sorted(starts, key=person_order):
        p = state.participants[pid]
        family, given = vcard.name_parts(p.name)
        times = [exports.local_time(ms, tz) for ms in sorted(starts[pid])]
        cell: Value = times[0] if len(times) == 1 else None
        if len(times) > 1:
            cell = JOINER.join(dialects.text(d, t) for t in times)
        tags = JOINER.join(p.tags)
        out.append([given, family, p.email, p.organization, p.side, tags, cell])
    return out


def to_csv(table: Sequence[Sequence[Value]], d: Dialect, tz: tzinfo = UTC) -> bytes:
    """The contacts as CSV written for ``d`` (UTF-8 with a byte-order mark)."""
    return dialects.to_csv(d, header(d, tz), table)


def to_xlsx(table: Sequence[Sequence[Value]], title: str, d: Dialect, tz: tzinfo = UTC) -> bytes:
    """The contacts as an Excel workbook of one sheet named in the file's language."""
    return dialects.to_xlsx(d, [Sheet(d.word("contacts"), header(d, tz), table)], title)
