"""Matching limits: the methods meant for large events, reached on small ones through the input.

``MatchInput.limits`` sets where the matcher changes method; ``pair_round_traced`` says which
methods ran. Each test lowers a limit, checks that the method behind it was taken, and checks its
answer against the dense one (every allowed pair, the method of small events).
"""

from __future__ import annotations

import random
from collections import Counter

import msgspec
import pytest

from server.core import matching
from server.core.matching import Limits, MatchInput, RoundPlan, Trace
from server.core.model import MatchingMode, OddPolicy, WishLevel
from tests.core.states import side_of
from tests.core.test_matching_properties import check_rules, fairness_key


def event(
    people: list[str],
    *,
    wishes: dict[tuple[str, str], WishLevel] | None = None,
    met: list[tuple[str, str]] = (),  # type: ignore[assignment]
    mode: MatchingMode = "open",
    odd: OddPolicy = "wait",
    rounds_left: int = 1,
) -> MatchInput:
    """Everyone present, with the default limits (sides: ``c…`` and ``s…``, as in bipartite mode)."""
    return MatchInput(
        present=tuple(people),
        sides={p: side_of(p) for p in people},
        mode=mode,
        odd=odd,
        met=frozenset(frozenset(pair) for pair in met),
        wishes=wishes or {},
        rounds_left=rounds_left,
    )


def solve(inp: MatchInput, limits: Limits) -> tuple[RoundPlan, Trace]:
    """The round under ``limits``, checked against the hard rules."""
    plan, trace = matching.pair_round_traced(msgspec.structs.replace(inp, limits=limits))
    check_rules(inp, plan)
    return plan, trace


def test_the_defaults_are_the_servers_and_callers_need_not_give_them() -> None:
    assert Limits() == Limits(
        dense_up_to=300, fill_candidates=24, joint_plan_up_to=400, plan_node_limit=2000
    )
    assert MatchInput(present=("a",), sides={}).limits == Limits()  # as server/rooms.py builds it


@pytest.mark.parametrize(
    "given",
    [
        {"dense_up_to": -1},
        {"fill_candidates": -1},
        {"joint_plan_up_to": -1},
        {"plan_node_limit": 0},
    ],
)
def test_limits_refuse_nonsense(given: dict[str, int]) -> None:
    with pytest.raises(ValueError, match=r"limits|node"):
        Limits(**given)


@pytest.mark.parametrize(("dense_up_to", "method"), [(4, "dense"), (3, "sparse"), (0, "sparse")])
def test_dense_up_to_is_the_largest_event_solved_on_every_pair(
    dense_up_to: int, method: str
) -> None:
    """Four people, each wishing the next: up to ``dense_up_to`` people, every pair at once."""
    people = ["a", "b", "c", "d"]
    inp = event(people, wishes={("a", "b"): "like", ("c", "d"): "must", ("b", "c"): "like"})
    dense, dense_trace = matching.pair_round_traced(inp)
    plan, trace = solve(inp, Limits(dense_up_to=dense_up_to))
    assert trace.matching == method and dense_trace.matching == "dense"
    assert trace.weight == dense_trace.weight and plan == dense


def test_wished_pairs_that_seat_everyone_are_proven_at_once() -> None:
    """No fill candidates at all: the wished pairs seat everyone, which proves them optimal."""
    wishes: dict[tuple[str, str], WishLevel] = {("a", "b"): "like", ("d", "c"): "must"}
    inp = event(["a", "b", "c", "d"], wishes=wishes)
    plan, trace = solve(inp, Limits(dense_up_to=0, fill_candidates=0))
    assert (trace.matching, trace.sparse_tries) == ("sparse", 1)
    assert plan == matching.pair_round(inp)


def test_without_a_proof_the_round_falls_back_to_every_pair() -> None:
    """No wishes, no candidates: the sparse tries seat nobody, so every pair is matched."""
    inp = event(["a", "b", "c", "d", "e"])
    dense, dense_trace = matching.pair_round_traced(inp)
    plan, trace = solve(inp, Limits(dense_up_to=0, fill_candidates=0))
    assert (trace.matching, trace.sparse_tries) == ("fallback", 2)
    assert trace.weight == dense_trace.weight and plan == dense and len(plan.waiting) == 1


def test_when_nobody_can_seat_everyone_the_round_falls_back_too() -> None:
    """c and d have met everyone present: no proof can exist, and the answer is the dense one."""
    met = [("c", "a"), ("c", "b"), ("c", "d"), ("d", "a"), ("d", "b")]
    inp = event(["a", "b", "c", "d"], met=met)
    plan, trace = solve(inp, Limits(dense_up_to=0))
    assert trace.matching == "fallback"
    assert plan.waiting == ("c", "d") and plan == matching.pair_round(inp)


