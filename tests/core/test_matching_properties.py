"""Matching: every hard rule over random events, played round by round as the server plays them.

People arrive late, leave, come back or stop; met pairs and waits are fed forward through
``rooms.match_input`` like the engine does. Small events are checked against brute force.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from unittest.mock import patch

import msgspec
import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import Bounds, LinearConstraint, milp

from server import matching, rooms
from server.matching import MatchInput, RoundPlan
from server.model import EventState, MatchingMode, OddPolicy, WishLevel
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


def play(script: Script) -> Iterator[tuple[MatchInput, RoundPlan]]:
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
            rooms.match_input(state, here), rounds_left=rounds - number + 1
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


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scripts(max_people=8).filter(lambda s: s.odd == "wait"))
def test_waits_are_fair_and_the_round_is_optimal(script: Script) -> None:
    """Brute force: no plan seats more of those who waited most; the last round has most wishes.

    For every ``k``, as many people who waited ``k`` times or more get a room as any plan could
    give (so nobody waits a second time while someone who could take their place never waited).
    In the last round, with nothing left to plan for, no such plan meets more wish points.
    """
    for inp, plan in play(script):
        ours = [room.members for room in plan.rooms]
        every = list(matchings(sorted(inp.present), inp))
        best = max(fairness_key(m, inp) for m in every)  # type: ignore[arg-type]
        assert fairness_key(ours, inp) == best
        if inp.rounds_left == 1:
            top = max(wish_points(m, inp) for m in every if fairness_key(m, inp) == best)  # type: ignore[arg-type]
            assert wish_points(ours, inp) == top


@settings(max_examples=60, deadline=None)
@given(scripts(max_people=14, max_rounds=3).filter(lambda s: s.mode == "open"))
def test_sparse_solver_agrees_with_the_dense_one(script: Script) -> None:
    """The large-event path (sparse candidates, a proof or a fallback) finds as good a round."""
    for inp, plan in play(script):
        with patch.object(matching, "DENSE_UP_TO", 0), patch.object(matching, "FILL_CANDIDATES", 2):
            sparse = matching.pair_round(inp)
        check_rules(inp, sparse)
        # the same optimum (trio extras aside): as many seated, as fairly, as many wish points
        dense_pairs = [r.members[:2] for r in plan.rooms]
        sparse_pairs = [r.members[:2] for r in sparse.rooms]
        assert fairness_key(sparse_pairs, inp) == fairness_key(dense_pairs, inp)
        assert wish_points(sparse_pairs, inp) == wish_points(dense_pairs, inp)


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


@settings(max_examples=80, deadline=None)
@given(balanced())
def test_bipartite_plan_meets_the_most_wishes_possible(case: tuple[MatchInput, int]) -> None:
    """Against an integer program over every round at once: no plan seating all does better."""
    inp, rounds = case
    plans = matching.plan_event(inp, rounds)
    met = matching.met_pairs(room.members for plan in plans for room in plan.rooms)
    got = sum(matching.value(*sorted(pair), inp.wishes) for pair in met)
    assert got == best_points(inp, rounds)
    assert all(not plan.waiting for plan in plans)  # a full round every time
