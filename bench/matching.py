"""Matching: our plan against a random and a round-robin rotation, and the exact optimum.

Generates events (wishes aimed at a few popular people more than at others, some "no thanks"),
plans every round with each method on the same events and counts: wishes met (and, on small
events, the share of the most any plan could meet, an integer program solved with scipy's
milp), mutual wishes met, repeats, same-side pairs, "no thanks" scheduled, the longest wait of
anyone, and the time to plan (median of several runs). The baselines are measured in the same
run; "x random" is our wishes met over the random rotation's.

On large events it also times one round re-solved for everyone present, as the live event does
at the start of a round (``pair_round`` looking ``rounds_left`` ahead).

Then relevance (``--themes`` runs this part alone): two-sided events whose people carry tags
and pitches of a dozen themes, half of them with no wishes (``bench/themes.py``): the share of
meetings whose two people share a theme, ours against a random rotation and against today's
matching (relevance off), of the best possible share; the wishes met against today's; the
time to re-solve a round at 2,000 people and to compute the relevance matrix (once per change
of the profiles).

    .venv/bin/python bench/matching.py [--quick] [--themes]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TypeVar

import msgspec
import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_array

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import themes
from server.core import matching
from server.core.matching import MatchInput, RoundPlan
from server.core.model import MatchingMode, WishLevel
from server.core.relevance import scores

Planner = Callable[[MatchInput, int], list[RoundPlan]]
LEVELS: list[WishLevel] = ["like", "must", "no"]
T = TypeVar("T")


@dataclass(frozen=True)
class Spec:
    """An event to generate."""

    name: str
    mode: MatchingMode
    a: int  # people on side a (everyone, in open mode)
    b: int  # people on side b (0 in open mode)
    wishes: int  # wishes each
    rounds: int
    exact: bool  # small enough for the integer program


def generate(spec: Spec, seed: int) -> MatchInput:
    """An event: each person wishes ``spec.wishes`` others, popular people more often."""
    rnd = random.Random(seed)
    a = [f"a{i}" for i in range(spec.a)]
    b = [f"b{i}" for i in range(spec.b)]
    people = a + b
    sides = {p: p[0] for p in people}
    wishes: dict[tuple[str, str], WishLevel] = {}
    for p in people:
        others = (
            (b if p in sides and sides[p] == "a" else a) if spec.mode == "bipartite" else people
        )
        others = [q for q in others if q != p]
        popularity = [1.0 / (1 + int(q[1:])) ** 0.5 for q in others]
        for q in sorted(set(rnd.choices(others, weights=popularity, k=spec.wishes))):
            wishes[(p, q)] = rnd.choices(LEVELS, weights=[70, 22, 8])[0]
    return MatchInput(present=tuple(people), sides=sides, mode=spec.mode, odd="wait", wishes=wishes)


def random_rotation(inp: MatchInput, rounds: int) -> list[RoundPlan]:
    """Each round, people in random order pair with the first allowed partner left."""
    rnd = random.Random(0)
    met = set(inp.met)
    plans = []
    for _ in range(rounds):
        now = msgspec.structs.replace(inp, met=frozenset(met))
        order = list(inp.present)
        rnd.shuffle(order)
        rooms: list[tuple[str, str]] = []
        free = set(order)
        for p in order:
            if p not in free:
                continue
            free.discard(p)
            for q in order:
                if q in free and matching.allowed(p, q, now):
                    free.discard(q)
                    rooms.append((p, q))
                    break
        plans.append(_plan(rooms, [p for p in order if p in free], inp))
        met |= matching.met_pairs(rooms)
    return plans


def round_robin(inp: MatchInput, rounds: int) -> list[RoundPlan]:
    """The classic rotation: bipartite, a_i meets b_(i+t); open, the circle method.

    A pair the rules forbid (a "no thanks") waits instead.
    """
    people = list(inp.present)
    plans = []
    if inp.mode == "bipartite":
        side_a = [p for p in people if inp.sides[p] == "a"]
        side_b = [p for p in people if inp.sides[p] != "a"]
        small, large = sorted((side_a, side_b), key=len)
        for t in range(rounds):
            pairs = [(p, large[(i + t) % len(large)]) for i, p in enumerate(small)]
            plans.append(_rotation_round(pairs, people, inp))
        return plans
    circle = people + ([""] if len(people) % 2 else [])
    n = len(circle)
    for _ in range(rounds):
        pairs = [(circle[i], circle[n - 1 - i]) for i in range(n // 2)]
        plans.append(_rotation_round([(p, q) for p, q in pairs if p and q], people, inp))
        circle = [circle[0], circle[-1], *circle[1:-1]]
    return plans


def _rotation_round(pairs: list[tuple[str, str]], people: list[str], inp: MatchInput) -> RoundPlan:
    rooms = [(p, q) for p, q in pairs if matching.allowed(p, q, inp)]
    seated = {p for room in rooms for p in room}
    return _plan(rooms, [p for p in people if p not in seated], inp)


def _plan(rooms: list[tuple[str, str]], waiting: list[str], inp: MatchInput) -> RoundPlan:
    return RoundPlan(
        rooms=tuple(
            matching.PlannedRoom(members=r, reason=matching.reason(*r, inp.wishes)) for r in rooms
        ),
        waiting=tuple(waiting),
    )


def exact_optimum(inp: MatchInput, rounds: int, seats: list[int]) -> int:
    """The most wishes any plan meets under the same rules (an integer program).

    One variable per allowed pair and round: nobody twice in a round, no pair twice, each round
    seats as many people as ``seats`` says (what our plan seats: the most a round can), and
    nobody waits more often than an even share of the waits of their side (open mode: of all).
    The order of the waits is left free, so this bounds every real plan from above.
    """
    people = sorted(inp.present)
    index = {p: i for i, p in enumerate(people)}
    pairs = [
        (a, b) for i, a in enumerate(people) for b in people[i + 1 :] if matching.allowed(a, b, inp)
    ]
    n, m = len(people), len(pairs)
    rows: list[int] = []
    cols: list[int] = []
    for t in range(rounds):
        for j, (a, b) in enumerate(pairs):
            rows += [t * n + index[a], t * n + index[b]]
            cols += [t * m + j, t * m + j]
    nv = rounds * m
    per_round = coo_array((np.ones(len(rows)), (rows, cols)), shape=(rounds * n, nv))
    once = coo_array((np.ones(nv), (np.tile(np.arange(m), rounds), np.arange(nv))), shape=(m, nv))
    seated = coo_array(
        (np.ones(nv), (np.repeat(np.arange(rounds), m), np.arange(nv))), shape=(rounds, nv)
    )
    person = coo_array((np.ones(len(rows)), ([r % n for r in rows], cols)), shape=(n, nv))
    groups: dict[str, list[str]] = {}
    for p in people:
        groups.setdefault(inp.sides[p] if inp.mode == "bipartite" else "", []).append(p)
    pairs_seated = sum(seats) // 2
    least = np.zeros(n)
    for group in groups.values():
        if inp.mode == "bipartite":
            others = n - len(group)
            idle = rounds * len(group) - min(pairs_seated, rounds * min(len(group), others))
        else:
            idle = rounds * n - sum(seats)
        share = -(-max(idle, 0) // len(group))
        for p in group:
            least[index[p]] = rounds - share
    count = np.array([_wanted(p, inp) for p in pairs], dtype=float)
    result = milp(
        -np.tile(count, rounds),
        integrality=np.ones(nv),
        bounds=Bounds(0, 1),
        constraints=[
            LinearConstraint(per_round, 0, 1),
            LinearConstraint(once, 0, 1),
            LinearConstraint(seated, np.array(seats) // 2, np.inf),
            LinearConstraint(person, least, np.inf),
        ],
    )
    assert result.x is not None, result.message
    return round(float(-result.fun))


def wish_bound(inp: MatchInput, rounds: int) -> int:
    """An upper bound for large events: the most wishes if each person had ``rounds`` of them.

    A b-matching of the wished pairs (an integer program); it ignores who else needs a room.
    """
    pairs = sorted(
        {
            tuple(sorted(k))
            for k, level in inp.wishes.items()
            if level != "no" and matching.allowed(k[0], k[1], inp)
        }
    )
    index = {p: i for i, p in enumerate(inp.present)}
    m = len(pairs)
    rows = [index[p] for pair in pairs for p in pair]
    cols = [j for j in range(m) for _ in range(2)]
    incidence = coo_array((np.ones(2 * m), (rows, cols)), shape=(len(index), m))
    count = np.array([_wanted(p, inp) for p in pairs], dtype=float)
    result = milp(
        -count,
        integrality=np.ones(m),
        bounds=Bounds(0, 1),
        constraints=[LinearConstraint(incidence, 0, rounds)],
    )
    return round(float(-result.fun))


def _wanted(pair: tuple[str, ...], inp: MatchInput) -> int:
    a, b = pair
    return sum(inp.wishes.get(k) in ("must", "like") for k in ((a, b), (b, a)))


@dataclass
class Score:
    """What a plan achieved, and what it broke."""

    wishes: int = 0
    mutual: int = 0
    repeats: int = 0
    same_side: int = 0
    declined: int = 0
    longest_wait: int = 0


def score(inp: MatchInput, plans: list[RoundPlan]) -> Score:
    s = Score()
    seen: set[frozenset[str]] = set(inp.met)
    waits: dict[str, int] = {}
    for plan in plans:
        booked = [p for room in plan.rooms for p in room.members]
        assert len(booked) == len(set(booked)), "somebody in two rooms"
        for room in plan.rooms:
            for pair in matching.met_pairs([room.members]):
                a, b = sorted(pair)
                s.repeats += pair in seen
                seen.add(pair)
                same = inp.sides[a] == inp.sides[b]
                s.same_side += inp.mode == "bipartite" and same and len(room.members) == 2
                s.declined += "no" in (inp.wishes.get((a, b)), inp.wishes.get((b, a)))
                s.wishes += _wanted((a, b), inp)
                s.mutual += _wanted((a, b), inp) == 2
        for p in plan.waiting:
            waits[p] = waits.get(p, 0) + 1
    s.longest_wait = max(waits.values(), default=0)
    return s


def timed(fn: Callable[[], T], runs: int) -> tuple[float, T]:
    """The median time of ``runs`` calls, and the last result."""
    times: list[float] = []
    out = fn()
    for _ in range(runs):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), out


PLANNERS: dict[str, Planner] = {
    "ours": matching.plan_event,
    "random rotation": random_rotation,
    "round-robin": round_robin,
}

SMALL = [
    Spec("bipartite 8+8, 4 wishes, 4 rounds", "bipartite", 8, 8, 4, 4, True),
    Spec("bipartite 12+12, 5 wishes, 5 rounds", "bipartite", 12, 12, 5, 5, True),
    Spec("bipartite 10+15, 4 wishes, 5 rounds", "bipartite", 10, 15, 4, 5, True),
    Spec("open 16, 4 wishes, 4 rounds", "open", 16, 0, 4, 4, True),
    Spec("open 25, 5 wishes, 6 rounds", "open", 25, 0, 5, 6, True),
]
LARGE = [
    Spec("bipartite 1000+1000, 5 wishes, 12 rounds", "bipartite", 1000, 1000, 5, 12, False),
    Spec("open 2000, 5 wishes, 12 rounds", "open", 2000, 0, 5, 12, False),
]


def row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer events and runs")
    parser.add_argument("--themes", action="store_true", help="only the relevance part")
    args = parser.parse_args()
    if args.themes:
        themed(args.quick)
        return
    seeds = range(3) if args.quick else range(10)
    runs = 1 if args.quick else 3
    head = [
        "event",
        "method",
        "wishes met",
        "% of optimum",
        "x random",
        "mutual met",
        "repeats",
        "same-side",
        "no-thanks",
        "longest wait",
        "time to plan",
    ]
    print(row(head))
    print(row(["---"] * len(head)))
    goals: list[str] = []
    violations = 0
    for spec in SMALL + (LARGE[:1] if args.quick else LARGE):
        events = [generate(spec, seed) for seed in (seeds if spec.exact else range(1))]
        optimum = None if spec.exact else wish_bound(events[0], spec.rounds)
        if spec.exact:
            optimum = sum(
                exact_optimum(
                    e, spec.rounds, [2 * len(p.rooms) for p in matching.plan_event(e, spec.rounds)]
                )
                for e in events
            )
        results: dict[str, tuple[Score, float]] = {}
        for name, planner in PLANNERS.items():
            total, times = Score(), []
            for inp in events:
                seconds, plans = timed(partial(planner, inp, spec.rounds), runs)
                s = score(inp, plans)
                times.append(seconds)
                for field in ("wishes", "mutual", "repeats", "same_side", "declined"):
                    setattr(total, field, getattr(total, field) + getattr(s, field))
                total.longest_wait = max(total.longest_wait, s.longest_wait)
            results[name] = (total, statistics.median(times))
        baseline = results["random rotation"][0].wishes or 1
        for name, (s, seconds) in results.items():
            share = f"{100 * s.wishes / optimum:.1f}%" if optimum else "-"
            share += "" if spec.exact else " of bound"
            print(
                row(
                    [
                        f"{spec.name} (x{len(events)})",
                        name,
                        str(s.wishes),
                        share,
                        f"{s.wishes / baseline:.2f}",
                        str(s.mutual),
                        str(s.repeats),
                        str(s.same_side),
                        str(s.declined),
                        str(s.longest_wait),
                        f"{1000 * seconds:.1f} ms",
                    ]
                )
            )
        ours, plan_s = results["ours"]
        violations += ours.repeats + ours.same_side + ours.declined
        if spec.exact and optimum:
            goals.append(
                f"{spec.name}: {100 * ours.wishes / optimum:.1f}% of the optimum (goal 98%)"
            )
        else:
            goal = spec.mode == "bipartite"
            goals.append(f"{spec.name}: whole plan in {plan_s:.2f} s" + (" (goal < 2 s)" * goal))
            line = resolve(events[0], spec.rounds, 3 if args.quick else 7)
            goals.append(f"{spec.name}: {line}" + (" (goal < 200 ms)" * goal))
    print()
    for line in goals:
        print("-", line)
    print(f"- rule violations in our plans: {violations} (goal 0)")
    print()
    themed(args.quick)


THEMED = [
    themes.ThemedSpec("bipartite 40+40, 6 rounds", 40, 40, 6),
    themes.ThemedSpec("bipartite 150+150, 8 rounds", 150, 150, 8),
    themes.ThemedSpec("bipartite 1000+1000, 12 rounds", 1000, 1000, 12),
]


def themed(quick: bool) -> None:
    """Relevance: same-theme meetings and wishes, ours against today's and a random rotation."""
    seeds = range(2) if quick else range(5)
    head = ["event", "method", "same-theme meetings", "share", "% of best", "wishes met",
            "vs today", "no-thanks", "time to plan"]  # fmt: skip
    print(row(head))
    print(row(["---"] * len(head)))
    goals: list[str] = []
    methods: dict[str, Planner] = {
        "ours": matching.plan_event,
        "today (relevance off)": lambda inp, n: matching.plan_event(
            msgspec.structs.replace(inp, relevance=False), n
        ),
        "random rotation": random_rotation,
    }
    for spec in THEMED:
        events = [themes.generate(spec, seed) for seed in (seeds if spec.a < 1000 else range(1))]
        found: dict[str, tuple[int, int, Score, float]] = {}
        best = 0
        for name, planner in methods.items():
            same = held = 0
            total, times = Score(), []
            for inp, theme in events:
                seconds, plans = timed(partial(planner, inp, spec.rounds), 1)
                times.append(seconds)
                if name == "ours":
                    best += themes.best_same_theme(inp, theme, spec.rounds, plans)
                s = score(inp, plans)
                total.wishes += s.wishes
                total.declined += s.declined
                x, y = themes.same_theme(plans, theme)
                same, held = same + x, held + y
            found[name] = (same, held, total, statistics.median(times))
        today = found["today (relevance off)"][2].wishes or 1
        for name, (same, held, total, seconds) in found.items():
            best_share = min(best, held) / held
            print(
                row(
                    [
                        f"{spec.name} (x{len(events)})",
                        name,
                        f"{same} of {held}",
                        f"{100 * same / held:.1f}%",
                        f"{100 * (same / held) / best_share:.1f}%",
                        str(total.wishes),
                        f"{100 * total.wishes / today:.1f}%",
                        str(total.declined),
                        f"{1000 * seconds:.0f} ms",
                    ]
                )
            )
        same, held, total, _ = found["ours"]
        share = 100 * (same / held) / (min(best, held) / held)
        goals.append(
            f"{spec.name}: {share:.1f}% of the best same-theme share (goal 90%), wishes met "
            f"{100 * total.wishes / today:.1f}% of today's (goal 99%)"
        )
        if spec.a >= 1000:
            goals.append(
                f"{spec.name}: {resolve_themed(events[0][0], spec.rounds, 3 if quick else 7)}"
            )
    print()
    for line in goals:
        print("-", line)


