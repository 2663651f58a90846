"""Wishes: whom a person wants (``must``, ``like``) or would rather not (``no``) meet, as the
organiser records them (a list, an import's references) or the person marks them in the
directory (``directory.set_wish``)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import get_args

from ..core.model import EventState, Participant, Wish, WishLevel, wish_key
from ..core.outcome import bump
from ..errors import ProtocolError

LEVELS: tuple[str, ...] = get_args(WishLevel)


def parse(ref: str) -> tuple[str, str]:
    """A wish reference as written, ``[level:]reference``: its level (``like`` when none is
    given; not checked) and the reference (an id, an e-mail or an exact name)."""
    level, _, target = ref.rpartition(":") if ":" in ref else ("like", "", ref)
    return level.strip().lower() or "like", target.strip()


class References:
    """Whom a wish's reference names among some people: an id, an e-mail (any case) or an
    exact name that only one of them holds. Indexed once, then a look-up per reference."""

    def __init__(self, people: Iterable[Participant]) -> None:
        self._keys: dict[str, Participant] = {}  # by id, and by e-mail (casefolded)
        self._names: dict[str, list[Participant]] = {}
        for p in people:
            self._keys.setdefault(p.id, p)
            if p.email:  # an address holds an @, an id never: the two cannot meet
                self._keys.setdefault(p.email.casefold(), p)
            self._names.setdefault(p.name, []).append(p)

    def find(self, ref: str) -> Participant | None:
        """The person ``ref`` designates, if exactly one."""
        if not ref:
            return None
        found = self._keys.get(ref) or self._keys.get(ref.casefold())
        if found is not None:
            return found
        named = self._names.get(ref, [])
        return named[0] if len(named) == 1 else None


def _bad(row: int, field: str, message: str) -> ProtocolError:
    return ProtocolError(
        "bad_row",
        f"row {row}, field {field!r}: {message} Nothing was stored.",
        row=row,
        field=field,
    )


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


def add_wishes(state: EventState, wishes: list[Wish]) -> EventState:
    """Record checked wishes; a later wish between the same two people replaces the earlier one."""
    fresh = {wish_key(w.source, w.target): w for w in wishes}
    return bump(state, wishes={**state.wishes, **fresh})


def own_wishes(state: EventState, pid: str) -> list[dict[str, str]]:
    """The wishes a participant made."""
    return [{"to": w.target, "level": w.level} for w in state.wishes.values() if w.source == pid]
