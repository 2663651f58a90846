"""What the host and moderators see: the event at a glance, built from state and presence."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import permutations
from typing import Any

import msgspec

from . import engine, matching, rooms
from .model import EventState, HelpRequest, LinkStats, Phase
from .rooms import DEFAULT_RULES, MediaRules


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
    }


def board_payload(
    state: EventState,
    online: frozenset[str],
    stats: Mapping[str, LinkStats],
    helped: Sequence[HelpRequest],
    now: int | None = None,
    rules: MediaRules = DEFAULT_RULES,
) -> dict[str, Any]:
    """The ``rooms`` update: rooms with flags, who waits, open help requests, the roster.

    ``helped`` is the open help requests (``logs.open_help`` of the help log); ``rules`` say
    when missing media flags a room.
    """
    asking = [h.participant for h in helped]
    record = state.current()
    room_of: dict[str, str] = {}
    if record is not None and state.clock.phase.value == "round":
        room_of = {m: room.id for room in record.rooms for m in room.members}
    waiting_ids = waiting(state, online)
    board = msgspec.to_builtins(rooms.board(state, online, stats, asking, now, rules))
    if board and record is not None:
        for room in board:  # the moderators in the room's call
            room["moderators"] = [engine.staff_payload(v) for v in record.visitors(room["id"])]
    return {
        "rooms": board,
        "waiting": [
            {"id": pid, "name": state.participants[pid].name, "online": pid in online}
            for pid in waiting_ids
        ],
        "help": [engine.help_payload(state, h) for h in helped],
        "participants": [
            {
                **engine.person_payload(p),
                "online": p.id in online,
                "room": room_of.get(p.id),
                "stopped": p.stopped,
            }
            for p in state.participants.values()
        ],
        "seq": state.version,
    }


def waiting(state: EventState, online: frozenset[str]) -> list[str]:
    """Who waits this round: the waiting list, then anyone online in no room (someone who
    just arrived, before their arrival is decided), except who asked not to be paired."""
    record = state.current()
    if record is None or state.clock.phase is not Phase.ROUND:
        return []
    placed = {m for room in record.rooms for m in room.members}
    listed = set(record.waiting)
    here = sorted(
        p
        for p in online
        if p not in placed
        and p not in listed
        and (x := state.participants.get(p)) is not None
        and not x.stopped
    )
    return [*record.waiting, *here]


def schedule_payload(
    plans: list[Any], first_round: int, wishes: Mapping[tuple[str, str], str]
) -> dict[str, Any]:
    """``GET /schedule``: the rooms of each round, planned or played, and the wishes they meet.

    A wish counts once per person who made it (``must`` or ``like``); ``wishes`` totals every
    such wish of the event, whether or not the plan can meet it.
    """
    wanted = {pair for pair, level in wishes.items() if level in ("must", "like")}
    rounds = []
    met_total = 0
    for i, plan in enumerate(plans):
        pairs = [pair for room in plan.rooms for pair in permutations(room.members, 2)]
        met = sum(pair in wanted for pair in pairs)
        mutual = sum(a < b and (a, b) in wanted and (b, a) in wanted for a, b in pairs)
        met_total += met
        rounds.append(
            {
                "round": first_round + i,
                "rooms": [{"members": list(r.members), "reason": r.reason} for r in plan.rooms],
                "waiting": list(plan.waiting),
                "wishes_met": met,
                "mutual_met": mutual,
            }
        )
    return {"rounds": rounds, "wishes": len(wanted), "wishes_met": met_total}


def schedule(state: EventState, online: frozenset[str]) -> dict[str, Any]:
    """``GET /schedule``: the rounds played so far, then a plan of the rest — for everyone
    registered before the start, for the people online after it. Seconds for a big event:
    run it off the event loop."""
    played = [
        matching.RoundPlan(
            rooms=tuple(matching.PlannedRoom(members=r.members, reason=r.reason) for r in h.rooms),
            waiting=h.waiting,
        )
        for h in state.history
    ]
    if state.clock.phase is Phase.LOBBY:
        present = [p.id for p in state.participants.values() if not p.stopped]
    else:
        present = list(online)
    left = 0 if state.clock.phase is Phase.ENDED else state.settings.rounds - len(played)
    plans = matching.plan_event(rooms.match_input(state, present), max(left, 0))
    out = schedule_payload([*played, *plans], 1, matching.wish_map(state.wishes.values()))
    for i, r in enumerate(out["rounds"]):
        r["played"] = i < len(played)
    return out
