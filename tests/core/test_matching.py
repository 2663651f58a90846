"""Matching: the rules, wishes, reasons, trios and the fairness of waits, one table at a time."""

from __future__ import annotations

from collections import Counter

import msgspec
import pytest

from server.core import matching
from server.core.matching import MatchInput, RoundPlan
from server.core.model import MatchingMode, OddPolicy, Wish, WishLevel
from tests.core.states import side_of


def inp(
    people: list[str],
    *,
    mode: MatchingMode = "open",
    odd: OddPolicy = "wait",
    wishes: dict[tuple[str, str], WishLevel] | None = None,
    met: list[tuple[str, str]] = (),  # type: ignore[assignment]
    waits: dict[str, int] | None = None,
    rounds_left: int = 1,
) -> MatchInput:
    return MatchInput(
        present=tuple(people),
        sides={p: side_of(p) for p in people},
        mode=mode,
        odd=odd,
        met=frozenset(frozenset(pair) for pair in met),
        wishes=wishes or {},
        waits=waits or {},
        rounds_left=rounds_left,
    )


def pairs(plan: RoundPlan) -> set[frozenset[str]]:
    return {frozenset(room.members) for room in plan.rooms}


def test_wish_map_keeps_the_last_wish() -> None:
    given = [
        Wish(source="a", target="b", level="like"),
        Wish(source="a", target="b", level="no"),
        Wish(source="b", target="a", level="must"),
    ]
    assert matching.wish_map(given) == {("a", "b"): "no", ("b", "a"): "must"}


ALLOWED = [
    # (a, b, mode, met, wishes, allowed)
    ("c1", "s1", "bipartite", [], {}, True),
    ("c1", "c2", "bipartite", [], {}, False),  # same side
    ("c1", "c2", "open", [], {}, True),
    ("c1", "s1", "open", [("s1", "c1")], {}, False),  # met, either order
    ("c1", "s1", "open", [], {("s1", "c1"): "no"}, False),  # a "no" either way
    ("c1", "c1", "open", [], {}, False),
]


@pytest.mark.parametrize(("a", "b", "mode", "met", "wishes", "ok"), ALLOWED)
def test_allowed(
    a: str,
    b: str,
    mode: MatchingMode,
    met: list[tuple[str, str]],
    wishes: dict[tuple[str, str], WishLevel],
    ok: bool,
) -> None:
    assert matching.allowed(a, b, inp([a, b], mode=mode, met=met, wishes=wishes)) is ok


REASONS = [
    ({}, "fill"),
    ({("a", "b"): "like"}, "wish"),
    ({("b", "a"): "must"}, "wish"),
    ({("a", "b"): "like", ("b", "a"): "must"}, "mutual_wish"),
    ({("a", "b"): "no"}, "fill"),
]


@pytest.mark.parametrize(("wishes", "why"), REASONS)
def test_reason(wishes: dict[tuple[str, str], WishLevel], why: str) -> None:
    assert matching.reason("a", "b", wishes) == why
    assert matching.room_reason(("c", "a", "b"), wishes) == why


def test_value_ranks_mutual_over_must_over_like() -> None:
    like = matching.value("a", "b", {("a", "b"): "like"})
    must = matching.value("a", "b", {("a", "b"): "must"})
    mutual = matching.value("a", "b", {("a", "b"): "like", ("b", "a"): "like"})
    assert 0 == matching.value("a", "b", {("a", "b"): "no"}) < like < must < mutual


def test_mutual_wishes_come_first() -> None:
    """a-b is mutual; a-c and b-d are one-sided "must": one mutual pair beats one wish."""
    people = ["a", "b", "c", "d"]
    wishes: dict[tuple[str, str], WishLevel] = {
        ("a", "b"): "like",
        ("b", "a"): "like",
        ("c", "a"): "must",
    }
    plan = matching.pair_round(inp(people, wishes=wishes))
    assert pairs(plan) == {frozenset("ab"), frozenset("cd")}
    assert {r.members: r.reason for r in plan.rooms} == {
        ("a", "b"): "mutual_wish",
        ("c", "d"): "fill",
    }


def test_more_wishes_beat_one_must() -> None:
    """Two people's likes together outweigh one "must"."""
    wishes: dict[tuple[str, str], WishLevel] = {
        ("a", "b"): "must",
        ("a", "c"): "like",
        ("b", "d"): "like",
    }
    plan = matching.pair_round(inp(["a", "b", "c", "d"], wishes=wishes))
    assert pairs(plan) == {frozenset("ac"), frozenset("bd")}


