"""Matching: every hard rule over random events, played round by round as the server plays them.

People arrive late, leave, come back or stop; met pairs and waits are fed forward through
``rooms.match_input`` like the engine does. Small events are checked against brute force.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import msgspec
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import Bounds, LinearConstraint, milp

from server import rooms
from server.core import matching
from server.core.matching import Limits, MatchInput, RoundPlan, Trace
from server.core.model import EventState, MatchingMode, OddPolicy, WishLevel
from tests.core.states import event, side_of

LEVELS: list[WishLevel] = ["must", "like", "like", "no"]
WISHES = ["", "", "", "", "like", "like", "must", "no"]  # per ordered pair: none, or a wish


@dataclass(frozen=True)
class Script:
    """A random event: who, their wishes, and who is there (or has stopped) each round."""

    mode: MatchingMode
    odd: OddPolicy
    people: list[str]
    wishes: list[tuple[str, str, WishLevel]]
    present: list[list[str]]  # per round
    stops: dict[str, int]  # who stops, before which round

    def state(self) -> EventState:
        return event(
            self.people,
            mode=self.mode,
            odd=self.odd,
            rounds=len(self.present),
            wishes=self.wishes,
        )


@st.composite
def scripts(draw: st.DrawFn, max_people: int = 10, max_rounds: int = 4) -> Script:
    mode = draw(st.sampled_from(["open", "bipartite"]))
    odd = draw(st.sampled_from(["trio", "wait"]))
    total = draw(st.integers(2, max_people))
    communes = draw(st.integers(0, total))
    people = [f"c{i}" for i in range(communes)] + [f"s{i}" for i in range(total - communes)]
    pairs = [(a, b) for a in people for b in people if a != b]
    levels = draw(st.lists(st.sampled_from(WISHES), min_size=len(pairs), max_size=len(pairs)))
    wishes = [(pair, level) for pair, level in zip(pairs, levels, strict=True) if level]
    rounds = draw(st.sampled_from(list(range(1, max_rounds + 1)) + [max_rounds] * 2))
    here = st.sampled_from([True, True, True, True, False])  # a fifth away, each round
    present = [[p for p in people if draw(here)] for _ in range(rounds)]
    stop = st.sampled_from([None] * 6 + list(range(2, rounds + 1)))  # stops before that round
    stops = {p: r for p in people if (r := draw(stop)) is not None}
    return Script(
        mode=mode,  # type: ignore[arg-type]
        odd=odd,  # type: ignore[arg-type]
        people=people,
        wishes=[(a, b, level) for (a, b), level in wishes],
        present=present,
        stops=stops,
    )


# every method the limits choose for large events, on small ones: sparse candidates for the round
# (with a proof, or the fallback) and for the plan's fill, and no joint plan
SPARSE = Limits(dense_up_to=0, fill_candidates=1, joint_plan_up_to=0)
DEFAULT = Limits()


def play(script: Script, limits: Limits = DEFAULT) -> Iterator[tuple[MatchInput, RoundPlan]]:
    """Each round's input and plan, the state carried forward as the engine carries it."""
    state = script.state()
    rounds = len(script.present)
    for number, here in enumerate(script.present, start=1):
        people = dict(state.participants)
        for pid, when in script.stops.items():
            if when <= number:
                people[pid] = msgspec.structs.replace(people[pid], stopped=True)
        state = msgspec.structs.replace(state, participants=people)
        inp = msgspec.structs.replace(
            rooms.match_input(state, here), rounds_left=rounds - number + 1, limits=limits
        )
        plan = matching.pair_round(inp)
        yield inp, plan
        record = rooms.build_round(number, plan, 0)
        state = msgspec.structs.replace(state, history=(*state.history, record))


def may_join(x: str, room: tuple[str, ...], inp: MatchInput) -> bool:
    """Whether ``x`` could be the third of the pair ``room`` under the trio rule."""
    if len(room) != 2 or inp.odd != "trio":
        return False
    free = all(
        frozenset((x, m)) not in inp.met
        and "no" not in (inp.wishes.get((x, m)), inp.wishes.get((m, x)))
        for m in room
    )
    if inp.mode != "bipartite":
        return free
    counts = {s: sum(1 for p in inp.present if side_of(p) == s) for s in ("commune", "solution")}
    return free and counts[side_of(x)] == max(counts.values())


