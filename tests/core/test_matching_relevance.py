"""Relevance in the matching: a tier below wishes ("must" > "like" > relevance), seats and the
plan still first, "no thanks" never met, and off gives today's plans exactly."""

from __future__ import annotations

import random

import msgspec
import pytest

from server.core.matching import Limits, MatchInput, pair_round, pair_round_traced, plan_event
from server.core.model import WishLevel
from server.core.relevance.scores import Profile

THEMES = {
    "energy": ("énergie", "Rénovation énergétique et chaufferies des écoles"),
    "mobility": ("mobilité", "Navettes à la demande pour les villages"),
    "water": ("eau", "Fuites du réseau d'eau potable"),
}


def people(spec: dict[str, str]) -> dict[str, Profile]:
    """Profiles from ``{person: theme}``."""
    return {
        p: Profile(tags=(THEMES[theme][0],), pitch=THEMES[theme][1]) for p, theme in spec.items()
    }


def bipartite(
    spec: dict[str, str],
    wishes: dict[tuple[str, str], WishLevel] | None = None,
    relevance: bool = True,
    **more: object,
) -> MatchInput:
    """A two-sided event: ids starting with ``c`` are communes, ``s`` solutions."""
    return MatchInput(
        present=tuple(spec),
        sides={p: "commune" if p.startswith("c") else "solution" for p in spec},
        mode="bipartite",
        odd="wait",
        wishes=wishes or {},
        relevance=relevance,
        profiles=people(spec),
        **more,  # type: ignore[arg-type]
    )


def rooms(inp: MatchInput) -> set[frozenset[str]]:
    return {frozenset(r.members) for r in pair_round(inp).rooms}


SPEC = {"c1": "energy", "c2": "mobility", "s1": "mobility", "s2": "energy"}


@pytest.mark.parametrize(
    ("wishes", "expected"),
    [
        ({}, {("c1", "s2"), ("c2", "s1")}),  # no wishes: the relevant partners
        ({("c1", "s1"): "like"}, {("c1", "s1"), ("c2", "s2")}),  # a like beats relevance
        ({("s1", "c1"): "like"}, {("c1", "s1"), ("c2", "s2")}),  # whoever wished
        # a must beats a like, even when the like's side is also the relevant one
        ({("c1", "s2"): "like", ("c2", "s2"): "must"}, {("c1", "s1"), ("c2", "s2")}),
        # two likes beat a must and all the relevance of the round
        (
            {("c1", "s1"): "like", ("c2", "s2"): "like", ("c2", "s1"): "must"},
            {("c1", "s1"), ("c2", "s2")},
        ),
        # a "no thanks" is never met, however relevant: the relevant pair's other way round
        ({("c1", "s2"): "no"}, {("c1", "s1"), ("c2", "s2")}),
    ],
)
def test_the_order_of_tiers(
    wishes: dict[tuple[str, str], WishLevel], expected: set[tuple[str, str]]
) -> None:
    assert rooms(bipartite(SPEC, wishes)) == {frozenset(p) for p in expected}


def test_no_thanks_is_never_met_even_if_someone_waits() -> None:
    spec = {"c1": "energy", "c2": "water", "s1": "energy"}
    plan = pair_round(bipartite(spec, {("s1", "c1"): "no"}))
    assert [r.members for r in plan.rooms] == [("c2", "s1")]
    assert plan.waiting == ("c1",)


def test_seats_come_before_relevance() -> None:
    """Fair waits come first: c1 is s1's relevant partner, but c2 waited before and takes the
    only seat (relevance never makes someone wait again)."""
    spec = {"c1": "energy", "c2": "water", "s1": "energy"}
    assert rooms(bipartite(spec)) == {frozenset(("c1", "s1"))}
    plan = pair_round(bipartite(spec, waits={"c2": 1}))
    assert [r.members for r in plan.rooms] == [("c2", "s1")]
    assert plan.waiting == ("c1",)


def test_the_plan_meets_the_relevant_partners_over_the_event() -> None:
    """Three themes of two communes and two solutions, two rounds: each commune meets both
    solutions of its theme (the plan's plain meetings are chosen by relevance too)."""
    themes = ["energy", "energy", "mobility", "mobility", "water", "water"]
    spec = {f"c{k}": t for k, t in enumerate(themes)}
    spec |= {f"s{k}": t for k, t in enumerate(reversed(themes))}
    plans = plan_event(bipartite(spec), 2)
    met = [r.members for plan in plans for r in plan.rooms]
    assert len(met) == 12 and all(len({spec[p] for p in members}) == 1 for members in met)
    off = plan_event(bipartite(spec, relevance=False), 2)
    assert sum(len({spec[p] for p in r.members}) == 1 for p in off for r in p.rooms) < 12


