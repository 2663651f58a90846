"""Each person's meetings for the rounds left: wishes first (b-matching), then plain fill."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, linprog, milp
from scipy.sparse import coo_array, csr_array
from scipy.sparse.csgraph import maximum_flow

from ..relevance.scores import LEVELS
from .rules import FillMethod, Limits, MatchInput
from .tables import Ints, Tables, random_pairs, relevant_pairs


@dataclass(frozen=True, slots=True)
class Plan:
    """Each person's meetings for the rounds left, and how they were chosen."""

    ii: Ints  # the planned pairs (i, j)
    jj: Ints
    degree: Ints  # planned meetings per person
    caps: Ints  # the most each person can have
    fill: FillMethod = "none"  # how plain meetings were added (bipartite)
    joint: bool = False  # wishes and fill chosen together in one LP


def _caps(t: Tables, inp: MatchInput) -> Ints:
    """How many more meetings each person can have, if waits stay fair."""
    left = max(inp.rounds_left, 1)
    caps = np.full(t.n, left, dtype=np.int64)
    if not t.two_sides:
        return caps
    counts = np.bincount(t.side, minlength=2)
    big = int(np.argmax(counts))
    room_for = int(counts[1 - big]) * (2 if inp.odd == "trio" else 1)
    idle = left * max(int(counts[big]) - room_for, 0)  # waits the larger side will share
    if idle == 0:
        return caps
    members = np.flatnonzero(t.side == big)
    waited = t.seat[members]
    level = int(waited.min())
    while int(np.maximum(level - waited, 0).sum()) < idle:
        level += 1
    # everyone below level - 1 surely waits up to it; the last wait falls on some of the rest
    caps[members] = np.maximum(left - np.maximum(level - 1 - waited, 0), 0)
    return caps


def plan_meetings(t: Tables, inp: MatchInput) -> Plan:
    """Each person's meetings for the rounds left: the pairs, degrees and caps.

    First the wishes: a maximum-weight b-matching, each person in at most ``cap`` of them (an
    integer program; in bipartite mode its LP is integral). Then, in bipartite mode, plain
    meetings fill everyone up to their cap (a maximum flow). The wishes kept are the most any
    plan can meet; when the fill reaches every cap, the smaller side has ``d`` meetings each and,
    by König's theorem, the plan splits into ``d`` rounds that seat them all. When it cannot,
    small events choose wishes and fill together, in one LP.
    """
    limits = inp.limits
    caps = _caps(t, inp)
    ii, jj = _kept_wishes(t, caps, limits.plan_node_limit)
    fill: FillMethod = "none"
    joint = False
    if t.two_sides:
        degree = np.bincount(np.concatenate([ii, jj]), minlength=t.n).astype(np.int64)
        fi, fj, full, fill = _fill_plan(t, caps - degree, ii, jj, limits)
        if full or t.n > limits.joint_plan_up_to:
            ii, jj = np.concatenate([ii, fi]), np.concatenate([jj, fj])
        else:
            ii, jj = _joint_plan(t, caps)
            joint = True
    degree = np.bincount(np.concatenate([ii, jj]), minlength=t.n).astype(np.int64)
    return Plan(ii, jj, degree, caps, fill, joint)


def _incidence(n: int, ii: Ints, jj: Ints) -> csr_array:
    m = len(ii)
    columns = np.concatenate([np.arange(m), np.arange(m)])
    return coo_array((np.ones(2 * m), (np.concatenate([ii, jj]), columns)), shape=(n, m)).tocsr()


def _kept_wishes(t: Tables, caps: Ints, node_limit: int) -> tuple[Ints, Ints]:
    if len(t.wi) == 0:
        return t.wi, t.wj
    result = milp(
        c=-t.wv.astype(float),
        integrality=np.ones(len(t.wi)),
        bounds=Bounds(0, 1),
        constraints=LinearConstraint(_incidence(t.n, t.wi, t.wj), -np.inf, caps.astype(float)),
        options={"node_limit": node_limit},
    )
    if result.x is None:  # no answer within the node limit: keep no wish ahead
        return t.wi[:0], t.wj[:0]
    keep = np.asarray(result.x) > 0.5
    return t.wi[keep], t.wj[keep]


