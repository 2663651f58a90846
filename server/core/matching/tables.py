"""The round's people by index and, as arrays, who may meet whom and what each pair is worth."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ..relevance.scores import LEVELS, Levels, relevance
from .rules import MUTUAL_BONUS, WISH_POINTS, MatchInput

Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class Tables:
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
    rel: Levels | None = None  # relevance 0..LEVELS of each pair that may meet (None: off)

    @property
    def n(self) -> int:
        return len(self.people)

    @property
    def rel_unit(self) -> int:
        """One unit of the tiers above relevance: more than a round's relevance can add up to."""
        return 1 if self.rel is None else LEVELS * (self.n // 2 + 1) + 1


def tables(inp: MatchInput) -> Tables:
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
    rel = None
    if inp.relevance and inp.profiles:
        levels = relevance(inp.profiles, inp.synonyms).levels(people) * ok
        rel = levels if levels.any() else None  # profiles that say nothing: as if off
    return Tables(people, side, two, free, ok, wi, wj, wv, points, seat, rel)


def random_pairs(t: Tables, rows: Ints, cols: Ints, each: int) -> tuple[Ints, Ints]:
    """Fill candidates: each of ``rows`` with ``each`` random ``cols`` and back, no pair twice."""
    if len(rows) == 0 or len(cols) == 0 or each == 0:
        return rows[:0], cols[:0]
    rng = np.random.default_rng(t.n)
    ii = np.concatenate(
        [
            np.repeat(rows, each),
            rows[rng.integers(0, len(rows), len(cols) * each)],
        ]
    )
    jj = np.concatenate(
        [
            cols[rng.integers(0, len(cols), len(rows) * each)],
            np.repeat(cols, each),
        ]
    )
    codes = np.unique(ii * t.n + jj)
    return codes // t.n, codes % t.n


def relevant_pairs(t: Tables, rows: Ints, cols: Ints, each: int) -> tuple[Ints, Ints]:
    """Candidates: each of ``rows`` with its ``each`` most relevant allowed ``cols`` and back,
    pairs of no relevance left out (none when relevance is off)."""
    if t.rel is None or len(rows) == 0 or len(cols) == 0 or each == 0:
        return rows[:0], cols[:0]
    sub = t.rel[np.ix_(rows, cols)]
    k = min(each, len(cols))
    best_cols = np.argpartition(-sub, k - 1, axis=1)[:, :k]
    ii, jj = np.repeat(rows, k), cols[best_cols.ravel()]
    k = min(each, len(rows))
    best_rows = np.argpartition(-sub, k - 1, axis=0)[:k, :]
    ii = np.concatenate([ii, rows[best_rows.T.ravel()]])
    jj = np.concatenate([jj, np.repeat(cols, k)])
    keep = t.rel[ii, jj] > 0
    codes = np.unique(ii[keep] * t.n + jj[keep])
    return codes // t.n, codes % t.n
