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
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import msgspec
import numpy as np
import numpy.typing as npt
import rustworkx as rx
from scipy.optimize import Bounds, LinearConstraint, linear_sum_assignment, linprog, milp
from scipy.sparse import coo_array, csr_array
from scipy.sparse.csgraph import maximum_flow

from .model import MatchingMode, OddPolicy, RoomReason, Wish, WishLevel

Pair = frozenset[str]
Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]

WISH_POINTS: Mapping[WishLevel, int] = {"must": 15, "like": 10, "no": 0}
MUTUAL_BONUS = 5  # a mutual "like" (25) outweighs a one-sided "must" (15)
DENSE_UP_TO = 300  # up to this many people, every allowed pair is a candidate at once
FILL_CANDIDATES = 24  # above it: random fill partners offered to each person, before all
JOINT_PLAN_UP_TO = 400  # bipartite: people up to which a short fill is redone with one LP
_PLAN_NODE_LIMIT = 2000  # branch-and-bound nodes for the open-mode plan (bipartite needs none)


class MatchInput(msgspec.Struct, frozen=True, kw_only=True):
    """Everything a round's pairing depends on."""

    present: tuple[str, ...]
    sides: Mapping[str, str]
    mode: MatchingMode = "open"
    odd: OddPolicy = "trio"
    met: frozenset[Pair] = frozenset()
    wishes: Mapping[tuple[str, str], WishLevel] = msgspec.field(default_factory=dict)
    waits: Mapping[str, int] = msgspec.field(default_factory=dict)
    rounds_left: int = 1  # this round and the ones after it: how far the plan looks


class PlannedRoom(msgspec.Struct, frozen=True, kw_only=True):
    """A room the matcher proposes, with the reason it was made."""

    members: tuple[str, ...]
    reason: RoomReason


class RoundPlan(msgspec.Struct, frozen=True, kw_only=True):
    """The rooms of one round and who waits."""

    rooms: tuple[PlannedRoom, ...]
    waiting: tuple[str, ...]


def wish_map(wishes: Iterable[Wish]) -> dict[tuple[str, str], WishLevel]:
    """Index wishes by ``(source, target)``; the last one given wins."""
    return {(w.source, w.target): w.level for w in wishes}


def allowed(a: str, b: str, inp: MatchInput) -> bool:
    """Whether ``a`` and ``b`` may meet: not met before, no "no", cross-side in bipartite mode."""
    if a == b or frozenset((a, b)) in inp.met:
        return False
    if inp.wishes.get((a, b)) == "no" or inp.wishes.get((b, a)) == "no":
        return False
    if inp.mode == "bipartite" and inp.sides.get(a) == inp.sides.get(b):
        return False
    return True


def reason(a: str, b: str, wishes: Mapping[tuple[str, str], WishLevel]) -> RoomReason:
    """Why ``a`` and ``b`` were paired."""
    ab = wishes.get((a, b)) in ("must", "like")
    ba = wishes.get((b, a)) in ("must", "like")
    if ab and ba:
        return "mutual_wish"
    if ab or ba:
        return "wish"
    return "fill"


def room_reason(members: Sequence[str], wishes: Mapping[tuple[str, str], WishLevel]) -> RoomReason:
    """Why a room was made: the strongest reason among its pairs."""
    found = {reason(a, b, wishes) for i, a in enumerate(members) for b in members[i + 1 :]}
    return next((r for r in ("mutual_wish", "wish") if r in found), "fill")


def value(a: str, b: str, wishes: Mapping[tuple[str, str], WishLevel]) -> int:
    """Wish points of a meeting between ``a`` and ``b`` (0 for a plain fill)."""
    ab, ba = wishes.get((a, b), "no"), wishes.get((b, a), "no")
    mutual = MUTUAL_BONUS if ab != "no" and ba != "no" else 0
    return WISH_POINTS[ab] + WISH_POINTS[ba] + mutual


def met_pairs(rooms: Iterable[Sequence[str]]) -> set[Pair]:
    """Every pair that shared a room."""
    out: set[Pair] = set()
    for members in rooms:
        for i, a in enumerate(members):
            for b in members[i + 1 :]:
                out.add(frozenset((a, b)))
    return out


