"""One round: the optimal matching over tiered weights, and trios for the people left."""

from __future__ import annotations

import numpy as np
import rustworkx as rx
from scipy.optimize import linear_sum_assignment

from .plan import Plan, plan_meetings
from .rules import Limits, MatchInput, Solver, Trace
from .tables import Ints, Tables, random_pairs, relevant_pairs


def _weights(t: Tables, inp: MatchInput, rows: Ints, cols: Ints) -> tuple[Ints, int, Plan | None]:
    """The round's pair weights for ``rows`` x ``cols`` (0: may not meet), tiered as above,
    and the unit of the seat tier. With relevance on, every tier above it is counted in units
    of ``t.rel_unit`` (more than a round's relevance adds up to) and relevance is added."""
    plan = plan_meetings(t, inp) if inp.rounds_left > 1 else None
    if plan is not None:
        pi, pj = plan.ii, plan.jj
        tight = (plan.degree >= plan.caps).astype(np.int64)  # no slack: their plan must go on now
    else:  # the last round: nothing to keep for later
        pi = pj = tight = np.zeros(0, dtype=np.int64)
    pairs = t.n // 2 + 1
    wish_tier = int(t.wv.max(initial=0)) + 1
    plan_unit = wish_tier * pairs
    seat_unit = (2 * plan_unit + wish_tier) * pairs
    w = seat_unit * (t.seat[rows][:, None] + t.seat[cols][None, :])
    at_row = np.full(t.n, -1)
    at_row[rows] = np.arange(len(rows))
    at_col = np.full(t.n, -1)
    at_col[cols] = np.arange(len(cols))
    extra = [(t.wi, t.wj, t.wv), (pi, pj, plan_unit * (tight[pi] + tight[pj]))]
    for ii, jj, add in extra:
        for a, b in ((ii, jj), (jj, ii)):
            hit = (at_row[a] >= 0) & (at_col[b] >= 0)
            np.add.at(w, (at_row[a][hit], at_col[b][hit]), add[hit])
    if t.rel is not None:
        w = w * t.rel_unit + t.rel[np.ix_(rows, cols)]
    w[~t.ok[np.ix_(rows, cols)]] = 0
    return w, seat_unit * t.rel_unit, plan


def best_pairs(t: Tables, inp: MatchInput) -> tuple[list[tuple[int, int]], Trace]:
    """The round's optimal pairs, and how they were found."""
    if t.two_sides:
        left, right = np.flatnonzero(t.side == 0), np.flatnonzero(t.side == 1)
        w, _, plan = _weights(t, inp, left, right)
        rows, cols = linear_sum_assignment(w.astype(float), maximize=True)
        kept = [(r, c) for r, c in zip(rows, cols, strict=True) if w[r, c] > 0]
        pairs = [(int(left[r]), int(right[c])) for r, c in kept]
        weight = sum(int(w[r, c]) for r, c in kept)
        return pairs, _trace(plan, "assignment", 0, weight)
    everyone = np.arange(t.n)
    w, seat_unit, plan = _weights(t, inp, everyone, everyone)
    pairs, method, tries = _general_matching(t, w, seat_unit, inp.limits)
    return pairs, _trace(plan, method, tries, sum(int(w[i, j]) for i, j in pairs))


def _trace(plan: Plan | None, method: Solver, tries: int, weight: int) -> Trace:
    return Trace(
        matching=method,
        sparse_tries=tries,
        fill=plan.fill if plan is not None else "none",
        joint_plan=plan is not None and plan.joint,
        weight=weight,
    )


