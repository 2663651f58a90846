"""An organiser's changes to one registered person: their fields (with the checks of an import)
or their removal before the event starts."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec

from ..core.model import EventState, Phase
from ..core.outcome import LINKS, Message, Outcome, audit, bump
from ..errors import NotFound, UserError
from .fields import check_value, cleaned, holder, normal_value
from .register import Given, problem, rejected
from .spreadsheet import Cell, Problem


def edit(state: EventState, pid: str, values: Mapping[str, str], now: int) -> Outcome:
    """Change some of one person's fields (``EDITABLE``), with the checks of an import."""
    person = state.participants.get(pid)
    if person is None:
        raise NotFound("unknown_participant", f"No participant {pid!r} in this event.")
    given = Given(row=1, values={k: Cell(v, 0, "") for k, v in values.items()})
    problems: list[Problem] = []
    fixed: dict[str, Any] = {}
    for name, cell in given.values.items():
        value = cleaned(name, cell.value)
        code, message, params = check_value(state, name, value)
        if code:
            problems.append(problem(given, name, code, message, **params))
        else:
            fixed[name] = normal_value(state, name, value)
    email = fixed.get("email", "")
    if email and holder(state, email, other_than=pid) is not None:
        problems.append(
            problem(given, "email", "email_taken", "someone else has this e-mail.", value=email)
        )
    if "side" in fixed and fixed["side"] != person.side and state.clock.phase is not Phase.LOBBY:
        problems.append(
            problem(
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
        return Outcome(state, [], {"person": person})
    updated = msgspec.structs.replace(person, **changed)
    new = bump(state, participants={**state.participants, pid: updated})
    entry = audit(now, "admin", "edit_participant", pid)
    return Outcome(new, [], {"person": updated}, [entry])


def remove(state: EventState, pid: str, now: int) -> Outcome:
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
    new = bump(state, participants=people, wishes=wishes)
    messages = [Message(LINKS, "revoked", {"token_hash": person.token_hash})]
    entry = audit(now, "admin", "remove_participant", pid)
    return Outcome(new, messages, {"removed": pid, "photo": person.photo}, [entry])