def _joint_plan(t: Tables, caps: Ints) -> tuple[Ints, Ints]:
    """As many meetings as caps allow, then the most wish points: one LP over every pair.

    The constraint matrix of a bipartite b-matching is totally unimodular, so the LP's basic
    optimum is integral.
    """
    ii, jj = np.nonzero(np.triu(t.ok, 1))
    if len(ii) == 0:
        return ii, jj
    points = t.points[ii, jj].astype(float)
    if t.rel is not None:  # below one wish point, all of the plan's relevance together
        points += t.rel[ii, jj] / (LEVELS * (float(caps.sum()) / 2 + 1) + 1)
    meeting = float(points.max()) * float(caps.sum()) + 1.0  # one more meeting beats any wishes
    result = linprog(
        -(meeting + points),
        A_ub=_incidence(t.n, ii, jj),
        b_ub=caps.astype(float),
        bounds=(0, 1),
        method="highs-ds",
    )
    keep = np.asarray(result.x) > 0.5
    return ii[keep], jj[keep]


def _fill_plan(
    t: Tables, deficit: Ints, ki: Ints, kj: Ints, limits: Limits
) -> tuple[Ints, Ints, bool, FillMethod]:
    """Plain meetings up to each cap, as many as can be: a maximum flow, sparse candidates first.

    Also says whether they reach every cap on one side, the most any plan could, and how they
    were found: on random candidates (``sparse``, kept only when they reach that most), on every
    allowed pair (``dense``, for events up to ``dense_up_to``, or ``fallback``). With relevance
    on, the most relevant meetings come first (``relevant``, ``_relevant_fill``).
    """
    left, right = np.flatnonzero(t.side == 0), np.flatnonzero(t.side == 1)
    need = min(int(deficit[left].sum()), int(deficit[right].sum()))
    if need <= 0:
        return ki[:0], kj[:0], True, "none"
    if t.rel is not None:
        fi, fj = _relevant_fill(t, deficit, ki, kj, limits)
        if len(fi) >= need:
            return fi, fj, True, "relevant"
    return _plain_fill(t, deficit, ki, kj, limits, need)