def resolve_themed(inp: MatchInput, rounds: int, runs: int) -> str:
    """The relevance matrix's time (once per change of the profiles), then a round re-solved
    with it cached: at the start, and mid-event with a tenth away."""
    start = time.perf_counter()
    scores._build.cache_clear()
    scores.relevance(inp.profiles, inp.synonyms)
    matrix = time.perf_counter() - start
    start_cpu = time.process_time()
    for _ in range(runs):
        matching.pair_round(msgspec.structs.replace(inp, rounds_left=rounds))
    cpu = (time.process_time() - start_cpu) / runs
    return (
        f"relevance matrix {1000 * matrix:.0f} ms (once per change of profiles); "
        + resolve(inp, rounds, runs)
        + f" (goal < 200 ms); CPU time of a round at the start {1000 * cpu:.0f} ms"
    )


def resolve(inp: MatchInput, rounds: int, runs: int) -> str:
    """Median time of one round re-solved: at the start, and mid-event with a tenth away."""
    first, _ = timed(
        lambda: matching.pair_round(msgspec.structs.replace(inp, rounds_left=rounds)), runs
    )
    played = matching.plan_event(inp, rounds // 2)
    met = matching.met_pairs(room.members for plan in played for room in plan.rooms)
    later = msgspec.structs.replace(
        inp,
        present=tuple(p for i, p in enumerate(inp.present) if i % 10),
        met=frozenset(met),
        rounds_left=rounds - rounds // 2,
    )
    mid, _ = timed(lambda: matching.pair_round(later), runs)
    return (
        f"one round re-solved: {1000 * first:.0f} ms for {len(inp.present)} present at the start, "
        f"{1000 * mid:.0f} ms for {len(later.present)} present mid-event"
    )


if __name__ == "__main__":
    main()
