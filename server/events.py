"""The event's settings as the organiser changes them: everything before the start, the sign-up
link's rules until the end; and whether the registration link takes one more person now."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec

from .engine import Outcome
from .errors import ProtocolError, UserError
from .model import AuditEntry, EventState, Matching, Phase, Settings, Signup

# may change after the start (until the end): what the directory shows is the organiser's call
ANYTIME = frozenset({"title", "signup", "directory", "tags"})


def edit(state: EventState, changes: Mapping[str, Any], now: int) -> Outcome:
    """Apply ``changes`` (fields of ``Settings``; ``matching`` and ``signup`` as objects of
    their fields) to the event's settings."""
    if state.clock.phase is Phase.ENDED:
        raise UserError("ended", "The event has ended: its settings are kept as they were.")
    late = sorted(set(changes) - ANYTIME)
    if state.clock.phase is not Phase.LOBBY and late:
        raise UserError(
            "started",
            f"The event has started: {', '.join(late)} can no longer change (only the title, "
            "the sign-up link's rules and the directory).",
            fields=late,
        )
    s = state.settings
    fields: dict[str, Any] = dict(changes)
    if "matching" in fields:
        fields["matching"] = msgspec.structs.replace(s.matching, **fields["matching"])
        _check_sides(state, fields["matching"])
    if "signup" in fields:
        fields["signup"] = msgspec.structs.replace(s.signup, **fields["signup"])
    settings: Settings = msgspec.structs.replace(s, **fields)
    if settings == s:
        return Outcome(state, [])
    clock = state.clock
    if settings.rounds != s.rounds:
        clock = msgspec.structs.replace(clock, rounds=settings.rounds)
    new = msgspec.structs.replace(state, settings=settings, clock=clock, version=state.version + 1)
    entry = AuditEntry(at=now, actor="admin", action="edit_event", detail=",".join(sorted(changes)))
    return Outcome(new, [], {}, [entry])


def _check_sides(state: EventState, m: Matching) -> None:
    if m.mode != "bipartite":
        return
    if len(m.sides) != 2 or m.sides[0] == m.sides[1]:
        raise ProtocolError(
            "bad_request",
            'Bipartite matching needs exactly two different sides, e.g. ["commune", "solution"].',
            field="sides",
        )
    misfits = [p.name for p in state.participants.values() if p.side not in m.sides]
    if misfits:
        shown = ", ".join(misfits[:5]) + (
            f" and {len(misfits) - 5} more" if len(misfits) > 5 else ""
        )
        raise UserError(
            "sides_in_use",
            f"{len(misfits)} registered people are on no side of {', '.join(m.sides)}: {shown}. "
            "Change their side first.",
            people=len(misfits),
        )


def signup_closed(state: EventState, now: int) -> str | None:
    """Why the registration link takes nobody now (``ended``, ``closed``, ``full``, ``late``),
    or ``None`` when it does."""
    rules: Signup = state.settings.signup
    if state.clock.phase is Phase.ENDED:
        return "ended"
    if not rules.open:
        return "closed"
    if rules.closes_at is not None and now >= rules.closes_at:
        return "late"
    if rules.cap is not None and len(state.participants) >= rules.cap:
        return "full"
    return None
