"""Rounds and seats: the clock moves and rounds start and end with their rooms; people are moved,
re-paired, seated on arrival or when they come back, checked for no-shows, or stop."""

from __future__ import annotations

import msgspec

from .. import rooms
from ..errors import NotFound, UserError
from . import clock as clk
from . import instead, matching
from .model import Entry, EventState, Phase
from .outcome import (
    PARTICIPANTS,
    STAFF,
    Message,
    Outcome,
    audit,
    bump,
    own_audit,
    to_participant,
)
from .payloads import assignment_payload, clock_payload, status_notice


def _assignments(state: EventState, now: int, pids: set[str] | None = None) -> list[Message]:
    """The assignments of ``pids`` (of everyone: also those who stopped, who hear the clock)."""
    index = state.rooms_by_person()
    clock = clock_payload(state, now)
    return [
        Message(to_participant(p.id), "assignment", assignment_payload(state, p.id, clock, index))
        for p in state.participants.values()
        if pids is None or p.id in pids
    ]


def _clock_messages(state: EventState, now: int) -> list[Message]:
    payload = clock_payload(state, now)
    return [Message(PARTICIPANTS, "clock", payload), Message(STAFF, "clock", payload)]


def _end_round(state: EventState, at: int) -> EventState:
    """Stamp when the round being played stopped (for the results: each meeting's end)."""
    record = state.history[-1] if state.history else None
    if record is None or record.ended_at is not None:
        return state
    done = msgspec.structs.replace(record, ended_at=at)
    return msgspec.structs.replace(state, history=(*state.history[:-1], done))


def _stamp_new_rooms(before: EventState, after: EventState, now: int) -> EventState:
    """Stamp the rooms a change made during the round (re-pairings) with when they began."""
    old, record = before.current(), after.current()
    if record is None or record is old:
        return after
    known = {room.id for room in old.rooms} if old is not None else set()
    if all(room.id in known for room in record.rooms):
        return after
    rooms_ = tuple(
        room if room.id in known else msgspec.structs.replace(room, started_at=now)
        for room in record.rooms
    )
    done = msgspec.structs.replace(record, rooms=rooms_)
    return msgspec.structs.replace(after, history=(*after.history[:-1], done))


def _start_round(
    state: EventState,
    number: int,
    now: int,
    online: frozenset[str],
    plan: matching.RoundPlan | None,
) -> EventState:
    if plan is None:
        left = state.settings.rounds - number + 1
        plan = matching.pair_round(rooms.match_input(state, online, left))
    record = rooms.build_round(number, plan, now)
    return msgspec.structs.replace(state, history=(*state.history, record))


def move_clock(
    state: EventState,
    command: clk.ClockCommand,
    now: int,
    online: frozenset[str],
    actor: str,
    extend_seconds: int = 0,
    plan: matching.RoundPlan | None = None,
) -> Outcome:
    """Apply a clock command, starting a round's rooms as the phase changes.

    ``plan``: the pairing of the next round, already made for this very state and the people
    ``online`` (``rooms.plan_key``); without it a round that starts is paired here. When the
    command ends the event, the owner sends the summaries (they need the feedback log).
    """
    s = state.settings
    before = state.clock
    after = clk.advance(
        before,
        command,
        now,
        round_ms=s.round_seconds * 1000,
        break_ms=s.break_seconds * 1000,
        extend_ms=extend_seconds * 1000,
    )
    detail = f"{extend_seconds}s" if command is clk.ClockCommand.EXTEND else ""
    new = bump(state, clock=after)
    starts = after.phase is Phase.ROUND and after.round != before.round
    ends = before.phase is Phase.ROUND and after.phase is not Phase.ROUND
    at = before.ends_at if command is clk.ClockCommand.DEADLINE and before.ends_at else now
    if before.phase is Phase.ROUND and (ends or starts):
        new = _end_round(new, at)
    if starts:
        new = _start_round(new, after.round, at, online, plan)
    clock = clock_payload(new, now)
    if starts or ends:
        # everyone moves: one message each, their assignment, which carries the new clock
        messages = [Message(STAFF, "clock", clock), *_assignments(new, now)]
    else:
        messages = _clock_messages(new, now)
    if command is clk.ClockCommand.EXTEND:
        params = {"seconds": extend_seconds, "phase": after.phase.value}
        told = status_notice("extended", now, actor, params)
        messages += [Message(PARTICIPANTS, "notice", told), Message(STAFF, "notice", told)]
    entry = audit(now, actor, command.value, detail)
    return Outcome(new, messages, {"clock": clock}, [entry])


REFUSED = frozenset({"same_side", "repeat", "declined", "room_full", "same_room"})


def move(
    state: EventState,
    pid: str,
    room_id: str | None,
    now: int,
    actor: str,
    online: frozenset[str] = frozenset(),
    trio: bool = False,
) -> Outcome:
    """Put one participant in a room by hand (or in the waiting list); a move a rule refuses
    says what would work instead (``instead.choices``: ``alternatives`` in the error)."""
    try:
        moved, affected = rooms.move(state, pid, room_id, trio)
    except UserError as exc:
        if exc.code not in REFUSED:
            raise
        found = instead.choices(state, pid, online, room_id)
        raise UserError(exc.code, exc.message, **exc.detail, alternatives=found) from None
    new = bump(moved)
    entry = audit(now, actor, "move", f"{pid} -> {room_id}")
    return Outcome(new, _assignments(new, now, affected), {"affected": sorted(affected)}, [entry])


