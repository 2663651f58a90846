"""The help desk: a participant asks, someone of the staff takes the request (the others see
who), deals with it; the event's end closes what is still open."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..errors import NotFound, UserError
from . import logs
from .model import (
    Entry,
    EventState,
    HelpClaimed,
    HelpReason,
    HelpRequest,
    HelpResolved,
    Phase,
    Staff,
)
from .outcome import STAFF, Message, Outcome, audit, to_participant
from .payloads import staff_payload, status_notice


def ask_help(
    state: EventState, pid: str, text: str, now: int, reason: HelpReason | None = None
) -> Outcome:
    """A participant asks the moderators for help (a new request replaces their open one)."""
    if state.clock.phase is Phase.ENDED:
        raise UserError("ended", "The event has ended: there is no one left to help.", why="help")
    room = state.room_of(pid)
    request = HelpRequest(
        participant=pid, room=room.id if room else None, text=text.strip(), at=now, reason=reason
    )
    return Outcome(state, [Message(STAFF, "help", help_payload(state, request))], entries=[request])


def help_payload(state: EventState, h: HelpRequest) -> dict[str, Any]:
    """A help request as the staff see it (the ``help`` event, the board's ``help`` list)."""
    return {
        "participant": h.participant,
        "name": state.participants[h.participant].name,
        "room": h.room,
        "text": h.text,
        "reason": h.reason,
        "at": h.at,
        "claimed_by": staff_payload(h.claimed_by),
    }


def _open_request(help_log: Iterable[Entry], pid: str) -> HelpRequest:
    request = next((h for h in logs.open_help(help_log) if h.participant == pid), None)
    if request is None:
        raise NotFound("no_help_request", f"{pid!r} has no open help request.")
    return request


def claim_help(
    state: EventState,
    help_log: Iterable[Entry],
    pid: str,
    now: int,
    by: Staff,
    take_over: bool = False,
) -> Outcome:
    """Someone of the staff takes a participant's help request: the other staff see who, the
    participant hears that someone is coming. A request taken by someone else is refused
    (``already_claimed``) unless ``take_over``."""
    request = _open_request(help_log, pid)
    taken = request.claimed_by
    if taken is not None and taken.id != by.id and not take_over:
        raise UserError(
            "already_claimed",
            "Someone else of the staff has already taken this request.",
            claimed_by=staff_payload(taken),
        )
    data = {"participant": pid, "at": now, "by": staff_payload(by)}
    notice = {**status_notice("help_claimed", now, by.role), "by": data["by"]}
    return Outcome(
        state,
        [Message(STAFF, "help_claimed", data), Message(to_participant(pid), "notice", notice)],
        entries=[
            HelpClaimed(participant=pid, at=now, by=by),
            audit(now, by.role, "claim_help", pid),
        ],
    )


def resolve_help(
    state: EventState,
    help_log: Iterable[Entry],
    pid: str,
    now: int,
    actor: str,
    by: Staff | None = None,
) -> Outcome:
    """A moderator marks a participant's help request as dealt with."""
    _open_request(help_log, pid)
    notice = {
        **status_notice("help_resolved", now, by.role if by else "moderator"),
        "by": staff_payload(by),
    }
    return Outcome(
        state,
        [Message(to_participant(pid), "notice", notice)],
        entries=[
            HelpResolved(participant=pid, at=now, actor=actor, by=by),
            audit(now, actor, "resolve_help", pid),
        ],
    )


def close_help(state: EventState, help_log: Iterable[Entry], now: int) -> Outcome:
    """The event ended: every open help request is closed (nobody is left waiting for one)."""
    pending = sorted(h.participant for h in logs.open_help(help_log))
    if not pending:
        return Outcome(state, [])
    return Outcome(
        state,
        [Message(STAFF, "help_closed", {"participants": pending, "at": now})],
        entries=[
            *(HelpResolved(participant=pid, at=now, actor="end") for pid in pending),
            audit(now, "end", "close_help", ",".join(pending)),
        ],
    )
