"""Who meets whom: each round solved for the people present, under the event's hard rules.

Method (the why is in docs/matching.md). A round is one maximum-weight matching, an assignment
problem in bipartite mode (scipy's ``linear_sum_assignment``) and a general matching otherwise
(rustworkx's blossom algorithm). Its integer weights are three tiers, each worth more than
everything below it could add up to:

1. seats: a person in a room earns ``1 + waits``. Sets of people a matching can seat form a
   matroid, so the best seating seats as many as possible and, for every ``k``, as many of those
   who waited ``k`` times or more as possible: nobody waits again while someone who could take
   their place has waited less.
2. the plan: each person's meetings for all the rounds left are chosen first (the wishes by a
   maximum-weight b-matching, each person in at most ``rounds_left``; in bipartite mode, plain
   meetings fill up the rest). A planned pair earns a bonus for each of its people whose plan has
   no slack left, so that (König) the rest of the plan still fits in the rounds after.
3. wishes: a wish met now is worth its points, mutual wishes most.

``plan_event`` plays ``pair_round`` forward round after round, exactly as the live event does,
so the preview and the rounds played agree when everyone comes.

Where the method changes with the event's size (sparse candidates, a joint plan) is set by
``MatchInput.limits`` (``Limits``; the defaults suit the server), and ``pair_round_traced``
and ``plan_event_traced`` say which methods each round took.
"""

from __future__ import annotations

import msgspec

from .rules import (
    MUTUAL_BONUS,
    WISH_POINTS,
    Limits,
    MatchInput,
    Pair,
    PlannedRoom,
    RoundPlan,
    Trace,
    allowed,
    met_pairs,
    reason,
    room_reason,
    value,
    wish_map,
)
from .solve import best_pairs, place_extras
from .tables import tables

__all__ = [
    "MUTUAL_BONUS",
    "WISH_POINTS",
    "Limits",
    "MatchInput",
    "Pair",
    "PlannedRoom",
    "RoundPlan",
    "Trace",
    "allowed",
    "met_pairs",
    "pair_round",
    "pair_round_traced",
    "plan_event",
    "plan_event_traced",
    "reason",
    "room_reason",
    "value",
    "wish_map",
]


def plan_event(inp: MatchInput, rounds: int) -> list[RoundPlan]:
    """Plan ``rounds`` rounds for the same people, carrying meetings and waits forward."""
    return [plan for plan, _ in plan_event_traced(inp, rounds)]


def plan_event_traced(inp: MatchInput, rounds: int) -> list[tuple[RoundPlan, Trace]]:
    """``plan_event``, each round with how it was solved (as ``pair_round_traced``)."""
    plans: list[tuple[RoundPlan, Trace]] = []
    met = set(inp.met)
    waits = dict(inp.waits)
    for done in range(rounds):
        step = msgspec.structs.replace(
            inp, met=frozenset(met), waits=dict(waits), rounds_left=rounds - done
        )
        plan, trace = pair_round_traced(step)
        plans.append((plan, trace))
        met |= met_pairs(room.members for room in plan.rooms)
        for p in plan.waiting:
            waits[p] = waits.get(p, 0) + 1
    return plans


def pair_round(inp: MatchInput) -> RoundPlan:
    """Seat the people present for one round: an optimal matching, then trios or waits."""
    return pair_round_traced(inp)[0]


def pair_round_traced(inp: MatchInput) -> tuple[RoundPlan, Trace]:
    """``pair_round``, and how it was solved: the methods ``inp.limits`` chose, and its worth."""
    t = tables(inp)
    if t.n == 0:
        return RoundPlan(rooms=(), waiting=()), Trace(matching="dense")
    pairs, trace = best_pairs(t, inp)
    rooms = [list(p) for p in pairs]
    seated = {i for p in pairs for i in p}
    rest = [i for i in range(t.n) if i not in seated]
    if inp.odd == "trio" and rest and rooms:
        for x, room in place_extras(t, rest, pairs):
            rooms[room].append(x)
            seated.add(x)
    planned = tuple(
        PlannedRoom(
            members=tuple(t.people[i] for i in members),
            reason=room_reason([t.people[i] for i in members], inp.wishes),
        )
        for members in rooms
    )
    waiting = tuple(t.people[i] for i in range(t.n) if i not in seated)
    return RoundPlan(rooms=planned, waiting=waiting), trace
