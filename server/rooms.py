"""Rooms of a round: built from a plan, people moved, orphans re-paired, arrivals seated."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

import msgspec

from .core import matching
from .core.model import EventState, Phase, Room, RoundRecord
from .core.relevance import event as relevance
from .errors import NotFound, UserError

MAX_ROOM = 3


def match_input(
    state: EventState, present: Iterable[str], rounds_left: int = 1
) -> matching.MatchInput:
    """The matcher's view of ``state`` for the people in ``present``.

    ``rounds_left`` counts the round being paired and those after it, so that the matcher keeps
    the rest of the event's plan possible.
    """
    active = [
        pid for pid in present if (p := state.participants.get(pid)) is not None and not p.stopped
    ]
    waits: dict[str, int] = {}
    for record in state.history:
        for pid in record.waiting:
            waits[pid] = waits.get(pid, 0) + 1
    m = state.settings.matching
    return matching.MatchInput(
        present=tuple(sorted(active)),
        sides={pid: p.side for pid, p in state.participants.items()},
        mode=m.mode,
        odd=m.odd,
        met=frozenset(
            matching.met_pairs(room.members for record in state.history for room in record.rooms)
        ),
        wishes=matching.wish_map(state.wishes.values()),
        waits=waits,
        rounds_left=max(rounds_left, 1),
        relevance=state.settings.relevance,
        profiles=relevance.profiles_of(state) if state.settings.relevance else {},
        synonyms=state.settings.synonyms,
    )


def plan_key(state: EventState, present: Iterable[str]) -> str:
    """What the pairing of the next round depends on: the record's version and who takes part.

    A plan made for one key (by the board, for the next-partner cards) serves the round that
    starts with the same key.
    """
    active = sorted(p for p in present if (x := state.participants.get(p)) and not x.stopped)
    digest = hashlib.sha256("\n".join(active).encode()).hexdigest()[:24]
    return f"{state.version}:{digest}"


def build_round(
    number: int, plan: matching.RoundPlan, now: int, first_index: int = 1
) -> RoundRecord:
    """Turn a plan into the round's rooms, with ids ``r<round>-<n>``."""
    rooms = tuple(
        Room(
            id=f"r{number}-{first_index + i}",
            round=number,
            members=p.members,
            reason=p.reason,
        )
        for i, p in enumerate(plan.rooms)
    )
    return RoundRecord(
        round=number,
        started_at=now,
        rooms=rooms,
        waiting=plan.waiting,
        rooms_made=first_index - 1 + len(rooms),
        planned=tuple(p.members for p in plan.rooms),
    )


def _replace_current(state: EventState, record: RoundRecord) -> EventState:
    return msgspec.structs.replace(state, history=(*state.history[:-1], record))


def move(
    state: EventState, pid: str, room_id: str | None, trio: bool = False
) -> tuple[EventState, set[str]]:
    """Place ``pid`` in ``room_id`` (``None``: waiting); return the new state and who changed.

    ``trio``: the host agrees to a room of three in which ``pid`` meets someone of their own
    side (two-sided events), as the matcher makes when the organiser allows trios."""
    record = state.current()
    if state.clock.phase is not Phase.ROUND or record is None:
        raise UserError(
            "bad_phase", "People can only be moved while a round is running.", why="move"
        )
    person = state.participants.get(pid)
    if person is None:
        raise NotFound("unknown_participant", f"No participant {pid!r} in this event.")
    if person.stopped:
        raise UserError("stopped", f"{person.name} asked to stop meeting people.", name=person.name)
    source = next((r for r in record.rooms if pid in r.members), None)
    if source is not None and source.id == room_id:
        raise UserError(
            "same_room",
            f"{person.name} is already in room {room_id}.",
            name=person.name,
            room=room_id,
        )
    target = None
    if room_id is not None:
        target = next((r for r in record.rooms if r.id == room_id), None)
        if target is None:
            raise NotFound("unknown_room", f"No room {room_id!r} in round {record.round}.")
        _check_join(state, pid, target, trio)
    affected = {pid}
    rooms: list[Room] = []
    for room in record.rooms:
        if source is not None and room.id == source.id:
            affected.update(room.members)
            room = msgspec.structs.replace(room, members=tuple(m for m in room.members if m != pid))
        if target is not None and room.id == target.id:
            affected.update(room.members)
            room = msgspec.structs.replace(room, members=(*room.members, pid), reason="moved")
        rooms.append(room)
    waiting = tuple(w for w in record.waiting if w != pid)
    if target is None:
        waiting = (*waiting, pid)
    late = tuple(w for w in record.late if w != pid)  # the host decided: not late any more
    new = msgspec.structs.replace(record, rooms=tuple(rooms), waiting=waiting, late=late)
    return _replace_current(state, new), affected


def _check_join(state: EventState, pid: str, target: Room, trio: bool = False) -> None:
    person = state.participants[pid]
    sides = {state.participants[m].side for m in target.members}
    # a room of three the host agreed to: one of the pair is of the other side
    mixed_trio = trio and len(target.members) == 2 and bool(sides - {person.side})
    if len(target.members) >= MAX_ROOM:
        raise UserError(
            "room_full",
            f"Room {target.id} already has {MAX_ROOM} people.",
            room=target.id,
            limit=MAX_ROOM,
        )
    inp = match_input(state, ())
    for other in target.members:
        name = state.participants[other].name
        if frozenset((pid, other)) in inp.met:
            raise UserError(
                "repeat", f"{person.name} has already met {name}.", name=person.name, other=name
            )
        if "no" in (inp.wishes.get((pid, other)), inp.wishes.get((other, pid))):
            raise UserError(
                "declined",
                f"{person.name} and {name} asked not to meet.",
                name=person.name,
                other=name,
            )
        if (
            inp.mode == "bipartite"
            and state.participants[other].side == person.side
            and not mixed_trio
        ):
            raise UserError(
                "same_side",
                f"{person.name} and {name} are both on side {person.side!r}.",
                name=person.name,
                other=name,
                side=person.side,
                why="move",
            )