def repair(state: EventState, online: frozenset[str], now: int, actor: str) -> Outcome:
    """Pair this round's orphans together; say who is still alone, why, and where each of
    them could go instead (``instead``)."""
    repaired, moved = rooms.repair(state, online)
    new = bump(_stamp_new_rooms(state, repaired, now))
    entry = audit(now, actor, "repair", ",".join(sorted(moved)))
    told = moved | _left_behind(state, new)
    left = rooms.orphans(new, online)
    result = {
        "paired": sorted(moved),
        "left": [{"id": p, "name": new.participants[p].name} for p in left],
        "why": instead.why_alone(new, left) if left or not moved else [],
        "alternatives": {p: instead.choices(new, p, online) for p in left},
    }
    return Outcome(new, _assignments(new, now, told), result, [entry])


def _left_behind(before: EventState, after: EventState) -> set[str]:
    """Who waits now and did not before (their partner was paired with someone else)."""
    old, new = before.current(), after.current()
    return set(new.waiting) - set(old.waiting) if old and new else set()


def check_no_shows(
    state: EventState, online: frozenset[str], now: int, met: frozenset[str] = frozenset()
) -> Outcome:
    """After the grace period: pair the people whose partner never came; tell the rest.

    ``met``: who had a call connected this round. A partner who came and left (a laptop
    closed after 40 s) is no no-show: the other is not told "your partner has not arrived",
    is not paired with someone else, and the meeting counts as held.
    """
    record = state.current()
    if state.clock.phase is not Phase.ROUND or record is None or record.no_shows_checked:
        raise UserError("not_due", "No round is waiting for its no-show check.")
    came = online | met
    lonely = rooms.orphans(state, came)
    paired, moved = rooms.pair_orphans(state, lonely)
    repaired = _stamp_new_rooms(state, paired, now)
    current = repaired.current()
    assert current is not None
    # "your partner has not arrived" is for who sits in a room alone, not for who waits; an
    # arrival is paired with them at once (rooms.seat_arrival)
    in_rooms = {m for room in current.rooms for m in room.members}
    alone = sorted(p for p in set(lonely) - moved if p in in_rooms)
    # who was paired for this round and is not here: the no-shows of the results
    absent = tuple(sorted({m for members in record.planned for m in members} - came))
    checked = msgspec.structs.replace(
        current, no_shows_checked=True, alone=tuple(alone), absent=absent
    )
    new = bump(repaired, history=(*repaired.history[:-1], checked))
    notice = status_notice("no_partner", now, "host")
    messages = _assignments(new, now, moved | _left_behind(state, new))
    messages += [Message(to_participant(pid), "notice", notice) for pid in alone]
    entry = audit(now, "clock", "no_show_check", ",".join(sorted(moved)))
    return Outcome(new, messages, {"paired": sorted(moved), "alone": alone}, [entry])


def stop(state: EventState, pid: str, now: int) -> Outcome:
    """A participant asks not to be paired again (their current meeting is left as it is)."""
    person = state.participants[pid]
    if person.stopped:
        return Outcome(state, [])
    stopped, entries = own_audit(msgspec.structs.replace(person, stopped=True), now, "stop")
    new = bump(state, participants={**state.participants, pid: stopped})
    return Outcome(new, _assignments(new, now, {pid}), entries=entries)


def rejoin(state: EventState, pid: str, online: frozenset[str], now: int, actor: str) -> Outcome:
    """Undo "I have to leave" (the participant, or the host for them): paired again from the
    next round, or at once during a round if someone is free (as a late arrival)."""
    if state.clock.phase is Phase.ENDED:
        raise UserError("ended", "The event has ended.")
    person = state.participants.get(pid)
    if person is None:
        raise NotFound("unknown_participant", f"No participant {pid!r} in this event.")
    if not person.stopped:
        return Outcome(state, [])
    again = msgspec.structs.replace(person, stopped=False)
    if actor == pid:  # their own: a bounded part of the log
        again, entries = own_audit(again, now, "rejoin", pid)
    else:
        entries = [audit(now, actor, "rejoin", pid)]
    back = msgspec.structs.replace(state, participants={**state.participants, pid: again})
    seated, moved = rooms.seat_arrival(back, pid, online)
    new = bump(_stamp_new_rooms(back, seated, now))
    told = {pid} | moved | _left_behind(state, new)
    return Outcome(new, _assignments(new, now, told), {"paired": sorted(moved)}, entries)


def arrive(state: EventState, pid: str, online: frozenset[str], now: int) -> Outcome:
    """``pid`` came online: during a round, pair them at once with whoever is free
    (``rooms.seat_arrival``); else they wait, and the staff see them waiting. Run once per
    arrival; running it again changes nothing."""
    seated, moved = rooms.seat_arrival(state, pid, online)
    if seated is state:
        return Outcome(state, [])
    new = bump(_stamp_new_rooms(state, seated, now))
    told = moved | _left_behind(state, new)
    entries: list[Entry] = (
        [audit(now, "clock", "late_pair", ",".join(sorted(moved)))] if moved else []
    )
    result = {"paired": sorted(moved)} if moved else {}
    return Outcome(new, _assignments(new, now, told), result, entries)
