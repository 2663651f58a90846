"""Registering people and their wishes: checks that name the row and field of a bad entry."""

from __future__ import annotations

from collections.abc import Sequence
from typing import get_args

from . import engine, links
from .errors import ProtocolError, UserError
from .model import EventState, Participant, Wish, WishLevel

LEVELS: tuple[str, ...] = get_args(WishLevel)


class Row:
    """One person to register, as given (wishes are references, resolved against the roster)."""

    def __init__(
        self,
        name: str,
        organization: str,
        side: str,
        email: str,
        wishes: Sequence[str],
        language: str = "",
        signed_up: bool = False,
    ) -> None:
        self.language = language
        self.signed_up = signed_up
        self.name = name.strip()
        self.organization = organization.strip()
        self.side = side.strip()
        self.email = email.strip()
        self.wishes = list(wishes)


def _bad(row: int, field: str, message: str) -> ProtocolError:
    return ProtocolError(
        "bad_row",
        f"row {row}, field {field!r}: {message} Nothing was stored.",
        row=row,
        field=field,
    )


def register(
    state: EventState, rows: Sequence[Row], tokens: Sequence[str], cap: int | None = None
) -> tuple[EventState, list[Participant]]:
    """Add every row or none: ids ``p<n>``, each with its own secret token (only its hash is
    kept); at most ``cap`` people in the event.

    A wish is ``[level:]reference`` where the reference is an id, an email or an exact name of
    someone already registered or in the same batch, and the level ``must``, ``like`` (the
    default) or ``no``.
    """
    m = state.settings.matching
    if cap is not None and len(state.participants) + len(rows) > cap:
        raise UserError(
            "too_many_participants",
            f"An event holds at most {cap} participants (the server's max_participants); "
            f"it has {len(state.participants)}, and {len(rows)} more would pass it. Nothing was "
            "stored.",
            limit=cap,
        )
    start = len(state.participants) + 1
    people: list[Participant] = []
    for i, row in enumerate(rows, start=1):
        if not row.name:
            raise _bad(i, "name", "a name is required.")
        if m.mode == "bipartite" and row.side not in m.sides:
            raise _bad(i, "side", f"must be one of {', '.join(m.sides)} (got {row.side!r}).")
        if row.email and ("@" not in row.email or " " in row.email):
            raise _bad(i, "email", f"{row.email!r} is not an email address.")
        people.append(
            Participant(
                id=f"p{start + i - 1}",
                name=row.name,
                organization=row.organization,
                side=row.side,
                email=row.email,
                language=row.language,
                signed_up=row.signed_up,
                token_hash=links.token_hash(tokens[i - 1]),
            )
        )
    everyone = [*state.participants.values(), *people]
    wishes: list[Wish] = []
    for i, (row, person) in enumerate(zip(rows, people, strict=True), start=1):
        for ref in row.wishes:
            level, _, target = ref.rpartition(":") if ":" in ref else ("like", "", ref)
            level = level.strip().lower() or "like"
            if level not in LEVELS:
                raise _bad(i, "wishes", f"unknown level {level!r} (use must, like or no).")
            other = find_person(everyone, target.strip())
            if other is None:
                raise _bad(i, "wishes", f"nobody matches {target!r} (give an id, email or name).")
            if other.id == person.id:
                raise _bad(i, "wishes", "a participant cannot wish to meet themselves.")
            wishes.append(Wish(source=person.id, target=other.id, level=level))  # type: ignore[arg-type]
    new = engine.add_participants(state, people)
    if wishes:
        new = engine.add_wishes(new, wishes)
        new = engine.squash(new, state.version)
    return new, people


def order(pid: str) -> tuple[int, str]:
    """Sort key of registration order: ids are ``p1``, ``p2``, … ``p10`` as people register."""
    return len(pid), pid


def find_person(people: Sequence[Participant], ref: str) -> Participant | None:
    """The person an id, an e-mail (any case) or an exact, unique name designates."""
    for p in people:
        if ref and (ref == p.id or (p.email and ref.casefold() == p.email.casefold())):
            return p
    matches = [p for p in people if p.name == ref]
    return matches[0] if len(matches) == 1 else None


def wishes_from_rows(state: EventState, rows: Sequence[tuple[str, str, str]]) -> list[Wish]:
    """Check ``(from, to, level)`` rows against the roster."""
    out: list[Wish] = []
    for i, (source, target, level) in enumerate(rows, start=1):
        for field, pid in (("from", source), ("to", target)):
            if pid not in state.participants:
                raise _bad(i, field, f"unknown participant id {pid!r}.")
        if source == target:
            raise _bad(i, "to", "a participant cannot wish to meet themselves.")
        if level not in LEVELS:
            raise _bad(i, "level", f"unknown level {level!r} (use must, like or no).")
        out.append(Wish(source=source, target=target, level=level))  # type: ignore[arg-type]
    return out