def test_no_thanks_is_never_scheduled_even_if_someone_waits() -> None:
    plan = matching.pair_round(inp(["a", "b"], wishes={("a", "b"): "no"}))
    assert plan.rooms == () and plan.waiting == ("a", "b")


def test_everyone_is_seated_before_any_wish() -> None:
    """Wishes never leave someone waiting who could have met someone."""
    plan = matching.pair_round(
        inp(["a", "b", "c", "d"], wishes={("a", "b"): "must"}, met=[("c", "d")])
    )
    assert not plan.waiting
    assert pairs(plan) in ({frozenset("ac"), frozenset("bd")}, {frozenset("ad"), frozenset("bc")})


def test_bipartite_pairs_cross_sides_only() -> None:
    people = ["c1", "c2", "c3", "s1"]
    plan = matching.pair_round(inp(people, mode="bipartite"))
    assert len(plan.rooms) == 1 and side_of(plan.rooms[0].members[0]) != side_of(
        plan.rooms[0].members[1]
    )
    assert len(plan.waiting) == 2


def test_never_the_same_pair_twice() -> None:
    plan = matching.pair_round(
        inp(["c1", "s1", "c2", "s2"], mode="bipartite", met=[("c1", "s1"), ("c2", "s2")])
    )
    assert pairs(plan) == {frozenset(("c1", "s2")), frozenset(("c2", "s1"))}


# --- odd counts ---------------------------------------------------------------------------


def test_odd_count_waits_when_configured() -> None:
    plan = matching.pair_round(inp(["a", "b", "c"], odd="wait"))
    assert len(plan.rooms) == 1 and len(plan.waiting) == 1


def test_odd_count_makes_a_trio() -> None:
    plan = matching.pair_round(inp(["a", "b", "c"], odd="trio", wishes={("c", "a"): "like"}))
    assert [sorted(r.members) for r in plan.rooms] == [["a", "b", "c"]]
    assert plan.rooms[0].reason == "wish" and plan.waiting == ()


def test_the_third_has_met_neither_and_said_no_to_neither() -> None:
    """c met a, d said no to... the pair a-b cannot take c, c-d cannot take e: e waits."""
    plan = matching.pair_round(
        inp(
            ["a", "b", "c", "d", "e"],
            odd="trio",
            met=[("a", "b"), ("e", "a"), ("e", "b")],
            wishes={("e", "c"): "no", ("d", "e"): "no"},
        )
    )
    for room in plan.rooms:
        assert "e" not in room.members
    assert plan.waiting == ("e",)


def test_bipartite_trio_is_one_of_the_smaller_side_and_two_of_the_larger() -> None:
    plan = matching.pair_round(inp(["c1", "c2", "s1", "s2", "s3"], mode="bipartite", odd="trio"))
    assert plan.waiting == ()
    trio = next(r.members for r in plan.rooms if len(r.members) == 3)
    assert Counter(side_of(p) for p in trio) == {"solution": 2, "commune": 1}


# --- fairness of waits --------------------------------------------------------------------

FAIR = [
    # (people, waits, who may wait)
    (["a", "b", "c"], {"a": 1}, {"b", "c"}),  # a waited: somebody else's turn
    (["a", "b", "c"], {"a": 1, "b": 1}, {"c"}),
    (["a", "b", "c"], {"a": 2, "b": 1, "c": 1}, {"b", "c"}),
    (["a", "b", "c", "d", "e"], {"a": 1, "b": 1, "c": 1, "d": 1}, {"e"}),
    (["a", "b", "c"], {"a": 3, "b": 3, "c": 3}, {"a", "b", "c"}),
]


@pytest.mark.parametrize(("people", "waits", "may_wait"), FAIR)
def test_nobody_waits_again_while_someone_never_did(
    people: list[str], waits: dict[str, int], may_wait: set[str]
) -> None:
    plan = matching.pair_round(
        inp(people, waits=waits, wishes={("a", "b"): "must", ("b", "a"): "must"})
    )
    assert len(plan.waiting) == 1 and set(plan.waiting) <= may_wait


def test_fairness_beats_wishes_but_not_the_rules() -> None:
    """c waited before, but has met everyone present but a: the wish a-b gives way to c."""
    plan = matching.pair_round(
        inp(
            ["a", "b", "c"],
            waits={"c": 1},
            met=[("c", "b")],
            wishes={("a", "b"): "must", ("b", "a"): "must"},
        )
    )
    assert pairs(plan) == {frozenset("ac")} and plan.waiting == ("b",)