def plan_event(inp: MatchInput, rounds: int) -> list[RoundPlan]:
    """Plan ``rounds`` rounds for the same people, carrying meetings and waits forward."""
    plans: list[RoundPlan] = []
    met = set(inp.met)
    waits = dict(inp.waits)
    for done in range(rounds):
        step = msgspec.structs.replace(
            inp, met=frozenset(met), waits=dict(waits), rounds_left=rounds - done
        )
        plan = pair_round(step)
        plans.append(plan)
        met |= met_pairs(room.members for room in plan.rooms)
        for p in plan.waiting:
            waits[p] = waits.get(p, 0) + 1
    return plans


def pair_round(inp: MatchInput) -> RoundPlan:
    """Seat the people present for one round: an optimal matching, then trios or waits."""
    t = _tables(inp)
    if t.n == 0:
        return RoundPlan(rooms=(), waiting=())
    pairs = _pairs(t, inp)
    rooms = [list(p) for p in pairs]
    seated = {i for p in pairs for i in p}
    rest = [i for i in range(t.n) if i not in seated]
    if inp.odd == "trio" and rest and rooms:
        for x, room in _place_extras(t, rest, pairs):
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
    return RoundPlan(rooms=planned, waiting=waiting)


@dataclass(frozen=True, slots=True)
class _Tables:
    """The round's people by index, and who may meet whom."""

    people: list[str]
    side: Ints  # side code per person
    two_sides: bool  # bipartite with exactly two sides present: an assignment problem
    free: Bools  # not met, no "no" between them (sides aside)
    ok: Bools  # may be paired: free and, in bipartite mode, cross-side
    wi: Ints  # the wished pairs that may meet, i < j ...
    wj: Ints
    wv: Ints  # ... and their wish points
    points: Ints  # the same as a symmetric matrix
    seat: Ints  # 1 + waits (relative to the least waited): tier 1

    @property
    def n(self) -> int:
        return len(self.people)


def _tables(inp: MatchInput) -> _Tables:
    people = sorted(set(inp.present))
    n = len(people)
    index = {p: i for i, p in enumerate(people)}
    names = sorted({inp.sides.get(p, "") for p in people})
    side = np.array([names.index(inp.sides.get(p, "")) for p in people], dtype=np.int64)
    free = np.ones((n, n), dtype=np.bool_)
    np.fill_diagonal(free, False)
    met = np.array(
        [index.get(p, -1) for pair in inp.met if len(pair) == 2 for p in pair], dtype=np.int64
    ).reshape(-1, 2)
    met = met[(met >= 0).all(axis=1)]
    free[met[:, 0], met[:, 1]] = free[met[:, 1], met[:, 0]] = False
    wished: dict[tuple[int, int], list[int]] = {}
    for (a, b), level in inp.wishes.items():
        i, j = index.get(a), index.get(b)
        if i is None or j is None or i == j:
            continue
        if level == "no":
            free[i, j] = free[j, i] = False
        else:
            wished.setdefault((min(i, j), max(i, j)), []).append(WISH_POINTS[level])
    ok = free & (side[:, None] != side[None, :]) if inp.mode == "bipartite" else free
    order = sorted(wished)  # the same plan whatever order the wishes came in
    pairs = np.array(order, dtype=np.int64).reshape(-1, 2)
    wv = np.array([sum(wished[k]) + MUTUAL_BONUS * (len(wished[k]) == 2) for k in order], np.int64)
    keep = ok[pairs[:, 0], pairs[:, 1]]
    wi, wj, wv = pairs[keep, 0], pairs[keep, 1], wv[keep]
    points = np.zeros((n, n), dtype=np.int64)
    points[wi, wj] = points[wj, wi] = wv
    waits = np.array([inp.waits.get(p, 0) for p in people], dtype=np.int64)
    seat = 1 + waits - (waits.min() if n else 0)
    two = inp.mode == "bipartite" and len(names) == 2
    return _Tables(people, side, two, free, ok, wi, wj, wv, points, seat)


def _caps(t: _Tables, inp: MatchInput) -> Ints:
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