def check_rules(inp: MatchInput, plan: RoundPlan) -> None:
    """Every hard rule of one round."""
    placed = [p for room in plan.rooms for p in room.members] + list(plan.waiting)
    assert sorted(placed) == sorted(inp.present), "everyone present exactly once, nobody else"
    for room in plan.rooms:
        members = room.members
        assert len(members) == 2 or (len(members) == 3 and inp.odd == "trio")
        for i, a in enumerate(members):
            for b in members[i + 1 :]:
                assert frozenset((a, b)) not in inp.met, "never the same pair twice"
                assert "no" not in (inp.wishes.get((a, b)), inp.wishes.get((b, a)))
        assert room.reason == matching.room_reason(members, inp.wishes)
        if inp.mode == "bipartite":
            assert matching.allowed(members[0], members[1], inp), "pairs are cross-side"
            if len(members) == 3:
                counts = {
                    s: sum(1 for p in inp.present if side_of(p) == s)
                    for s in ("commune", "solution")
                }
                sides = sorted(side_of(p) for p in members)
                assert sides[0] != sides[2], "a trio is two of one side and one of the other"
                extra_side = sides[1]
                assert counts[extra_side] == max(counts.values()), "two of the larger side"
    waiting = list(plan.waiting)
    for i, a in enumerate(waiting):
        for b in waiting[i + 1 :]:
            assert not matching.allowed(a, b, inp), f"{a} and {b} wait but could meet"
        for room in plan.rooms:
            assert not may_join(a, room.members, inp), f"{a} waits but could join {room.members}"


def matchings(people: list[str], inp: MatchInput) -> Iterator[list[tuple[str, str]]]:
    """Every set of allowed pairs (not only maximal ones)."""
    if not people:
        yield []
        return
    first, rest = people[0], people[1:]
    yield from matchings(rest, inp)
    for i, other in enumerate(rest):
        if matching.allowed(first, other, inp):
            for more in matchings(rest[:i] + rest[i + 1 :], inp):
                yield [(first, other), *more]


def fairness_key(pairs: list[tuple[str, ...]], inp: MatchInput) -> tuple[int, ...]:
    """For k from the most waits down: how many who waited k times or more get a room."""
    seated = {p for pair in pairs for p in pair}
    top = max(inp.waits.values(), default=0)
    return tuple(sum(1 for p in seated if inp.waits.get(p, 0) >= k) for k in range(top, -1, -1))


def wish_points(pairs: list[tuple[str, ...]], inp: MatchInput) -> int:
    return sum(matching.value(p[0], p[1], inp.wishes) for p in pairs)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scripts())
def test_every_round_keeps_the_hard_rules(script: Script) -> None:
    for inp, plan in play(script):
        check_rules(inp, plan)


@pytest.mark.parametrize("limits", [DEFAULT, SPARSE], ids=["default", "sparse"])
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scripts(max_people=8).filter(lambda s: s.odd == "wait"))
def test_waits_are_fair_and_the_round_is_optimal(limits: Limits, script: Script) -> None:
    """Brute force: no plan seats more of those who waited most; the last round has most wishes.

    For every ``k``, as many people who waited ``k`` times or more get a room as any plan could
    give (so nobody waits a second time while someone who could take their place never waited).
    In the last round, with nothing left to plan for, no such plan meets more wish points. Both
    hold whatever the limits: with ``SPARSE``, every method meant for large events runs.
    """
    for inp, plan in play(script, limits):
        ours = [room.members for room in plan.rooms]
        every = list(matchings(sorted(inp.present), inp))
        best = max(fairness_key(m, inp) for m in every)  # type: ignore[arg-type]
        assert fairness_key(ours, inp) == best
        if inp.rounds_left == 1:
            top = max(wish_points(m, inp) for m in every if fairness_key(m, inp) == best)  # type: ignore[arg-type]
            assert wish_points(ours, inp) == top


def expected_methods(inp: MatchInput, dense: Trace, limits: Limits) -> tuple[set[str], set[str]]:
    """The methods ``limits`` must choose for ``inp``: the round's matching, the plan's fill."""
    n = len(set(inp.present))
    large = {"sparse", "fallback"} if n > limits.dense_up_to else {"dense"}
    two_sides = inp.mode == "bipartite" and len({side_of(p) for p in inp.present}) == 2
    return ({"assignment"} if two_sides else large), ({"none"} if dense.fill == "none" else large)


@st.composite
def low_limits(draw: st.DrawFn) -> Limits:
    """Limits around the small sizes drawn, so that each method runs on some rounds."""
    return Limits(
        dense_up_to=draw(st.sampled_from([0, 0, 4, 8])),
        fill_candidates=draw(st.integers(0, 3)),
        joint_plan_up_to=draw(st.sampled_from([0, 4, 400])),
    )


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scripts(max_people=14, max_rounds=3), low_limits())
def test_the_methods_for_large_events_agree_with_the_dense_ones(
    script: Script, given_limits: Limits
) -> None:
    """Each round solved again under low limits: the methods they choose ran, and agree.

    The sparse round (wished pairs and random candidates, kept with a proof of optimality, or
    the fallback) has the same total weight as the dense one; the sparse fill plans as many
    meetings, so the seats and their fairness are the same even where the planned pairs differ.
    Without the joint plan, only the plan can differ: the seats stay as fair.
    """
    for inp, plan in play(script):
        dense, dense_trace = matching.pair_round_traced(inp)
        assert dense == plan and dense_trace.matching in ("dense", "assignment")
        low = msgspec.structs.replace(inp, limits=given_limits)
        ours, trace = matching.pair_round_traced(low)
        check_rules(inp, ours)
        solvers, fills = expected_methods(inp, dense_trace, given_limits)
        assert trace.matching in solvers and trace.fill in fills
        tries = {"dense": {0}, "assignment": {0}, "sparse": {1, 2}, "fallback": {2}}
        assert trace.sparse_tries in tries[trace.matching]
        n = len(set(inp.present))
        assert trace.joint_plan == (dense_trace.joint_plan and n <= given_limits.joint_plan_up_to)
        # the same optimum (trio extras aside): as fairly seated; the same weight, unless the plan
        # (the tier between seats and wishes) changed with a sparse fill or without the joint plan
        dense_pairs = [r.members[:2] for r in dense.rooms]
        our_pairs = [r.members[:2] for r in ours.rooms]
        assert fairness_key(our_pairs, inp) == fairness_key(dense_pairs, inp)
        if trace.fill != "sparse" and trace.joint_plan == dense_trace.joint_plan:
            assert trace.weight == dense_trace.weight
            assert wish_points(our_pairs, inp) == wish_points(dense_pairs, inp)