def test_bipartite_larger_side_takes_turns() -> None:
    """Two communes, four solutions, four rounds: each solution waits exactly twice."""
    people = ["c1", "c2", "s1", "s2", "s3", "s4"]
    plans = matching.plan_event(inp(people, mode="bipartite"), 4)
    waits = Counter(p for plan in plans for p in plan.waiting)
    assert waits == {"s1": 2, "s2": 2, "s3": 2, "s4": 2}
    for done in range(1, 5):  # never a second wait while someone has none
        so_far = Counter(p for plan in plans[:done] for p in plan.waiting)
        assert max(so_far.values()) - min(so_far.get(s, 0) for s in people[2:]) <= 1


@pytest.mark.parametrize("n", [3, 5, 7])
def test_open_odd_event_each_waits_once_before_anyone_twice(n: int) -> None:
    people = [f"p{i}" for i in range(n)]
    plans = matching.plan_event(inp(people), n)
    order = [p for plan in plans for p in plan.waiting]
    assert len(order) == n and sorted(order) == people  # everyone met everyone else once


# --- whole plans --------------------------------------------------------------------------


def test_full_rotation_meets_everyone_once() -> None:
    people = [f"c{i}" for i in range(4)] + [f"s{i}" for i in range(4)]
    plans = matching.plan_event(inp(people, mode="bipartite"), 4)
    met = [frozenset(r.members) for plan in plans for r in plan.rooms]
    assert len(met) == len(set(met)) == 16 and not any(plan.waiting for plan in plans)


def test_plan_looks_ahead() -> None:
    """Round by round, greed meets three of these four wishes in two rounds; the plan all four."""
    people = ["c1", "c2", "c3", "s1", "s2", "s3"]
    wishes: dict[tuple[str, str], WishLevel] = {
        ("c3", "s3"): "must",
        ("c3", "s1"): "like",
        ("c2", "s1"): "like",
        ("c1", "s3"): "must",
    }
    start = inp(people, mode="bipartite", wishes=wishes)
    met: set[frozenset[str]] = set()
    for _ in range(2):  # greedy: each round as if it were the last
        met |= pairs(matching.pair_round(msgspec.structs.replace(start, met=frozenset(met))))
    assert len([w for w in wishes if frozenset(w) in met]) == 3
    plans = matching.plan_event(start, 2)
    met = {frozenset(r.members) for plan in plans for r in plan.rooms}
    assert all(frozenset(w) in met for w in wishes)
    assert not any(plan.waiting for plan in plans)


def test_late_arrival_joins_and_absent_people_are_skipped() -> None:
    people = ["c1", "c2", "c3", "s1", "s2", "s3"]
    base = inp(
        people, mode="bipartite", rounds_left=3, wishes={("c3", "s3"): "must", ("s3", "c3"): "must"}
    )
    first = matching.pair_round(
        msgspec.structs.replace(base, present=tuple(p for p in people if p != "c3"))
    )
    assert "c3" not in {p for r in first.rooms for p in r.members} | set(first.waiting)
    met = frozenset(frozenset(r.members) for r in first.rooms)
    waits = dict.fromkeys(first.waiting, 1)
    second = matching.pair_round(msgspec.structs.replace(base, met=met, waits=waits, rounds_left=1))
    assert frozenset(("c3", "s3")) in pairs(second)  # the late arrival's mutual wish
    assert not second.waiting


def test_plan_and_round_agree() -> None:
    people = ["c1", "c2", "c3", "s1", "s2", "s3"]
    start = inp(people, mode="bipartite", wishes={("c1", "s2"): "like"}, rounds_left=3)
    assert matching.plan_event(start, 3)[0] == matching.pair_round(start)


def test_empty_and_single() -> None:
    assert matching.pair_round(inp([])) == RoundPlan(rooms=(), waiting=())
    assert matching.pair_round(inp(["a"], odd="trio")) == RoundPlan(rooms=(), waiting=("a",))
    assert matching.plan_event(inp(["a", "b"]), 0) == []


def test_met_pairs_of_a_trio() -> None:
    assert matching.met_pairs([("a", "b", "c"), ("d",)]) == {
        frozenset("ab"),
        frozenset("ac"),
        frozenset("bc"),
    }
