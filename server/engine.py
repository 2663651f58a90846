"""The event's rules: apply one command to an event's state, get the new state and what to send."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, get_args

import msgspec

from . import clock as clk
from . import figures, links, logs, matching, meter, profiles, rooms
from .errors import NotFound, ProtocolError, UserError
from .model import (
    AuditEntry,
    Clock,
    Entry,
    EventState,
    Feedback,
    FollowUpReason,
    HelpClaimed,
    HelpReason,
    HelpRequest,
    HelpResolved,
    Notice,
    Participant,
    Phase,
    Room,
    RoundRecord,
    Settings,
    Staff,
    Visit,
    Wish,
    WishLevel,
    wish_key,
)

# Targets of a message: every participant, the staff (host and moderators), or one participant;
# LINKS: no client, the processes themselves (a revoked link's sockets are closed).
PARTICIPANTS = "participants"
STAFF = "staff"
LINKS = "links"

NOTICE_MS = 120_000  # how long a notice someone wrote stays on screen
STATUS_MS = 20_000  # how long a status note (a kind, no text) stays on screen
WISHED = ("mutual_wish", "wish")
FOLLOW_UP_REASONS: tuple[FollowUpReason, ...] = get_args(FollowUpReason)


def to_participant(pid: str) -> str:
    """The target naming one participant."""
    return f"p:{pid}"


class Message(msgspec.Struct, frozen=True):
    """One server→client event the transport must deliver."""

    to: str
    event: str
    data: dict[str, Any]


class Outcome(msgspec.Struct, frozen=True):
    """What a command produced: the new state (the same object when nothing decided changed),
    the messages to send, the ack's extra fields and the entries to append to the event's logs.
    """

    state: EventState
    messages: list[Message]
    result: dict[str, Any] = msgspec.field(default_factory=dict)
    entries: list[Entry] = msgspec.field(default_factory=list)


def clock_payload(state: EventState, now: int) -> dict[str, Any]:
    """The ``clock`` event: phase, round and deadline, with the state's sequence number."""
    c = state.clock
    return {
        "phase": c.phase.value,
        "round": c.round,
        "rounds": c.rounds,
        "ends_at": c.ends_at,
        "remaining_ms": clk.remaining(c, now),
        "paused": c.paused,
        "opened": c.opened,
        "seq": state.version,
        "server_ms": now,
    }


def person_payload(p: Participant) -> dict[str, Any]:
    """A participant as others may see them."""
    return {"id": p.id, "name": p.name, "organization": p.organization, "side": p.side}


def peer_payload(p: Participant) -> dict[str, Any]:
    """A person one meets (a room, the next-round card, the summary): with their profile."""
    return profiles.public(p)


def staff_payload(staff: Staff | None) -> dict[str, Any] | None:
    """A host or moderator page as others see it (pages render "Moderator 2", or the name)."""
    if staff is None:
        return None
    return {"id": staff.id, "role": staff.role, "number": staff.number, "name": staff.name}


def assignment_payload(
    state: EventState,
    pid: str,
    clock: dict[str, Any],
    rooms_by_person: Mapping[str, Room] | None = None,
) -> dict[str, Any]:
    """Where ``pid`` is this round: their room and peers (``room`` is ``None`` while waiting),
    with the ``clock`` as of this assignment.

    Give ``rooms_by_person`` (``state.rooms_by_person()``) when building many of them. The
    signaling roles and ICE servers are added on delivery (``server.signaling``). ``wait``
    says why someone in no room during a round waits, and whether a round follows.
    """
    room = state.room_of(pid) if rooms_by_person is None else rooms_by_person.get(pid)
    person = state.participants[pid]
    base: dict[str, Any] = {
        "round": state.clock.round,
        "seq": state.version,
        "clock": clock,
        "stopped": person.stopped,
    }
    if room is None:
        return {**base, "room": None, "peers": [], "reason": None, "wait": wait_payload(state, pid)}
    reason, peers = _met(state, pid, room.members, room.reason)
    record = state.current()
    visitors = record.visitors(room.id) if record is not None else []
    return {
        **base,
        "room": room.id,
        "peers": peers,
        "reason": reason,
        "wait": None,
        "moderators": [staff_payload(v) for v in visitors],
    }


