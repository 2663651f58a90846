"""Importing people into an event: what a file or a list would change (people added, updated or
unchanged, every problem with where it is), then applying exactly that, all or nothing.

People already registered are matched by e-mail (any case), or, for a row without one, by a name
that only one registered person without an e-mail holds: importing the same file twice changes
nothing the second time. A cell left empty in a column the file has clears that field; a column
the file does not have leaves the field as it is.

This is the one way people are registered: the organiser's import and the API (``update``: a
known person is updated), the sign-up form and the demo (a known e-mail is refused). New people
get the next ids (``core.model.next_person_number``: never one given before).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import msgspec

from ..core.model import EventState, Participant, Phase, Wish, next_person_number, wish_key
from ..core.outcome import bump, squash
from ..errors import ProtocolError
from . import links, profiles, wishes
from .fields import EDITABLE, Holders, check_value, cleaned, normal_value
from .spreadsheet import Cell, Problem


@dataclass(frozen=True)
class Given:
    """One person as a file or a list gives them: the fields present (each a ``Cell``, with
    its line and column in a file), and their wishes (references)."""

    row: int
    values: Mapping[str, Cell]
    wishes: Sequence[str] = ()
    wishes_cell: Cell | None = None
    line: int | None = None


@dataclass
class Planned:
    """What importing would do. ``added`` rows get new people (and links); ``updated`` carry
    the changes ``{field: [before, after]}``; nothing is stored while ``problems`` is not empty."""

    added: list[tuple[Given, Participant]] = field(default_factory=list)
    updated: list[tuple[Given, Participant, dict[str, list[Any]]]] = field(default_factory=list)
    unchanged: list[tuple[Given, Participant]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    wishes: list[Wish] = field(default_factory=list)

    def state_of(self, given: Given) -> str:
        """``added``, ``updated`` or ``unchanged``."""
        for kind in ("added", "updated", "unchanged"):
            if any(entry[0] is given for entry in getattr(self, kind)):
                return kind
        raise KeyError(given.row)


def problem(g: Given, where: str, code: str, message: str, **params: object) -> Problem:
    """A problem of one given row, at the cell of ``where`` (its line and column in a file)."""
    name = where
    cell = g.values.get(name)
    if name == "wishes" and g.wishes_cell is not None:
        cell = g.wishes_cell
    return Problem(
        code,
        message,
        line=cell.line if cell and g.line is not None else g.line,
        row=g.row,
        column=cell.column if cell and g.line is not None else None,
        field=name,
        params=params,
    )


class _Known:
    """The people registered, indexed once for the rows' look-ups: by e-mail, and by name
    among those without one (a plan is linear in rows and people, not their product)."""

    def __init__(self, state: EventState) -> None:
        people = state.participants.values()
        self.holders = Holders(people)
        self._nameless: dict[str, list[Participant]] = {}
        for p in people:
            if not p.email:
                self._nameless.setdefault(p.name.casefold(), []).append(p)

    def match(self, g: Given, email: str, name: str) -> Participant | None:
        """Who a row is: the holder of its e-mail; without one, the only person without an
        e-mail who has its name."""
        if email:
            return self.holders.get(email)
        if "email" in g.values:
            return None  # an empty e-mail cell: match by name only among people without one
        named = self._nameless.get(name.casefold(), [])
        return named[0] if len(named) == 1 else None


def plan(
    state: EventState, given: Sequence[Given], cap: int | None = None, *, update: bool = True
) -> Planned:
    """What importing ``given`` into ``state`` would do, and every problem it has.

    ``update``: a row that names someone registered (``_match``) updates them; without it, only
    new people are added and a row with a registered e-mail is a problem (``email_taken``).
    """
    out = Planned()
    started = state.clock.phase is not Phase.LOBBY
    seen_email: dict[str, int] = {}
    seen_person: dict[str, int] = {}
    next_id = next_person_number(state)
    known = _Known(state)
    for g in given:
        values: dict[str, Any] = {}
        bad = False
        for name in EDITABLE:
            if name not in g.values:
                continue
            value = cleaned(name, g.values[name].value)
            code, message, params = check_value(state, name, value)
            if code:
                out.problems.append(problem(g, name, code, message, **params))
                bad = True
                continue
            values[name] = normal_value(state, name, value)
        if "name" not in g.values:
            out.problems.append(problem(g, "name", "required", "a name is required."))
            bad = True
        email = values.get("email", "")
        where = g.line if g.line is not None else g.row
        if email:
            if email.casefold() in seen_email:
                other = seen_email[email.casefold()]
                out.problems.append(
                    problem(
                        g, "email", "duplicate_email",
                        f"the same e-mail as {'line' if g.line else 'row'} {other}.",
                        value=email, other=other,
                    )
                )  # fmt: skip
                bad = True
            seen_email.setdefault(email.casefold(), where)
        person = known.match(g, email, values.get("name", "")) if update else None
        if not update and email and known.holders.get(email) is not None:
            message = "someone registered already has this e-mail."
            out.problems.append(problem(g, "email", "email_taken", message, value=email))
            bad = True
        if person is not None:
            if person.id in seen_person:
                other = seen_person[person.id]
                out.problems.append(
                    problem(
                        g, "name", "duplicate_person",
                        f"{person.name} is already on {'line' if g.line else 'row'} {other}.",
                        other=other, person=person.name,
                    )
                )  # fmt: skip
                bad = True
            seen_person.setdefault(person.id, where)
            if started and "side" in values and values["side"] != person.side:
                out.problems.append(
                    problem(
                        g, "side", "side_locked",
                        "the event has started: a person's side can no longer change.",
                        before=person.side, value=values["side"],
                    )
                )  # fmt: skip
                bad = True
        if person is None and "side" not in values and "side" not in g.values:
            # a new person in a two-sided event has a side, or nobody could ever meet them
            code, message, params = check_value(state, "side", "")
            if code:
                out.problems.append(problem(g, "side", code, message, **params))
                bad = True
        if bad:
            continue
        if person is None:
            new = Participant(
                id=f"p{next_id}",
                name=values["name"],
                organization=values.get("organization", ""),
                side=values.get("side", ""),
                email=email,
                language=values.get("language", ""),
                token_hash="",
                **{k: values[k] for k in profiles.FIELDS if k in values},
            )
            next_id += 1
            out.added.append((g, new))
            continue
        if email and email.casefold() == person.email.casefold():
            values["email"] = person.email  # the same address, however it is written
        changes = {
            name: [getattr(person, name), values[name]]
            for name in EDITABLE
            if name in values and values[name] != getattr(person, name)
        }
        if changes:
            updated = msgspec.structs.replace(person, **{k: v[1] for k, v in changes.items()})
            out.updated.append((g, updated, changes))
        else:
            out.unchanged.append((g, person))
    _plan_wishes(state, given, out)
    if cap is not None and not out.problems and len(state.participants) + len(out.added) > cap:
        out.problems.append(
            Problem(
                "too_many_participants",
                f"an event holds at most {cap} participants (the server's max_participants); "
                f"it has {len(state.participants)}, and {len(out.added)} more would pass it. "
                "Nothing was stored.",
                params={"limit": cap, "registered": len(state.participants)},
            )
        )
    return out


def _plan_wishes(state: EventState, given: Sequence[Given], out: Planned) -> None:
    whom: dict[int, Participant] = {}
    for g, p in out.added:
        whom[g.row] = p
    for g, p, _ in out.updated:
        whom[g.row] = p
    for g, p in out.unchanged:
        whom[g.row] = p
    everyone = wishes.References(
        {**state.participants, **{p.id: p for p in whom.values()}}.values()
    )
    refreshed: set[int] = set()
    for g in given:
        person = whom.get(g.row)
        if person is None:
            continue
        fresh = False
        for ref in g.wishes:
            level, target = wishes.parse(ref)
            if level not in wishes.LEVELS:
                message = f"unknown level {level!r} in {ref!r} (use must, like or no)."
                out.problems.append(problem(g, "wishes", "bad_wish_level", message, value=ref))
                continue
            other = everyone.find(target)
            if other is None:
                message = f"nobody matches {target!r} (give an id, an e-mail or a name)."
                out.problems.append(problem(g, "wishes", "unknown_wish", message, value=target))
                continue
            if other.id == person.id:
                message = "a participant cannot wish to meet themselves."
                out.problems.append(problem(g, "wishes", "self_wish", message))
                continue
            wish = Wish(source=person.id, target=other.id, level=level)  # type: ignore[arg-type]
            old = state.wishes.get(wish_key(person.id, other.id))
            fresh = fresh or old != wish
            out.wishes.append(wish)
        if fresh:
            refreshed.add(g.row)
    for i in reversed(range(len(out.unchanged))):
        g, p = out.unchanged[i]
        if g.row in refreshed:
            out.unchanged.pop(i)
            out.updated.append((g, p, {}))
    for g, _, changes in out.updated:
        if g.row in refreshed:
            changes["wishes"] = ["", "; ".join(g.wishes)]


def apply(
    state: EventState, planned: Planned, tokens: Sequence[str], *, signed_up: bool = False
) -> tuple[EventState, list[Participant]]:
    """The new state with ``planned`` applied (``tokens``: one per added person's link, kept
    as a hash and sealed) and the people added, in order; ``planned`` must have no problems.
    ``signed_up``: the people added came through the registration link."""
    assert not planned.problems, "a plan with problems is not applied"
    added = [
        msgspec.structs.replace(p, token_hash=links.token_hash(t), token=t, signed_up=signed_up)
        for (_, p), t in zip(planned.added, tokens, strict=True)
    ]
    people = dict(state.participants)
    people.update((p.id, p) for _, p, _ in planned.updated)
    people.update((p.id, p) for p in added)
    made = max([state.people_made, *(int(p.id[1:]) for p in added if p.id[1:].isdigit())])
    new = bump(state, participants=people, people_made=made)
    if planned.wishes:
        new = squash(wishes.add_wishes(new, planned.wishes), state.version)
    return new, added


def ordered(problems: Sequence[Problem]) -> list[Problem]:
    """Problems in the order of the file (or list): by line, row, then column."""
    return sorted(
        problems, key=lambda p: (p.line or 0, p.row or 0, len(p.column or ""), p.column or "")
    )


def rejected(problems: Sequence[Problem]) -> ProtocolError:
    """The error of an import (or an edit) with problems: every one of them, and the first's
    place as ``row``/``field`` (and ``line``/``column`` in a file). Nothing was stored."""
    problems = ordered(problems)
    header = any(p.code in SHEET_CODES for p in problems)
    first = problems[0]
    listed = "; ".join(p.to_wire()["message"] for p in problems[:5])  # type: ignore[misc]
    more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
    count = f"{len(problems)} problem{'s' if len(problems) > 1 else ''}"
    detail: dict[str, object] = {"problems": [p.to_wire() for p in problems]}
    for key in ("row", "field", "line", "column"):
        if getattr(first, key) is not None:
            detail[key] = getattr(first, key)
    return ProtocolError(
        "bad_csv" if header else "bad_row",
        f"{count}, nothing was stored: {listed}{more}.",
        **detail,
    )


SHEET_CODES = {"empty", "unreadable", "no_name_column", "duplicate_column"}