# the relevance levels, highest first, at which the relevant fill takes meetings in turn
_LAYERS = (LEVELS * 3 // 4, LEVELS // 2, LEVELS // 4, 1)


def _relevant_fill(
    t: Tables, deficit: Ints, ki: Ints, kj: Ints, limits: Limits
) -> tuple[Ints, Ints]:
    """Plain meetings, the most relevant first. Up to ``dense_up_to`` people, exactly (an LP
    over every allowed pair). Above, by layers of relevance: as many as can be of the most
    relevant (a maximum flow on each person's ``fill_candidates`` most relevant partners, at
    level 15 or more), then of the next layer with what caps are left, down to any level; the
    rest on every allowed pair of the people who still have room. Greedy by layers, so not the
    most relevance any fill could have, but the most meetings of the top layer. The caller
    falls back to the plain fill when they fall short."""
    if t.n <= limits.dense_up_to:
        return _relevant_lp_fill(t, deficit, ki, kj)
    left, right = np.flatnonzero(t.side == 0), np.flatnonzero(t.side == 1)
    li, rj = relevant_pairs(t, left, right, limits.fill_candidates)
    level = t.rel[li, rj] if t.rel is not None else np.zeros(len(li), np.int64)
    got_i, got_j = [ki[:0]], [kj[:0]]
    left_over = deficit.copy()
    for at in _LAYERS:
        taken_i, taken_j = np.concatenate([ki, *got_i]), np.concatenate([kj, *got_j])
        sel = level >= at
        fi, fj, _ = _max_flow(t, left_over, li[sel], rj[sel], _codes(t, taken_i, taken_j))
        got_i.append(fi)
        got_j.append(fj)
        left_over -= np.bincount(np.concatenate([fi, fj]), minlength=t.n)
    fi, fj = np.concatenate(got_i), np.concatenate(got_j)
    # the rest: every allowed pair of the people who still have room (few, by now)
    li, rj = left[left_over[left] > 0], right[left_over[right] > 0]
    a, b = np.nonzero(t.ok[np.ix_(li, rj)])
    taken = _codes(t, np.concatenate([ki, fi]), np.concatenate([kj, fj]))
    ri, rj2, _ = _max_flow(t, left_over, li[a], rj[b], taken)
    return np.concatenate([fi, ri]), np.concatenate([fj, rj2])


def _relevant_lp_fill(t: Tables, deficit: Ints, ki: Ints, kj: Ints) -> tuple[Ints, Ints]:
    """Small events: the most plain meetings up to each cap, then the most relevance, exactly
    (one LP over every allowed pair not kept: a bipartite b-matching, so its basic optimum is
    integral)."""
    ii, jj = np.nonzero(np.triu(t.ok, 1))
    spare = ~np.isin(_codes(t, ii, jj), _codes(t, ki, kj))
    ii, jj = ii[spare], jj[spare]
    if len(ii) == 0 or t.rel is None:
        return ii, jj
    meeting = float(LEVELS) * float(deficit.sum()) + 1.0  # one more meeting beats any relevance
    result = linprog(
        -(meeting + t.rel[ii, jj].astype(float)),
        A_ub=_incidence(t.n, ii, jj),
        b_ub=np.maximum(deficit, 0).astype(float),
        bounds=(0, 1),
        method="highs-ds",
    )
    keep = np.asarray(result.x) > 0.5
    return ii[keep], jj[keep]


def _codes(t: Tables, ii: Ints, jj: Ints) -> Ints:
    return np.minimum(ii, jj) * t.n + np.maximum(ii, jj)


def _plain_fill(
    t: Tables, deficit: Ints, ki: Ints, kj: Ints, limits: Limits, need: int
) -> tuple[Ints, Ints, bool, FillMethod]:
    """Plain meetings up to each cap, whoever they are: random candidates, then every pair."""
    left, right = np.flatnonzero(t.side == 0), np.flatnonzero(t.side == 1)
    kept = _codes(t, ki, kj)
    if t.n > limits.dense_up_to:
        li, rj = random_pairs(t, left, right, limits.fill_candidates)
        fi, fj, flow = _max_flow(t, deficit, li, rj, kept)
        if flow >= need:
            return fi, fj, True, "sparse"
    li, rj = np.nonzero(t.ok[np.ix_(left, right)])
    fi, fj, flow = _max_flow(t, deficit, left[li], right[rj], kept)
    return fi, fj, flow >= need, "dense" if t.n <= limits.dense_up_to else "fallback"


def _max_flow(t: Tables, deficit: Ints, li: Ints, rj: Ints, kept: Ints) -> tuple[Ints, Ints, int]:
    """The most plain meetings on the offered pairs ``(li, rj)`` (left, right) not yet kept."""
    left, right = np.flatnonzero(t.side == 0), np.flatnonzero(t.side == 1)
    spare = t.ok[li, rj] & ~np.isin(np.minimum(li, rj) * t.n + np.maximum(li, rj), kept)
    li, rj = li[spare], rj[spare]
    source, sink = t.n, t.n + 1
    heads = np.concatenate([np.full(len(left), source), li, right])
    tails = np.concatenate([left, rj, np.full(len(right), sink)])
    capacity = np.concatenate([deficit[left], np.ones(len(li), np.int64), deficit[right]])
    graph = csr_array((capacity.astype(np.int32), (heads, tails)), shape=(t.n + 2,) * 2)
    flow = maximum_flow(graph, source, sink)
    used = flow.flow.tocoo()
    meets = (used.data > 0) & (used.row < t.n) & (used.col < t.n)
    return used.row[meets].astype(np.int64), used.col[meets].astype(np.int64), int(flow.flow_value)