def _plan(t: _Tables, inp: MatchInput) -> tuple[Ints, Ints, Ints, Ints]:
    """Each person's meetings for the rounds left: the pairs ``(i, j)``, degrees and caps.

    First the wishes: a maximum-weight b-matching, each person in at most ``cap`` of them (an
    integer program; in bipartite mode its LP is integral). Then, in bipartite mode, plain
    meetings fill everyone up to their cap (a maximum flow). The wishes kept are the most any
    plan can meet; when the fill reaches every cap, the smaller side has ``d`` meetings each and,
    by König's theorem, the plan splits into ``d`` rounds that seat them all. When it cannot,
    small events choose wishes and fill together, in one LP.
    """
    caps = _caps(t, inp)
    ii, jj = _kept_wishes(t, caps)
    if t.two_sides:
        degree = np.bincount(np.concatenate([ii, jj]), minlength=t.n).astype(np.int64)
        fi, fj, full = _fill_plan(t, caps - degree, ii, jj)
        if full or t.n > JOINT_PLAN_UP_TO:
            ii, jj = np.concatenate([ii, fi]), np.concatenate([jj, fj])
        else:
            ii, jj = _joint_plan(t, caps)
    degree = np.bincount(np.concatenate([ii, jj]), minlength=t.n).astype(np.int64)
    return ii, jj, degree, caps


def _incidence(n: int, ii: Ints, jj: Ints) -> csr_array:
    m = len(ii)
    columns = np.concatenate([np.arange(m), np.arange(m)])
    return coo_array((np.ones(2 * m), (np.concatenate([ii, jj]), columns)), shape=(n, m)).tocsr()


def _kept_wishes(t: _Tables, caps: Ints) -> tuple[Ints, Ints]:
    if len(t.wi) == 0:
        return t.wi, t.wj
    result = milp(
        c=-t.wv.astype(float),
        integrality=np.ones(len(t.wi)),
        bounds=Bounds(0, 1),
        constraints=LinearConstraint(_incidence(t.n, t.wi, t.wj), -np.inf, caps.astype(float)),
        options={"node_limit": _PLAN_NODE_LIMIT},
    )
    if result.x is None:  # no answer within the node limit: keep no wish ahead
        return t.wi[:0], t.wj[:0]
    keep = np.asarray(result.x) > 0.5
    return t.wi[keep], t.wj[keep]


def _joint_plan(t: _Tables, caps: Ints) -> tuple[Ints, Ints]:
    """As many meetings as caps allow, then the most wish points: one LP over every pair.

    The constraint matrix of a bipartite b-matching is totally unimodular, so the LP's basic
    optimum is integral.
    """
    ii, jj = np.nonzero(np.triu(t.ok, 1))
    if len(ii) == 0:
        return ii, jj
    points = t.points[ii, jj].astype(float)
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


def _fill_plan(t: _Tables, deficit: Ints, ki: Ints, kj: Ints) -> tuple[Ints, Ints, bool]:
    """Plain meetings up to each cap, as many as can be: a maximum flow, sparse candidates first.

    Also says whether they reach every cap on one side, the most any plan could.
    """
    left, right = np.flatnonzero(t.side == 0), np.flatnonzero(t.side == 1)
    need = min(int(deficit[left].sum()), int(deficit[right].sum()))
    if need <= 0:
        return ki[:0], kj[:0], True
    kept = set((np.minimum(ki, kj) * t.n + np.maximum(ki, kj)).tolist())
    tries = [_random_pairs(t, left, right), None]
    if t.n <= DENSE_UP_TO:
        tries = tries[1:]
    for offered in tries:
        li, rj = offered if offered is not None else np.nonzero(t.ok[np.ix_(left, right)])
        if offered is None:
            li, rj = left[li], right[rj]
        spare = t.ok[li, rj] & ~np.isin(np.minimum(li, rj) * t.n + np.maximum(li, rj), list(kept))
        li, rj = li[spare], rj[spare]
        source, sink = t.n, t.n + 1
        heads = np.concatenate([np.full(len(left), source), li, right])
        tails = np.concatenate([left, rj, np.full(len(right), sink)])
        capacity = np.concatenate([deficit[left], np.ones(len(li), np.int64), deficit[right]])
        graph = csr_array((capacity.astype(np.int32), (heads, tails)), shape=(t.n + 2,) * 2)
        flow = maximum_flow(graph, source, sink)
        if flow.flow_value >= need or offered is None:
            used = flow.flow.tocoo()
            meets = (used.data > 0) & (used.row < t.n) & (used.col < t.n)
            fi, fj = used.row[meets].astype(np.int64), used.col[meets].astype(np.int64)
            return fi, fj, bool(flow.flow_value >= need)
    return ki[:0], kj[:0], False


