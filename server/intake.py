"""Importing people into an event: what a file or a list would change (people added, updated or
unchanged, every problem with where it is), then applying exactly that, all or nothing.

People already registered are matched by e-mail (any case), or, for a row without one, by a name
that only one registered person without an e-mail holds: importing the same file twice changes
nothing the second time. A cell left empty in a column the file has clears that field; a column
the file does not have leaves the field as it is.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import msgspec

from . import engine, links, profiles
from .errors import NotFound, ProtocolError, UserError
from .model import AuditEntry, EventState, Participant, Phase, Wish
from .roster import LEVELS, find_person
from .spreadsheet import Cell, Problem

# what a row may set (the profile's fields last: server/profiles.py)
EDITABLE = ("name", "organization", "side", "email", "language", *profiles.FIELDS)
LANGUAGES = {
    "en": "en", "english": "en", "anglais": "en", "eng": "en",
    "fr": "fr", "french": "fr", "francais": "fr", "français": "fr", "fra": "fr",
}  # fmt: skip
MAX_TEXT = 200


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


def _problem(g: Given, where: str, code: str, message: str, **params: object) -> Problem:
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


def normal_language(value: str) -> str | None:
    """``en`` or ``fr`` for what a person may write (``Français``, ``EN``), ``""`` for none,
    ``None`` when it is neither."""
    if not value.strip():
        return ""
    return LANGUAGES.get(value.strip().lower())


def check_value(state: EventState, name: str, value: str) -> tuple[str, str, dict[str, object]]:
    """A field's value as stored, or a problem's ``code``, message and params
    (``("", "", {})`` when it is fine). For imports, the sign-up form and edits alike."""
    m = state.settings.matching
    if name in profiles.FIELDS:
        return profiles.check(name, value)
    if len(value) > MAX_TEXT:
        return "too_long", f"at most {MAX_TEXT} characters.", {"limit": MAX_TEXT}
    if name == "name" and not value:
        return "required", "a name is required.", {}
    if name == "side" and m.mode == "bipartite" and value not in m.sides:
        allowed = list(m.sides)
        message = f"must be one of {', '.join(allowed)} (got {value!r})."
        return "bad_side", message, {"value": value, "allowed": allowed}
    if name == "email" and value and not _email(value):
        return "bad_email", f"{value!r} is not an e-mail address.", {"value": value}
    if name == "language" and normal_language(value) is None:
        return "bad_language", f"{value!r}: write en or fr.", {"value": value}
    return "", "", {}


def normal_value(state: EventState, name: str, value: str) -> Any:
    """A checked field's value as stored (``check_value`` first)."""
    if name == "language":
        return normal_language(value) or ""
    if name in profiles.FIELDS:
        return profiles.normal(name, value, state.settings.tags)
    return value


def _email(value: str) -> bool:
    local, at, domain = value.rpartition("@")
    return bool(at and local and "." in domain.strip(".") and not any(c.isspace() for c in value))


def _match(state: EventState, g: Given, email: str, name: str) -> Participant | None:
    people = state.participants.values()
    if email:
        return next((p for p in people if p.email.casefold() == email.casefold()), None)
    if "email" in g.values:
        return None  # an empty e-mail cell: match by name only among people without one
    named = [p for p in people if not p.email and p.name.casefold() == name.casefold()]
    return named[0] if len(named) == 1 else None


def plan(state: EventState, given: Sequence[Given], cap: int | None = None) -> Planned:
    """What importing ``given`` into ``state`` would do, and every problem it has."""
    out = Planned()
    started = state.clock.phase is not Phase.LOBBY
    seen_email: dict[str, int] = {}
    seen_person: dict[str, int] = {}
    next_id = _next_number(state)
    for g in given:
        values: dict[str, Any] = {}
        bad = False
        for name in EDITABLE:
            if name not in g.values:
                continue
            value = g.values[name].value.strip()
            code, message, params = check_value(state, name, value)
            if code:
                out.problems.append(_problem(g, name, code, message, **params))
                bad = True
                continue
            values[name] = normal_value(state, name, value)
        if "name" not in g.values:
            out.problems.append(_problem(g, "name", "required", "a name is required."))
            bad = True
        email = values.get("email", "")
        where = g.line if g.line is not None else g.row
        if email:
            if email.casefold() in seen_email:
                other = seen_email[email.casefold()]
                out.problems.append(
                    _problem(
                        g, "email", "duplicate_email",
                        f"the same e-mail as {'line' if g.line else 'row'} {other}.",
                        value=email, other=other,
                    )
                )  # fmt: skip
                bad = True
            seen_email.setdefault(email.casefold(), where)
        person = _match(state, g, email, values.get("name", ""))
        if person is not None:
            if person.id in seen_person:
                other = seen_person[person.id]
                out.problems.append(
                    _problem(
                        g, "name", "duplicate_person",
                        f"{person.name} is already on {'line' if g.line else 'row'} {other}.",
                        other=other, person=person.name,
                    )
                )  # fmt: skip
                bad = True
            seen_person.setdefault(person.id, where)
            if started and "side" in values and values["side"] != person.side:
                out.problems.append(
                    _problem(
                        g, "side", "side_locked",
                        "the event has started: a person's side can no longer change.",
                        before=person.side, value=values["side"],
                    )
                )  # fmt: skip
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


