"""What the host and moderators say and do in rooms: a notice to everyone, a word to one room or
one person, a moderator joining or leaving a room's call (a third video)."""

from __future__ import annotations

from typing import Any

import msgspec

from ..errors import NotFound, ProtocolError, UserError
from .model import EventState, Notice, Phase, Staff, Visit
from .outcome import PARTICIPANTS, STAFF, Message, Outcome, audit, bump, to_participant
from .payloads import NOTICE_MS, person_payload, staff_payload, status_notice


def notice(state: EventState, text: str, now: int, actor: str) -> Outcome:
    """Broadcast a notice from the host to everyone."""
    text = text.strip()
    if not text:
        raise ProtocolError("bad_payload", "A notice needs some text.")
    data = {"text": text, "at": now, "from": actor, "expires_at": now + NOTICE_MS}
    return Outcome(
        state,
        [Message(PARTICIPANTS, "notice", data), Message(STAFF, "notice", data)],
        entries=[Notice(text=text, at=now, actor=actor), audit(now, actor, "notice", text)],
    )


def write(
    state: EventState,
    text: str,
    now: int,
    by: Staff,
    room_id: str | None = None,
    pid: str | None = None,
) -> Outcome:
    """Someone of the staff writes to one room of this round, or to one person."""
    text = text.strip()
    if not text:
        raise ProtocolError("bad_payload", "A message needs some text.")
    if (room_id is None) == (pid is None):
        raise ProtocolError("bad_payload", "Write to one room or to one participant.")
    if state.clock.phase is Phase.ENDED:
        raise UserError("ended", "The event has ended.")
    if room_id is not None:
        room = next((r for r in state.current_rooms() if r.id == room_id), None)
        if room is None:
            raise NotFound("unknown_room", f"No room {room_id!r} in the current round.")
        to, kind = room.members, "room_message"
    else:
        assert pid is not None
        if pid not in state.participants:
            raise NotFound("unknown_participant", f"No participant {pid!r} in this event.")
        to, kind = (pid,), "personal_message"
    data = {
        "text": text,
        "at": now,
        "from": by.role,
        "kind": kind,
        "by": staff_payload(by),
        "room": room_id,
        "expires_at": now + NOTICE_MS,
    }
    target = room_id or pid or ""
    return Outcome(
        state,
        [Message(to_participant(m), "notice", data) for m in to],
        {"to": list(to)},
        [
            Notice(text=text, at=now, actor=by.role, to=tuple(to)),
            audit(now, by.role, kind, target),
        ],
    )


def join_room(state: EventState, room_id: str, by: Staff, now: int) -> Outcome:
    """A moderator joins a room's call (leaving any other): the members are told, and signaling
    lets the moderator and them call each other until the round ends or the moderator leaves."""
    record = state.current()
    if record is None or state.clock.phase is not Phase.ROUND:
        raise UserError(
            "no_round", "No round is running: there is no call to join.", why="join_room"
        )
    room = next((r for r in record.rooms if r.id == room_id), None)
    if room is None:
        raise NotFound("unknown_room", f"No room {room_id!r} in the current round.")
    before = next((v for v in record.visits if v.staff.id == by.id), None)
    visits = (*(v for v in record.visits if v.staff.id != by.id), Visit(room=room_id, staff=by))
    new = _with_visits(state, visits)
    staff = staff_payload(by)
    messages = []
    if before is not None and before.room != room_id:
        messages += _visit_messages(state, before.room, staff, joined=False)
    messages += _visit_messages(new, room_id, staff, joined=True)
    if before is None or before.room != room_id:
        notice = {**status_notice("moderator_joining", now, by.role), "by": staff}
        messages += [Message(to_participant(m), "notice", notice) for m in room.members]
    peers = [person_payload(state.participants[m]) for m in room.members]
    result = {"room": room_id, "peers": peers, "staff": staff}
    return Outcome(new, messages, result, [audit(now, by.role, "join_room", room_id)])


def leave_room(state: EventState, staff_id: str, now: int) -> Outcome:
    """A moderator leaves the room's call they joined (nothing happens if they are in none)."""
    record = state.current()
    visit = next((v for v in record.visits if v.staff.id == staff_id), None) if record else None
    if record is None or visit is None:
        return Outcome(state, [], {"room": None})
    new = _with_visits(state, tuple(v for v in record.visits if v.staff.id != staff_id))
    messages = _visit_messages(state, visit.room, staff_payload(visit.staff), joined=False)
    entry = audit(now, visit.staff.role, "leave_room", visit.room)
    return Outcome(new, messages, {"room": visit.room}, [entry])


def _with_visits(state: EventState, visits: tuple[Visit, ...]) -> EventState:
    record = state.current()
    assert record is not None
    fresh = msgspec.structs.replace(record, visits=visits)
    return bump(state, history=(*state.history[:-1], fresh))


def _visit_messages(
    state: EventState, room_id: str, staff: dict[str, Any] | None, joined: bool
) -> list[Message]:
    """The ``moderator`` event to each member of a room (the polite role is added on delivery)."""
    room = next((r for r in state.current_rooms() if r.id == room_id), None)
    data = {"room": room_id, "joined": joined, "staff": staff}
    return [Message(to_participant(m), "moderator", data) for m in room.members] if room else []