def orphans(state: EventState, online: frozenset[str], alone: bool = True) -> list[str]:
    """People online this round with nobody online to meet.

    They wait, sit alone in their room (unless ``alone`` is false: at the start of a round a
    partner may still be coming), or arrived after the round was paired.
    """
    record = state.current()
    if record is None:
        return []
    placed = {m for room in record.rooms for m in room.members}
    out = [p for p in record.waiting if p in online]
    for room in record.rooms:
        here = [m for m in room.members if m in online]
        if alone and len(here) == 1:
            out.append(here[0])
    out += sorted(p for p in online if p not in placed and p not in record.waiting)
    return [p for p in out if p in state.participants and not state.participants[p].stopped]


def seat_arrival(
    state: EventState, pid: str, online: frozenset[str]
) -> tuple[EventState, set[str]]:
    """``pid`` just came online (or back): during a round, pair them at once with whoever is
    free (``free``), under every rule.

    Whoever finds nobody waits (and counts as having come late). Someone in a room stays
    there, unless the no-show check left them alone in it and they still are: a partner who
    is away may be reconnecting (a reload, a server restarting), and calls are not broken up
    for that; the host's repair pairs those left alone later in a round.
    Returns the new state (the same object when nothing changed) and who got a new room.
    """
    record = state.current()
    person = state.participants.get(pid)
    if state.clock.phase is not Phase.ROUND or record is None or person is None:
        return state, set()
    if person.stopped or pid not in online:
        return state, set()
    room = next((r for r in record.rooms if pid in r.members), None)
    if room is not None and (
        pid not in record.alone or any(m != pid and m in online for m in room.members)
    ):
        return state, set()
    marked = state
    if room is None and pid not in record.waiting:
        late = msgspec.structs.replace(
            record, waiting=(*record.waiting, pid), late=(*record.late, pid)
        )
        marked = _replace_current(state, late)
    return pair_orphans(marked, free(marked, online))


def may_seat(state: EventState, pid: str) -> bool:
    """Whether ``seat_arrival`` could do anything for ``pid`` whatever who else is online: a
    round is on and they are in no room, or were left alone by the no-show check (a cheap test
    first, so that a storm of reconnects does not run a command each)."""
    record = state.current()
    person = state.participants.get(pid)
    if state.clock.phase is not Phase.ROUND or record is None or person is None:
        return False
    if person.stopped:
        return False
    return pid in record.alone or all(pid not in room.members for room in record.rooms)


def free(state: EventState, online: frozenset[str]) -> list[str]:
    """Who may be paired at once this round: online, in no room (waiting, or arrived after the
    round was paired), or left alone in their room by the no-show check and still alone."""
    record = state.current()
    if record is None:
        return []
    out = orphans(state, online, alone=False)
    for room in record.rooms:
        here = [m for m in room.members if m in online]
        if len(here) == 1 and here[0] in record.alone and not state.participants[here[0]].stopped:
            out.append(here[0])
    return out


def repair(state: EventState, online: frozenset[str]) -> tuple[EventState, set[str]]:
    """Pair this round's orphans with each other; return the new state and who got a new room."""
    return pair_orphans(state, orphans(state, online))


def pair_orphans(state: EventState, lonely: list[str]) -> tuple[EventState, set[str]]:
    """Pair ``lonely`` (this round's orphans, see ``orphans``) with each other, in new rooms."""
    record = state.current()
    if state.clock.phase is not Phase.ROUND or record is None:
        raise UserError("bad_phase", "Re-pairing happens during a round.", why="repair")
    if not lonely:
        return state, set()
    left = state.settings.rounds - record.round + 1
    plan = matching.pair_round(match_input(state, lonely, left))
    if not plan.rooms:
        return state, set()
    moved = {p for room in plan.rooms for p in room.members}
    # A room the moved leave keeps its other members if they are still a meeting; one left
    # behind (absent: else they were moved too) waits, and is paired again by a repair.
    kept: list[Room] = []
    left_behind: list[str] = []
    for room in record.rooms:
        members = tuple(m for m in room.members if m not in moved)
        if len(members) == len(room.members):
            kept.append(room)
        elif len(members) >= 2:
            kept.append(msgspec.structs.replace(room, members=members))
        else:
            left_behind += members
    fresh = build_round(record.round, plan, record.started_at, first_index=_next_index(record))
    rooms = tuple(msgspec.structs.replace(r, reason="repaired") for r in fresh.rooms)
    new = msgspec.structs.replace(
        record,
        rooms=(*kept, *rooms),
        waiting=(*(w for w in record.waiting if w not in moved), *left_behind),
        rooms_made=fresh.rooms_made,
        # who was away when their partner got another: they come back to a round paired
        late=(*(w for w in record.late if w not in moved), *left_behind),
        alone=tuple(w for w in record.alone if w not in moved),
    )
    return _replace_current(state, new), moved


def _next_index(record: RoundRecord) -> int:
    # Rooms left empty are dropped: continue after every id handed out this round (a rating
    # names its room by id). Records written before ``rooms_made`` count their highest id.
    highest = max((int(room.id.rsplit("-", 1)[1]) for room in record.rooms), default=0)
    return 1 + max(record.rooms_made, highest)