def _next_number(state: EventState) -> int:
    """The number of the next id: ids are never reused, even after someone is removed."""
    numbers = [int(pid[1:]) for pid in state.participants if pid[1:].isdigit()]
    return max([len(state.participants), *numbers]) + 1


def _plan_wishes(state: EventState, given: Sequence[Given], out: Planned) -> None:
    whom: dict[int, Participant] = {}
    for g, p in out.added:
        whom[g.row] = p
    for g, p, _ in out.updated:
        whom[g.row] = p
    for g, p in out.unchanged:
        whom[g.row] = p
    everyone = {**state.participants, **{p.id: p for p in whom.values()}}
    refreshed: set[int] = set()
    for g in given:
        person = whom.get(g.row)
        if person is None:
            continue
        fresh = False
        for ref in g.wishes:
            level, _, target = ref.rpartition(":") if ":" in ref else ("like", "", ref)
            level = level.strip().lower() or "like"
            if level not in LEVELS:
                message = f"unknown level {level!r} in {ref!r} (use must, like or no)."
                out.problems.append(_problem(g, "wishes", "bad_wish_level", message, value=ref))
                continue
            other = find_person(list(everyone.values()), target.strip())
            if other is None:
                message = f"nobody matches {target.strip()!r} (give an id, an e-mail or a name)."
                out.problems.append(
                    _problem(g, "wishes", "unknown_wish", message, value=target.strip())
                )
                continue
            if other.id == person.id:
                message = "a participant cannot wish to meet themselves."
                out.problems.append(_problem(g, "wishes", "self_wish", message))
                continue
            wish = Wish(source=person.id, target=other.id, level=level)  # type: ignore[arg-type]
            old = state.wishes.get(f"{person.id}>{other.id}")
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
    state: EventState, planned: Planned, tokens: Sequence[str]
) -> tuple[EventState, list[Participant]]:
    """The new state with ``planned`` applied (``tokens``: one per added person, of which only
    hashes are kept) and the people added, in order; ``planned`` must have no problems."""
    assert not planned.problems, "a plan with problems is not applied"
    added = [
        msgspec.structs.replace(p, token_hash=links.token_hash(t))
        for (_, p), t in zip(planned.added, tokens, strict=True)
    ]
    people = dict(state.participants)
    people.update((p.id, p) for _, p, _ in planned.updated)
    people.update((p.id, p) for p in added)
    new = msgspec.structs.replace(state, participants=people, version=state.version + 1)
    if planned.wishes:
        new = engine.squash(engine.add_wishes(new, planned.wishes), state.version)
    return new, added


def edit(state: EventState, pid: str, values: Mapping[str, str], now: int) -> engine.Outcome:
    """Change some of one person's fields (``EDITABLE``), with the checks of an import."""
    person = state.participants.get(pid)
    if person is None:
        raise NotFound("unknown_participant", f"No participant {pid!r} in this event.")
    given = Given(row=1, values={k: Cell(v, 0, "") for k, v in values.items()})
    problems: list[Problem] = []
    fixed: dict[str, Any] = {}
    for name, cell in given.values.items():
        code, message, params = check_value(state, name, cell.value.strip())
        if code:
            problems.append(_problem(given, name, code, message, **params))
        else:
            fixed[name] = normal_value(state, name, cell.value.strip())
    email = fixed.get("email", "")
    if email and any(
        p.id != pid and p.email.casefold() == email.casefold() for p in state.participants.values()
    ):
        problems.append(
            _problem(given, "email", "email_taken", "someone else has this e-mail.", value=email)
        )
    if "side" in fixed and fixed["side"] != person.side and state.clock.phase is not Phase.LOBBY:
        problems.append(
            _problem(
                given, "side", "side_locked",
                "the event has started: a person's side can no longer change.",
            )
        )  # fmt: skip
    if problems:
        raise rejected(problems)
    if email and email.casefold() == person.email.casefold():
        fixed["email"] = person.email
    changed = {k: v for k, v in fixed.items() if getattr(person, k) != v}
    if not changed:
        return engine.Outcome(state, [], {"person": person})
    updated = msgspec.structs.replace(person, **changed)
    new = msgspec.structs.replace(
        state, participants={**state.participants, pid: updated}, version=state.version + 1
    )
    entry = AuditEntry(at=now, actor="admin", action="edit_participant", detail=pid)
    return engine.Outcome(new, [], {"person": updated}, [entry])


def remove(state: EventState, pid: str, now: int) -> engine.Outcome:
    """Take someone off the event before it starts (their wishes and link go with them); once
    it has started they stay in its rounds and results: ask them to stop instead."""
    person = state.participants.get(pid)
    if person is None:
        raise NotFound("unknown_participant", f"No participant {pid!r} in this event.")
    if state.clock.phase is not Phase.LOBBY:
        raise UserError(
            "started",
            "The event has started: people who may have met others stay in its results. "
            "Give them a new link if theirs leaked.",
        )
    people = {k: v for k, v in state.participants.items() if k != pid}
    wishes = {k: w for k, w in state.wishes.items() if pid not in (w.source, w.target)}
    new = msgspec.structs.replace(
        state, participants=people, wishes=wishes, version=state.version + 1
    )
    messages = [engine.Message(engine.LINKS, "revoked", {"token_hash": person.token_hash})]
    entry = AuditEntry(at=now, actor="admin", action="remove_participant", detail=pid)
    return engine.Outcome(new, messages, {"removed": pid, "photo": person.photo}, [entry])


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
