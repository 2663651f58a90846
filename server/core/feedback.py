"""Ratings: a participant rates each person they met and says whether, and why, they want to
follow up (nobody else learns of it unless both do)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import get_args

from ..errors import ProtocolError, UserError
from .model import EventState, Feedback, FollowUpReason, Phase, Room
from .outcome import Outcome

FOLLOW_UP_REASONS: tuple[FollowUpReason, ...] = get_args(FollowUpReason)


def give_feedback(
    state: EventState,
    pid: str,
    room_id: str,
    rating: int,
    follow_up: bool,
    note: str,
    now: int,
    peer: str | None = None,
    reasons: Iterable[FollowUpReason] = (),
) -> Outcome:
    """Record a participant's rating of one person they met (a later one replaces it).

    ``peer``: whom it is about; implied in a room of two, required in a room of three.
    ``reasons``: why follow up (``FOLLOW_UP_REASONS``, several may be chosen); only with
    ``follow_up``. Nobody else learns of it unless both want to follow up (``_summary``).
    """
    chosen = set(reasons)
    if chosen and not follow_up:
        raise ProtocolError("bad_payload", "reasons go with follow_up: true.")
    if not chosen <= set(FOLLOW_UP_REASONS):
        raise ProtocolError("bad_payload", f"reasons are among {', '.join(FOLLOW_UP_REASONS)}.")
    room: Room | None = state.find_room(room_id)
    if room is None or pid not in room.members:
        raise UserError("not_your_room", f"You were not in room {room_id!r}.")
    if len(room.members) < 2:
        raise UserError("no_meeting", f"Nobody else was in room {room_id!r}: nothing to rate.")
    others = [m for m in room.members if m != pid]
    if peer is None:
        if len(others) > 1:
            raise UserError(
                "peer_required",
                f"Room {room_id} had {len(room.members)} people: rate each of them on their "
                "own (say whom in peer).",
                peers=others,
            )
        peer = others[0]
    elif peer not in others:
        raise UserError("not_your_peer", f"{peer!r} was not with you in room {room_id}.")
    record = state.current()
    if (
        state.clock.phase is Phase.ROUND
        and record is not None
        and record.round == room.round
        and not record.no_shows_checked
    ):
        # Until the no-show check, a partner who is away may still be replaced: the meeting
        # is not certain yet (the page asks for ratings in the break).
        raise UserError(
            "too_early",
            "This meeting has only just begun: rate it a little later, or in the break.",
        )
    if not 1 <= rating <= 5:
        raise ProtocolError("bad_payload", "rating must be a whole number from 1 to 5.")
    entry = Feedback(
        participant=pid,
        room=room_id,
        peer=peer,
        rating=rating,
        follow_up=follow_up,
        note=note,
        at=now,
        reasons=tuple(r for r in FOLLOW_UP_REASONS if r in chosen),
    )
    return Outcome(state, [], entries=[entry])