def seeded_events(count: int) -> list[MatchInput]:
    """Small open events with wishes, "no"s, met pairs and waits, the same on every run."""
    out: list[MatchInput] = []
    levels: list[WishLevel] = ["like", "like", "must", "no"]
    for seed in range(count):
        rnd = random.Random(seed)
        people = [f"p{i}" for i in range(rnd.randint(4, 8))]
        pairs = [(a, b) for a in people for b in people if a != b]
        out.append(
            MatchInput(
                present=tuple(people),
                sides={},
                odd=rnd.choice(["wait", "trio"]),
                met=frozenset(frozenset(p) for p in pairs if p[0] < p[1] and rnd.random() < 0.3),
                wishes={p: rnd.choice(levels) for p in pairs if rnd.random() < 0.25},
                waits={p: rnd.randint(0, 2) for p in people if rnd.random() < 0.3},
                rounds_left=rnd.randint(1, 3),
                limits=Limits(dense_up_to=0, fill_candidates=seed % 4),
            )
        )
    return out


def test_every_sparse_route_is_taken_and_finds_the_dense_optimum() -> None:
    """Over 200 small events: proofs on the first and the second try, and fallbacks; each round
    has the dense round's total weight (seats, plan and wish points, the three tiers)."""
    routes: Counter[tuple[str, int]] = Counter()
    for inp in seeded_events(200):
        plan, trace = matching.pair_round_traced(inp)
        dense, dense_trace = matching.pair_round_traced(
            msgspec.structs.replace(inp, limits=Limits())
        )
        check_rules(inp, plan)
        routes[trace.matching, trace.sparse_tries] += 1
        assert trace.weight == dense_trace.weight
        ours, theirs = ([r.members[:2] for r in p.rooms] for p in (plan, dense))
        assert fairness_key(ours, inp) == fairness_key(theirs, inp)
    assert set(routes) == {("sparse", 1), ("sparse", 2), ("fallback", 2)}, routes


# --- the bipartite plan: its fill of plain meetings, and the joint plan ---------------------

ONE_TO_TWO = event(
    ["c1", "s1", "s2"], mode="bipartite", rounds_left=2
)  # c1 meets both, one a round


@pytest.mark.parametrize(
    ("limits", "fill"),
    [
        (Limits(), "dense"),
        (Limits(dense_up_to=2, fill_candidates=1), "sparse"),  # every pair is a candidate here
        (Limits(dense_up_to=2, fill_candidates=0), "fallback"),  # no candidate: every pair
    ],
)
def test_the_plans_fill_runs_on_candidates_above_dense_up_to(limits: Limits, fill: str) -> None:
    plan, trace = solve(ONE_TO_TWO, limits)
    assert (trace.matching, trace.fill, trace.joint_plan) == ("assignment", fill, False)
    dense, dense_trace = matching.pair_round_traced(ONE_TO_TWO)
    assert plan == dense and trace.weight == dense_trace.weight
    rounds = matching.plan_event_traced(msgspec.structs.replace(ONE_TO_TWO, limits=limits), 2)
    assert [t.fill for _, t in rounds] == [fill, "none"]  # the last round plans nothing
    assert Counter(w for p, _ in rounds for w in p.waiting) == {"s1": 1, "s2": 1}


# Two rounds, six people. Planning c0-s1 (a "must") first leaves a plan that cannot seat everyone
# twice; the joint plan seats everyone both times, which comes first, and gives the wish up.
SHORT_FILL = MatchInput(
    present=("c0", "c1", "c2", "s0", "s1", "s2"),
    sides={p: side_of(p) for p in ("c0", "c1", "c2", "s0", "s1", "s2")},
    mode="bipartite",
    odd="wait",
    met=frozenset({frozenset({"c1", "s0"}), frozenset({"c2", "s2"})}),
    wishes={("c0", "s1"): "must"},
)


def test_a_short_fill_is_redone_as_one_plan_up_to_joint_plan_up_to() -> None:
    joint = matching.plan_event_traced(SHORT_FILL, 2)
    assert [t.joint_plan for _, t in joint] == [True, False]  # the last round plans nothing
    assert joint[0][1].fill == "dense"  # the fill ran first, and fell short
    assert not any(plan.waiting for plan, _ in joint)
    beyond = msgspec.structs.replace(SHORT_FILL, limits=Limits(joint_plan_up_to=5))
    alone = matching.plan_event_traced(beyond, 2)
    assert not any(t.joint_plan for _, t in alone)
    assert sum(len(plan.waiting) for plan, _ in alone) == 2  # the wish, at the cost of a wait
    assert frozenset(("c0", "s1")) in matching.met_pairs(
        room.members for plan, _ in alone for room in plan.rooms
    )
    for plans in (joint, alone):  # each round as fair as can be, whatever the plan
        for number, (plan, _) in enumerate(plans):
            inp = msgspec.structs.replace(SHORT_FILL, rounds_left=2 - number)
            if number:
                before = plans[0][0]
                inp = msgspec.structs.replace(
                    inp,
                    met=inp.met | matching.met_pairs(r.members for r in before.rooms),
                    waits=dict.fromkeys(before.waiting, 1),
                )
            check_rules(inp, plan)
