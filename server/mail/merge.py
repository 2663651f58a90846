"""The file of new personal links for a mail merge (when the server sends no e-mail): its
columns, its rows, and the change that makes the links and records, for each person, that their
link was handed out in a downloaded file."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ..core.model import EventState, MailStatus
from ..core.outcome import Outcome
from ..people import links
from ..results.dialects import Dialect, Value


@dataclass(frozen=True)
class Column:
    """A column of the links file: its English header (what programs read) and French one,
    and whether its values are codes written in the file's words."""

    name: str
    fr: str
    coded: bool = False


# One line per column, in the file's order.
COLUMNS = (
    Column("name", "Nom"),
    Column("organization", "Organisme"),
    Column("side", "Collège"),
    Column("email", "E-mail"),
    Column("language", "Langue", coded=True),
    Column("link", "Lien"),
)


def header(d: Dialect) -> list[str]:
    """The header row in the file's language (English: the machine names)."""
    return [c.fr if d.lang == "fr" else c.name for c in COLUMNS]


def rows(state: EventState, urls: Mapping[str, str], d: Dialect) -> list[list[Value]]:
    """One row per person of ``urls`` (``{id: their new link}``), in the file's words."""
    out: list[list[Value]] = []
    for pid, url in urls.items():
        p = state.participants[pid]
        language = p.language or state.settings.language
        values = (p.name, p.organization, p.side, p.email, language, url)
        out.append([d.word(v) if c.coded else v for c, v in zip(COLUMNS, values, strict=True)])
    return out


def hand_out(state: EventState, tokens: Mapping[str, str], now: int, batch: str) -> Outcome:
    """New links for ``tokens``' people (``{id: new token}``; the old ones stop working: the
    organiser asked for a file of new links), each recorded as handed out in a downloaded file
    (``MailStatus`` of kind ``links``, status ``downloaded``); later e-mails carry the same."""
    outcome = links.reissue(state, tokens, now, "admin", "links_csv")
    handed = [
        MailStatus(participant=pid, kind="links", status="downloaded", at=now, batch=batch)
        for pid in tokens
    ]
    return Outcome(outcome.state, outcome.messages, outcome.result, [*outcome.entries, *handed])