def wait_payload(state: EventState, pid: str) -> dict[str, Any] | None:
    """Why ``pid``, in no room, waits during a round (``None`` outside rounds), as a code the
    page renders: ``late`` (came after the round was paired), ``sit_out`` (not everyone could
    be paired), ``stopped`` (asked not to be paired); ``next_round`` is ``None`` in the last."""
    record = state.current()
    if state.clock.phase is not Phase.ROUND or record is None:
        return None
    if state.participants[pid].stopped:
        code = "stopped"
    elif pid in record.late or pid not in record.waiting:
        code = "late"
    else:
        code = "sit_out"
    c = state.clock
    return {"code": code, "next_round": c.round + 1 if c.round < c.rounds else None}


def _met(
    state: EventState, pid: str, members: Iterable[str], reason: str
) -> tuple[str, list[dict[str, Any]]]:
    """``pid``'s peers in a room (each with the reason of that pair) and ``pid``'s own reason.

    In a room of two both are the room's. In a room of three made for a wish, each pair has
    its own: the third person was not wished for.
    """
    others = [m for m in members if m != pid]
    if len(others) < 2 or reason not in WISHED:
        return reason, [{**peer_payload(state.participants[m]), "reason": reason} for m in others]
    peers = []
    for m in others:
        ab = state.wishes.get(wish_key(pid, m))
        ba = state.wishes.get(wish_key(m, pid))
        wishes = {(w.source, w.target): w.level for w in (ab, ba) if w is not None}
        pair = matching.reason(pid, m, wishes)
        peers.append({**peer_payload(state.participants[m]), "reason": pair})
    mine = next((r for r in WISHED if any(p["reason"] == r for p in peers)), "fill")
    return mine, peers


def preview_payloads(state: EventState, plan: matching.RoundPlan) -> dict[str, dict[str, Any]]:
    """The ``next`` event of everyone in ``plan``: whom they will probably meet next round."""
    upcoming = state.clock.round + 1
    out: dict[str, dict[str, Any]] = {
        pid: {"round": upcoming, "peers": [], "reason": None} for pid in plan.waiting
    }
    for room in plan.rooms:
        for pid in room.members:
            reason, peers = _met(state, pid, room.members, room.reason)
            out[pid] = {"round": upcoming, "peers": peers, "reason": reason}
    return out


def summary_payload(
    state: EventState, rated: logs.Rated, pid: str, counters: figures.Counters | None = None
) -> dict[str, Any]:
    """The ``summary`` event of one person: every meeting with ratings and mutual follow-ups.

    ``rated`` is the event's ratings by ``(participant, room, peer)`` (``logs.ratings``);
    ``counters`` its connected-call time (``Store.connected``): a partner who never came is no
    meeting (``figures.took_place``).
    """
    met = [(r, room) for r in state.history for room in r.rooms if pid in room.members]
    return _summary(state, pid, met, rated, counters or {})


def summaries(
    state: EventState, entries: Iterable[Entry], counters: figures.Counters | None = None
) -> list[Message]:
    """Everyone's ``summary`` (sent when the event ends), from the event's feedback log.

    One pass over the rooms and one over the ratings, whatever the size of the event.
    """
    every = summaries_of(state, entries, counters, list(state.participants))
    return [Message(to_participant(pid), "summary", every[pid]) for pid in state.participants]


def summaries_of(
    state: EventState,
    entries: Iterable[Entry],
    counters: figures.Counters | None,
    pids: Iterable[str],
) -> dict[str, dict[str, Any]]:
    """The summaries of ``pids`` (``summary_payload`` each), in one pass over the rooms and one
    over the ratings."""
    rated = logs.ratings(entries)
    met: dict[str, list[tuple[RoundRecord, Room]]] = {}
    for record in state.history:
        for room in record.rooms:
            for m in room.members:
                met.setdefault(m, []).append((record, room))
    return {pid: _summary(state, pid, met.get(pid, []), rated, counters or {}) for pid in pids}