def _general_matching(
    t: Tables, w: Ints, seat_unit: int, limits: Limits
) -> tuple[list[tuple[int, int]], Solver, int]:
    """A maximum-weight matching; above ``dense_up_to`` people, on sparse candidate graphs.

    A sparse answer is kept only with a proof that it is optimal over every allowed pair: it
    seats everyone (but one of the least waited, for an odd count), the most any matching can,
    and its other tiers reach those of the best matching of the wished pairs alone. Both are
    upper bounds. Relevance, below them, is not proven: the fill candidates include each
    person's most relevant partners, and the matching takes the best of what it is offered.
    The first try matches the wished pairs alone and then the people they leave; the second,
    wished pairs and fill candidates together; the last, every pair. Also says which method
    found it and how many sparse tries were made.
    """
    if t.n <= limits.dense_up_to:
        return _matching(w, *np.nonzero(np.triu(w, 1) > 0)), "dense", 0
    rest = (w - seat_unit * (t.seat[:, None] + t.seat[None, :])) * t.ok
    wished = _matching(rest, t.wi, t.wj)
    bound = sum(int(rest[i, j]) // t.rel_unit for i, j in wished)
    left = np.ones(t.n, dtype=np.bool_)
    left[[i for pair in wished for i in pair]] = False
    who = np.flatnonzero(left)
    found = wished + _matching(w, *_candidates(t, who, limits.fill_candidates))
    if _proven(t, rest, found, bound):
        return found, "sparse", 1
    fi, fj = _candidates(t, np.arange(t.n), limits.fill_candidates)
    found = _matching(w, np.concatenate([fi, t.wi]), np.concatenate([fj, t.wj]))
    if _proven(t, rest, found, bound):
        return found, "sparse", 2
    return _matching(w, *np.nonzero(np.triu(w, 1) > 0)), "fallback", 2


def _proven(t: Tables, rest: Ints, found: list[tuple[int, int]], bound: int) -> bool:
    seated = np.zeros(t.n, dtype=np.bool_)
    seated[[i for pair in found for i in pair]] = True
    unseated = np.flatnonzero(~seated)
    if len(unseated) > t.n % 2 or (len(unseated) and t.seat[unseated[0]] > t.seat.min()):
        return False  # perhaps more, or others, could be seated
    return sum(int(rest[i, j]) // t.rel_unit for i, j in found) >= bound


def _candidates(t: Tables, who: Ints, each: int) -> tuple[Ints, Ints]:
    """Fill candidates among ``who``: random partners, and the most relevant ones."""
    ri, rj = random_pairs(t, who, who, each)
    vi, vj = relevant_pairs(t, who, who, each)
    return np.concatenate([ri, vi]), np.concatenate([rj, vj])


def _matching(w: Ints, ii: Ints, jj: Ints) -> list[tuple[int, int]]:
    """A maximum-weight matching on the pairs ``(ii, jj)`` with positive weight in ``w``."""
    lo, hi = np.minimum(ii, jj), np.maximum(ii, jj)
    codes = np.unique(lo * w.shape[0] + hi)
    ii, jj = codes // w.shape[0], codes % w.shape[0]
    usable = (ii != jj) & (w[ii, jj] > 0)
    ii, jj = ii[usable], jj[usable]
    graph: rx.PyGraph[int, int] = rx.PyGraph(multigraph=False)
    graph.add_nodes_from(range(w.shape[0]))
    graph.add_edges_from(list(zip(ii.tolist(), jj.tolist(), w[ii, jj].tolist(), strict=True)))
    found = rx.max_weight_matching(graph, weight_fn=_identity)
    return sorted((min(e), max(e)) for e in found)


def _identity(weight: int) -> int:
    return weight


def place_extras(t: Tables, rest: list[int], pairs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Trios: the people left join pairs, one each, an assignment problem seating waits first.

    An extra has met neither member and has no "no" with either. In bipartite mode extras come
    from the side with more people present: a trio is one of the smaller side, two of the larger.
    """
    extras = np.array(rest, dtype=np.int64)
    if t.two_sides:
        counts = np.bincount(t.side, minlength=2)
        larger = [s for s in (0, 1) if counts[s] == counts.max()]
        extras = extras[np.isin(t.side[extras], larger)]
    if len(extras) == 0:
        return []
    a = np.array([p[0] for p in pairs], dtype=np.int64)
    b = np.array([p[1] for p in pairs], dtype=np.int64)
    fits = t.free[np.ix_(extras, a)] & t.free[np.ix_(extras, b)]
    fits &= t.ok[np.ix_(extras, a)] | t.ok[np.ix_(extras, b)]
    points = t.points[np.ix_(extras, a)] + t.points[np.ix_(extras, b)]
    unit = (int(points.max(initial=0)) + 1) * (len(pairs) + 1)
    w = (unit * t.seat[extras][:, None] + points + 1) * fits
    rows, cols = linear_sum_assignment(w.astype(float), maximize=True)
    return [(int(extras[r]), int(c)) for r, c in zip(rows, cols, strict=True) if w[r, c] > 0]
