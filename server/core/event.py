"""An event as the organiser makes and changes it: a new event in the lobby, its settings
(everything before the start; the title, the sign-up link's rules and the directory until the
end), and the settings as the pages and API show them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import msgspec

from ..errors import ProtocolError, UserError
from .model import Clock, EventState, Matching, Phase, Settings
from .outcome import Outcome, audit, bump


def new_event(
    event_id: str,
    settings: Settings,
    host_token_hash: str,
    moderator_token_hash: str,
    registration_token_hash: str,
    now: int,
) -> EventState:
    """A new event in the lobby (its links given as hashes: ``links.token_hash``)."""
    return EventState(
        id=event_id,
        settings=settings,
        host_token_hash=host_token_hash,
        moderator_token_hash=moderator_token_hash,
        registration_token_hash=registration_token_hash,
        created_at=now,
        clock=Clock(rounds=settings.rounds),
    )


# may change after the start (until the end): what the directory shows is the organiser's call
ANYTIME = frozenset({"title", "signup", "directory", "tags", "relevance", "synonyms"})


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
    new = bump(state, settings=settings, clock=clock)
    entry = audit(now, "admin", "edit_event", ",".join(sorted(changes)))
    return Outcome(new, [], {}, [entry])


def check_two_sides(mode: str, sides: Sequence[str]) -> None:
    """Refuse a two-sided event without exactly two different sides."""
    if mode == "bipartite" and (len(sides) != 2 or sides[0] == sides[1]):
        raise ProtocolError(
            "bad_request",
            'Bipartite matching needs exactly two different sides, e.g. ["commune", "solution"].',
            field="matching.sides",
            why="two_sides",
        )


def _check_sides(state: EventState, m: Matching) -> None:
    check_two_sides(m.mode, m.sides)
    if m.mode != "bipartite":
        return
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


def event_payload(state: EventState) -> dict[str, Any]:
    """The event's settings as the pages and API show them."""
    s = state.settings
    return {
        "id": state.id,
        "title": s.title,
        "rounds": s.rounds,
        "round_seconds": s.round_seconds,
        "break_seconds": s.break_seconds,
        "mode": s.matching.mode,
        "sides": list(s.matching.sides),
        "odd": s.matching.odd,
        "no_show_seconds": s.no_show_seconds,
        "language": s.language,
        "starts_at": s.starts_at,
        "reminder_minutes": s.reminder_minutes,
        "signup": msgspec.to_builtins(s.signup),
        "directory": s.directory,
        "tags": list(s.tags),
        "ice_transport_policy": s.ice_transport_policy,
        "relevance": s.relevance,
        "synonyms": list(s.synonyms),
    }