def _summary(
    state: EventState,
    pid: str,
    met: Iterable[tuple[RoundRecord, Room]],
    rated: logs.Rated,
    counters: figures.Counters,
) -> dict[str, Any]:
    """Every meeting of ``pid``: each peer with ``pid``'s rating of them and whether both want
    to follow up (per pair: in a room of three, each pair decides on its own)."""
    meetings = []
    for record, room in met:
        number = record.round
        peers = []
        for other in room.members:
            if other == pid:
                continue
            connected = meter.pair_ms(counters, room.id, pid, other, None)
            if not figures.took_place(record, pid, other, connected):
                continue
            mine = logs.rating_of(rated, pid, room.id, other)
            theirs = logs.rating_of(rated, other, room.id, pid)
            peer = peer_payload(state.participants[other])
            mutual = logs.mutual(mine, theirs)
            peer["mutual_follow_up"] = mutual
            if mutual:
                # their side of it only when both want to follow up: a wish of one person
                # alone reveals nothing to the other
                assert theirs is not None
                peer["email"] = state.participants[other].email
                peer["their_reasons"] = list(theirs.reasons)
            peer["rating"] = mine.rating if mine else None
            peer["follow_up"] = bool(mine and mine.follow_up)
            peer["reasons"] = list(mine.reasons) if mine else []
            peer["note"] = mine.note if mine else ""
            peers.append(peer)
        if not peers:
            continue  # nobody came
        # kept for rooms of two: the meeting's rating is the one of its only peer
        only = peers[0] if len(peers) == 1 else None
        meetings.append(
            {
                "round": number,
                "room": room.id,
                "peers": peers,
                "rating": only["rating"] if only else None,
                "follow_up": only["follow_up"] if only else any(p["follow_up"] for p in peers),
            }
        )
    return {"meetings": meetings, "seq": state.version}


def _bump(state: EventState, **changes: Any) -> EventState:
    return msgspec.structs.replace(state, version=state.version + 1, **changes)


def _audit(now: int, actor: str, action: str, detail: str = "") -> AuditEntry:
    return AuditEntry(at=now, actor=actor, action=action, detail=detail)


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
    new = _bump(state, clock=after)
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
    entry = _audit(now, actor, command.value, detail)
    return Outcome(new, messages, {"clock": clock}, [entry])


def status_notice(
    kind: str, now: int, sender: str, params: dict[str, Any] | None = None
) -> dict[str, Any]:
    """A ``notice`` the server words: a ``kind`` and its ``params``, which the page renders in
    its language, shown until ``expires_at``."""
    data: dict[str, Any] = {"text": "", "at": now, "from": sender, "kind": kind}
    if params is not None:
        data["params"] = params
    data["expires_at"] = now + STATUS_MS
    return data


def notice(state: EventState, text: str, now: int, actor: str) -> Outcome:
    """Broadcast a notice from the host to everyone."""
    text = text.strip()
    if not text:
        raise ProtocolError("bad_payload", "A notice needs some text.")
    data = {"text": text, "at": now, "from": actor, "expires_at": now + NOTICE_MS}
    return Outcome(
        state,
        [Message(PARTICIPANTS, "notice", data), Message(STAFF, "notice", data)],
        entries=[Notice(text=text, at=now, actor=actor), _audit(now, actor, "notice", text)],
    )


def move(state: EventState, pid: str, room_id: str | None, now: int, actor: str) -> Outcome:
    """Put one participant in a room by hand (or in the waiting list)."""
    moved, affected = rooms.move(state, pid, room_id)
    new = _bump(moved)
    entry = _audit(now, actor, "move", f"{pid} -> {room_id}")
    return Outcome(new, _assignments(new, now, affected), {"affected": sorted(affected)}, [entry])


def repair(state: EventState, online: frozenset[str], now: int, actor: str) -> Outcome:
    """Pair this round's orphans together."""
    repaired, moved = rooms.repair(state, online)
    new = _bump(_stamp_new_rooms(state, repaired, now))
    entry = _audit(now, actor, "repair", ",".join(sorted(moved)))
    told = moved | _left_behind(state, new)
    return Outcome(new, _assignments(new, now, told), {"paired": sorted(moved)}, [entry])


def _left_behind(before: EventState, after: EventState) -> set[str]:
    """Who waits now and did not before (their partner was paired with someone else)."""
    old, new = before.current(), after.current()
    return set(new.waiting) - set(old.waiting) if old and new else set()