def random_event(seed: int, n: int, mode: str = "bipartite") -> MatchInput:
    rng = random.Random(seed)
    spec = {f"{'cs'[i % 2]}{i}": rng.choice(list(THEMES)) for i in range(n)}
    ids = list(spec)
    wishes: dict[tuple[str, str], WishLevel] = {}
    for _ in range(n // 2):
        a, b = rng.sample(ids, 2)
        wishes[(a, b)] = rng.choice(["must", "like", "like", "no"])
    return msgspec.structs.replace(
        bipartite(spec, wishes), mode=mode, odd="trio" if mode == "open" else "wait"
    )


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("mode", ["bipartite", "open"])
def test_off_gives_today_s_plans(seed: int, mode: str) -> None:
    inp = random_event(seed, 14, mode)
    off = msgspec.structs.replace(inp, relevance=False)
    today = msgspec.structs.replace(inp, relevance=False, profiles={})
    assert plan_event(off, 4) == plan_event(today, 4)


@pytest.mark.parametrize("seed", range(4))
def test_relevance_takes_nothing_from_seats_or_wishes(seed: int) -> None:
    """On and off seat the same people and meet the same wish points, round by round (the
    plan above wishes may differ only in its plain meetings)."""
    inp = random_event(seed, 16, "open")
    on = pair_round_traced(msgspec.structs.replace(inp, rounds_left=1))
    off = pair_round_traced(msgspec.structs.replace(inp, rounds_left=1, relevance=False))
    assert len(on[0].waiting) == len(off[0].waiting)
    n = len(inp.present)
    unit = 20 * (n // 2 + 1) + 1
    assert on[1].weight // unit == off[1].weight


@pytest.mark.parametrize("seed", range(4))
def test_the_sparse_matching_keeps_the_tiers_above_relevance(seed: int) -> None:
    """With the limits lowered so that the sparse candidates run (with the most relevant
    partners among them), seats and wishes equal the dense matching's; relevance is kept
    from what the candidates offer."""
    inp = msgspec.structs.replace(random_event(seed, 24, "open"), odd="wait")
    dense = pair_round_traced(inp)
    sparse = pair_round_traced(
        msgspec.structs.replace(inp, limits=Limits(dense_up_to=4, fill_candidates=3))
    )
    assert sparse[1].matching in ("sparse", "fallback")
    unit = 20 * (24 // 2 + 1) + 1
    assert sparse[1].weight // unit == dense[1].weight // unit
    assert sparse[0].waiting == dense[0].waiting


def test_the_event_s_switch_reaches_the_matching() -> None:
    """``rooms.match_input`` passes the event's switch, everyone's profiles and its synonyms."""
    from server import rooms
    from server.core.model import EventState, Matching, Participant, Settings

    settings = Settings(
        title="t", round_seconds=60, break_seconds=0, rounds=2,
        matching=Matching(mode="bipartite", sides=("c", "s")), synonyms=("a ~ b",),
    )  # fmt: skip
    people = {
        "p1": Participant(id="p1", name="A", token_hash="x", side="c", tags=("énergie",)),
        "p2": Participant(id="p2", name="B", token_hash="y", side="s", pitch="Chaudières"),
    }
    state = EventState(
        id="e", settings=settings, participants=people, host_token_hash="h",
        moderator_token_hash="m", created_at=0,
    )  # fmt: skip
    on = rooms.match_input(state, ["p1"])
    assert on.relevance and on.synonyms == ("a ~ b",)
    assert on.profiles == {
        "p1": Profile(tags=("énergie",)),
        "p2": Profile(pitch="Chaudières"),
    }  # the absent too: the matrix stays cached while people come and go
    off = rooms.match_input(msgspec.structs.replace(state, settings=msgspec.structs.replace(
        settings, relevance=False)), ["p1"])  # fmt: skip
    assert not off.relevance and off.profiles == {}


def test_profiles_that_say_nothing_leave_today_s_plans() -> None:
    """With relevance on but no pair relevant (empty or unrelated profiles), the plans and
    the methods are today's: nothing to go on, nothing changed."""
    inp = random_event(1, 12)
    blank = msgspec.structs.replace(inp, profiles={p: Profile() for p in inp.present})
    off = msgspec.structs.replace(inp, relevance=False)
    assert matching_traces(blank) == matching_traces(off)


def matching_traces(inp: MatchInput) -> list[object]:
    from server.core.matching import plan_event_traced

    return list(plan_event_traced(inp, 3))