def _random_pairs(t: _Tables, rows: Ints, cols: Ints) -> tuple[Ints, Ints]:
    """Fill candidates: each of ``rows`` with some random ``cols`` and back, no pair twice."""
    if len(rows) == 0 or len(cols) == 0:
        return rows[:0], cols[:0]
    rng = np.random.default_rng(t.n)
    ii = np.concatenate(
        [
            np.repeat(rows, FILL_CANDIDATES),
            rows[rng.integers(0, len(rows), len(cols) * FILL_CANDIDATES)],
        ]
    )
    jj = np.concatenate(
        [
            cols[rng.integers(0, len(cols), len(rows) * FILL_CANDIDATES)],
            np.repeat(cols, FILL_CANDIDATES),
        ]
    )
    codes = np.unique(ii * t.n + jj)
    return codes // t.n, codes % t.n


def _weights(t: _Tables, inp: MatchInput, rows: Ints, cols: Ints) -> tuple[Ints, int]:
    """The round's pair weights for ``rows`` x ``cols`` (0: may not meet), tiered as above."""
    if inp.rounds_left > 1:
        pi, pj, degree, caps = _plan(t, inp)
        tight = (degree >= caps).astype(np.int64)  # no slack: their plan must go on now
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
    w[~t.ok[np.ix_(rows, cols)]] = 0
    return w, seat_unit


def _pairs(t: _Tables, inp: MatchInput) -> list[tuple[int, int]]:
    if t.two_sides:
        left, right = np.flatnonzero(t.side == 0), np.flatnonzero(t.side == 1)
        w, _ = _weights(t, inp, left, right)
        rows, cols = linear_sum_assignment(w.astype(float), maximize=True)
        return [
            (int(left[r]), int(right[c])) for r, c in zip(rows, cols, strict=True) if w[r, c] > 0
        ]
    everyone = np.arange(t.n)
    return _general_matching(t, *_weights(t, inp, everyone, everyone))


def _general_matching(t: _Tables, w: Ints, seat_unit: int) -> list[tuple[int, int]]:
    """A maximum-weight matching; above ``DENSE_UP_TO`` people, on sparse candidate graphs.

    A sparse answer is kept only with a proof that it is optimal over every allowed pair: it
    seats everyone (but one of the least waited, for an odd count), the most any matching can,
    and its other tiers reach those of the best matching of the wished pairs alone. Both are
    upper bounds. The first try matches the wished pairs alone and then the people they leave;
    the second, wished pairs and random fill candidates together; the last, every pair.
    """
    if t.n <= DENSE_UP_TO:
        return _matching(w, *np.nonzero(np.triu(w, 1) > 0))
    rest = (w - seat_unit * (t.seat[:, None] + t.seat[None, :])) * t.ok
    wished = _matching(rest, t.wi, t.wj)
    bound = sum(int(rest[i, j]) for i, j in wished)
    left = np.ones(t.n, dtype=np.bool_)
    left[[i for pair in wished for i in pair]] = False
    who = np.flatnonzero(left)
    found = wished + _matching(w, *_random_pairs(t, who, who))
    if _proven(t, rest, found, bound):
        return found
    everyone = np.arange(t.n)
    fi, fj = _random_pairs(t, everyone, everyone)
    found = _matching(w, np.concatenate([fi, t.wi]), np.concatenate([fj, t.wj]))
    if _proven(t, rest, found, bound):
        return found
    return _matching(w, *np.nonzero(np.triu(w, 1) > 0))


def _proven(t: _Tables, rest: Ints, found: list[tuple[int, int]], bound: int) -> bool:
    seated = np.zeros(t.n, dtype=np.bool_)
    seated[[i for pair in found for i in pair]] = True
    unseated = np.flatnonzero(~seated)
    if len(unseated) > t.n % 2 or (len(unseated) and t.seat[unseated[0]] > t.seat.min()):
        return False  # perhaps more, or others, could be seated
    return sum(int(rest[i, j]) for i, j in found) >= bound


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


def _place_extras(
    t: _Tables, rest: list[int], pairs: list[tuple[int, int]]
) -> list[tuple[int, int]]:
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