def check_no_shows(state: EventState, online: frozenset[str], now: int) -> Outcome:
    """After the grace period: pair the people whose partner never came; tell the rest."""
    record = state.current()
    if state.clock.phase is not Phase.ROUND or record is None or record.no_shows_checked:
        raise UserError("not_due", "No round is waiting for its no-show check.")
    lonely = rooms.orphans(state, online)
    paired, moved = rooms.pair_orphans(state, lonely)
    repaired = _stamp_new_rooms(state, paired, now)
    current = repaired.current()
    assert current is not None
    # "your partner has not arrived" is for who sits in a room alone, not for who waits; an
    # arrival is paired with them at once (rooms.seat_arrival)
    in_rooms = {m for room in current.rooms for m in room.members}
    alone = sorted(p for p in set(lonely) - moved if p in in_rooms)
    # who was paired for this round and is not here: the no-shows of the results
    absent = tuple(sorted({m for members in record.planned for m in members} - online))
    checked = msgspec.structs.replace(
        current, no_shows_checked=True, alone=tuple(alone), absent=absent
    )
    new = _bump(repaired, history=(*repaired.history[:-1], checked))
    notice = status_notice("no_partner", now, "host")
    messages = _assignments(new, now, moved | _left_behind(state, new))
    messages += [Message(to_participant(pid), "notice", notice) for pid in alone]
    entry = _audit(now, "clock", "no_show_check", ",".join(sorted(moved)))
    return Outcome(new, messages, {"paired": sorted(moved), "alone": alone}, [entry])


def stop(state: EventState, pid: str, now: int) -> Outcome:
    """A participant asks not to be paired again (their current meeting is left as it is)."""
    person = state.participants[pid]
    if person.stopped:
        return Outcome(state, [])
    people = {**state.participants, pid: msgspec.structs.replace(person, stopped=True)}
    new = _bump(state, participants=people)
    return Outcome(new, _assignments(new, now, {pid}), entries=[_audit(now, pid, "stop")])


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
    people = {**state.participants, pid: msgspec.structs.replace(person, stopped=False)}
    back = msgspec.structs.replace(state, participants=people)
    seated, moved = rooms.seat_arrival(back, pid, online)
    new = _bump(_stamp_new_rooms(back, seated, now))
    told = {pid} | moved | _left_behind(state, new)
    entry = _audit(now, actor, "rejoin", pid)
    return Outcome(new, _assignments(new, now, told), {"paired": sorted(moved)}, [entry])


def arrive(state: EventState, pid: str, online: frozenset[str], now: int) -> Outcome:
    """``pid`` came online: during a round, pair them at once with whoever is free
    (``rooms.seat_arrival``); else they wait, and the staff see them waiting. Run once per
    arrival; running it again changes nothing."""
    seated, moved = rooms.seat_arrival(state, pid, online)
    if seated is state:
        return Outcome(state, [])
    new = _bump(_stamp_new_rooms(state, seated, now))
    told = moved | _left_behind(state, new)
    entries: list[Entry] = (
        [_audit(now, "clock", "late_pair", ",".join(sorted(moved)))] if moved else []
    )
    result = {"paired": sorted(moved)} if moved else {}
    return Outcome(new, _assignments(new, now, told), result, entries)


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
            _audit(now, by.role, "claim_help", pid),
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
            _audit(now, actor, "resolve_help", pid),
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
            _audit(now, "end", "close_help", ",".join(pending)),
        ],
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
        room = next((r for r in _current_rooms(state) if r.id == room_id), None)
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
            _audit(now, by.role, kind, target),
        ],
    )


def _current_rooms(state: EventState) -> tuple[Room, ...]:
    record = state.current()
    if record is None or state.clock.phase is not Phase.ROUND:
        return ()
    return record.rooms


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
    return Outcome(new, messages, result, [_audit(now, by.role, "join_room", room_id)])


def leave_room(state: EventState, staff_id: str, now: int) -> Outcome:
    """A moderator leaves the room's call they joined (nothing happens if they are in none)."""
    record = state.current()
    visit = next((v for v in record.visits if v.staff.id == staff_id), None) if record else None
    if record is None or visit is None:
        return Outcome(state, [], {"room": None})
    new = _with_visits(state, tuple(v for v in record.visits if v.staff.id != staff_id))
    messages = _visit_messages(state, visit.room, staff_payload(visit.staff), joined=False)
    entry = _audit(now, visit.staff.role, "leave_room", visit.room)
    return Outcome(new, messages, {"room": visit.room}, [entry])


