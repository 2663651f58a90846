"""The whole plan: the rounds played so far, then a pairing of the rounds left, with the wishes
each round meets (``GET /schedule``)."""

from __future__ import annotations

from collections.abc import Mapping
from itertools import permutations
from typing import Any

from .. import rooms
from . import matching
from .model import EventState, Phase


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