def test_the_plan_is_the_rounds_played_when_everyone_comes() -> None:
    """The preview (plan_event) and the live rounds (pair_round each round) agree."""
    people = [f"c{i}" for i in range(6)] + [f"s{i}" for i in range(7)]
    wishes = [
        (a, b, "like")
        for a in people
        for b in people
        if a != b and (ord(a[-1]) * 7 + ord(b[-1])) % 3 == 0
    ]
    script = Script("bipartite", "wait", people, wishes, [people] * 5, {})  # type: ignore[arg-type]
    played = [plan for _, plan in play(script)]
    first, _ = next(play(script))
    assert matching.plan_event(first, 5) == played


@st.composite
def balanced(draw: st.DrawFn) -> tuple[MatchInput, int]:
    """A bipartite event, both sides the same size, everyone there, wishes but no "no"."""
    k = draw(st.integers(2, 5))
    people = [f"c{i}" for i in range(k)] + [f"s{i}" for i in range(k)]
    cross = [(a, b) for a in people for b in people if side_of(a) != side_of(b)]
    levels = draw(
        st.lists(
            st.sampled_from(["", "", "like", "must"]), min_size=len(cross), max_size=len(cross)
        )
    )
    wishes: dict[tuple[str, str], WishLevel] = {
        pair: level  # type: ignore[misc]
        for pair, level in zip(cross, levels, strict=True)
        if level
    }
    inp = MatchInput(
        present=tuple(people),
        sides={p: side_of(p) for p in people},
        mode="bipartite",
        odd="wait",
        wishes=wishes,
    )
    return inp, draw(st.integers(2, k))


def best_points(inp: MatchInput, rounds: int) -> int:
    """The most wish points of any plan that seats everyone every round (an integer program).

    One variable per allowed pair and round: everyone in one pair a round, a pair once at most.
    """
    people = sorted(inp.present)
    pairs = [
        (a, b) for i, a in enumerate(people) for b in people[i + 1 :] if matching.allowed(a, b, inp)
    ]
    n, m = len(people), len(pairs)
    rows = np.zeros((rounds * n + m, rounds * m))
    for t in range(rounds):
        for j, (a, b) in enumerate(pairs):
            rows[t * n + people.index(a), t * m + j] = rows[t * n + people.index(b), t * m + j] = 1
            rows[rounds * n + j, t * m + j] = 1
    lower = np.concatenate([np.ones(rounds * n), np.zeros(m)])
    points = np.array([matching.value(a, b, inp.wishes) for a, b in pairs] * rounds, dtype=float)
    result = milp(
        -points,
        integrality=np.ones(rounds * m),
        bounds=Bounds(0, 1),
        constraints=LinearConstraint(rows, lower, np.ones(rounds * n + m)),
    )
    return round(-result.fun)


@pytest.mark.parametrize(
    "limits", [DEFAULT, Limits(dense_up_to=0, fill_candidates=1)], ids=["default", "sparse_fill"]
)
@settings(max_examples=80, deadline=None)
@given(balanced())
def test_bipartite_plan_meets_the_most_wishes_possible(
    limits: Limits, case: tuple[MatchInput, int]
) -> None:
    """Against an integer program over every round at once: no plan seating all does better.

    Also when the plan's fill is found on random candidates (or falls back to every pair).
    """
    inp, rounds = case
    traced = matching.plan_event_traced(msgspec.structs.replace(inp, limits=limits), rounds)
    plans = [plan for plan, _ in traced]
    fills = {"dense"} if len(inp.present) <= limits.dense_up_to else {"sparse", "fallback"}
    assert all(trace.fill in fills | {"none"} for _, trace in traced)
    met = matching.met_pairs(room.members for plan in plans for room in plan.rooms)
    got = sum(matching.value(*sorted(pair), inp.wishes) for pair in met)
    assert got == best_points(inp, rounds)
    assert all(not plan.waiting for plan in plans)  # a full round every time