def _with_visits(state: EventState, visits: tuple[Visit, ...]) -> EventState:
    record = state.current()
    assert record is not None
    fresh = msgspec.structs.replace(record, visits=visits)
    return _bump(state, history=(*state.history[:-1], fresh))


def _visit_messages(
    state: EventState, room_id: str, staff: dict[str, Any] | None, joined: bool
) -> list[Message]:
    """The ``moderator`` event to each member of a room (the polite role is added on delivery)."""
    room = next((r for r in _current_rooms(state) if r.id == room_id), None)
    data = {"room": room_id, "joined": joined, "staff": staff}
    return [Message(to_participant(m), "moderator", data) for m in room.members] if room else []


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


def reissue_link(state: EventState, who: str, new_hash: str, now: int, actor: str) -> Outcome:
    """Give ``who`` (a participant id, ``host``, ``moderator`` or ``registration``) a new link:
    the old one opens nothing from now on and its open pages are closed."""
    if who in links.STAFF_LINKS:
        field = f"{who}_token_hash"
        old: str = getattr(state, field)
        new = _bump(state, **{field: new_hash})
    else:
        person = state.participants.get(who)
        if person is None:
            raise NotFound("unknown_participant", f"No participant {who!r} in this event.")
        old = person.token_hash
        people = {**state.participants, who: msgspec.structs.replace(person, token_hash=new_hash)}
        new = _bump(state, participants=people)
    messages = [Message(LINKS, "revoked", {"token_hash": old})] if old else []
    return Outcome(new, messages, {"who": who}, [_audit(now, actor, "reissue_link", who)])


def add_participants(state: EventState, people: list[Participant]) -> EventState:
    """Register people; ids must be new."""
    known = dict(state.participants)
    for p in people:
        if p.id in known:
            raise UserError("duplicate", f"Participant id {p.id!r} already exists.")
        known[p.id] = p
    return _bump(state, participants=known)


def add_wishes(state: EventState, wishes: list[Wish]) -> EventState:
    """Record checked wishes; a later wish between the same two people replaces the earlier one."""
    fresh = {wish_key(w.source, w.target): w for w in wishes}
    return _bump(state, wishes={**state.wishes, **fresh})


def set_wish(state: EventState, pid: str, target: str, level: WishLevel | None) -> Outcome:
    """A participant sets (or, with ``None``, clears) their own wish about someone."""
    if state.clock.phase is Phase.ENDED:
        raise UserError("ended", "The event has ended.")
    other = state.participants.get(target)
    if other is None or target == pid:
        raise UserError(
            "unknown_participant", f"No other participant {target!r} in this event.", id=target
        )
    if not profiles.may_browse(state, pid):
        raise UserError(
            "directory_closed",
            "The organiser does not open the directory to you: whom you meet is left to the "
            "matching.",
            why=state.settings.directory,
        )
    m = state.settings.matching
    me = state.participants[pid]
    if level in ("must", "like") and m.mode == "bipartite" and other.side == me.side:
        raise UserError(
            "same_side",
            f"{other.name} is on your side ({me.side}); you meet the other side.",
            other=other.name,
            side=me.side,
        )
    kept = dict(state.wishes)
    key = wish_key(pid, target)
    if level is None:
        kept.pop(key, None)
    else:
        kept[key] = Wish(source=pid, target=target, level=level)
    new = _bump(state, wishes=kept)
    return Outcome(new, [], {"wishes": own_wishes(new, pid)})


def own_wishes(state: EventState, pid: str) -> list[dict[str, str]]:
    """The wishes a participant made."""
    return [{"to": w.target, "level": w.level} for w in state.wishes.values() if w.source == pid]


def wish_candidates(state: EventState, pid: str) -> list[dict[str, Any]]:
    """Whom a participant may express wishes about (the other side, in bipartite mode); nobody
    when the directory is not open to them (``profiles.may_browse``)."""
    if not profiles.may_browse(state, pid):
        return []
    me = state.participants[pid]
    bipartite = state.settings.matching.mode == "bipartite"
    return [
        person_payload(p)
        for p in state.participants.values()
        if p.id != pid and not p.stopped and (not bipartite or p.side != me.side)
    ]


def squash(state: EventState, base_version: int) -> EventState:
    """Count several changes made in one go as a single new version."""
    return msgspec.structs.replace(state, version=base_version + 1)
