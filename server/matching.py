"""Who meets whom: each round solved for the people present, under the event's hard rules."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import msgspec
import numpy as np
from scipy.optimize import linear_sum_assignment

from .model import MatchingMode, OddPolicy, RoomReason, Wish, WishLevel

Pair = frozenset[str]

_FORBIDDEN = -1e9
_WISH_SCORE: dict[WishLevel, float] = {"must": 30.0, "like": 10.0, "no": 0.0}
_MUTUAL_BONUS = 40.0
_WAIT_BONUS = 1000.0  # pairing someone who waited before outweighs any wish


class MatchInput(msgspec.Struct, frozen=True, kw_only=True):
    """Everything a round's pairing depends on."""

    present: tuple[str, ...]
    sides: Mapping[str, str]
    mode: MatchingMode = "open"
    odd: OddPolicy = "trio"
    met: frozenset[Pair] = frozenset()
    wishes: Mapping[tuple[str, str], WishLevel] = msgspec.field(default_factory=dict)
    waits: Mapping[str, int] = msgspec.field(default_factory=dict)


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


def weight(a: str, b: str, inp: MatchInput) -> float:
    """How much pairing ``a`` with ``b`` is worth this round (``_FORBIDDEN`` when not allowed)."""
    if not allowed(a, b, inp):
        return _FORBIDDEN
    w = 1.0
    ab = inp.wishes.get((a, b))
    ba = inp.wishes.get((b, a))
    w += _WISH_SCORE.get(ab, 0.0) if ab else 0.0
    w += _WISH_SCORE.get(ba, 0.0) if ba else 0.0
    if ab in ("must", "like") and ba in ("must", "like"):
        w += _MUTUAL_BONUS
    w += _WAIT_BONUS * (inp.waits.get(a, 0) + inp.waits.get(b, 0))
    return w


def _bipartite_pairs(inp: MatchInput, people: Sequence[str]) -> list[tuple[str, str]]:
    sides = sorted({inp.sides.get(p, "") for p in people})
    if len(sides) < 2:
        return []
    left = [p for p in people if inp.sides.get(p, "") == sides[0]]
    right = [p for p in people if inp.sides.get(p, "") != sides[0]]
    matrix = np.array([[weight(a, b, inp) for b in right] for a in left], dtype=float)
    rows, cols = linear_sum_assignment(matrix, maximize=True)
    return [
        (left[r], right[c])
        for r, c in zip(rows, cols, strict=True)
        if matrix[r, c] > _FORBIDDEN / 2
    ]


def _open_pairs(inp: MatchInput, people: Sequence[str]) -> list[tuple[str, str]]:
    candidates = sorted(
        (
            (weight(a, b, inp), i, j)
            for i, a in enumerate(people)
            for j, b in enumerate(people)
            if i < j and allowed(a, b, inp)
        ),
        key=lambda t: (-t[0], t[1], t[2]),
    )
    taken: set[int] = set()
    pairs: list[tuple[str, str]] = []
    for _, i, j in candidates:
        if i not in taken and j not in taken:
            taken.update((i, j))
            pairs.append((people[i], people[j]))
    return pairs


def _place_extra(extra: str, rooms: list[list[str]], inp: MatchInput) -> bool:
    best: tuple[float, int] | None = None
    for index, members in enumerate(rooms):
        if len(members) != 2:
            continue
        if inp.mode == "bipartite":
            ok = (
                all(frozenset((extra, m)) not in inp.met for m in members)
                and any(allowed(extra, m, inp) for m in members)
                and not any(
                    inp.wishes.get((extra, m)) == "no" or inp.wishes.get((m, extra)) == "no"
                    for m in members
                )
            )
        else:
            ok = all(allowed(extra, m, inp) for m in members)
        if not ok:
            continue
        score = sum(max(weight(extra, m, inp), 0.0) for m in members)
        if best is None or score > best[0]:
            best = (score, index)
    if best is None:
        return False
    rooms[best[1]].append(extra)
    return True


def pair_round(inp: MatchInput) -> RoundPlan:
    """Pair the people present for one round, best total weight first, then place the rest."""
    people = sorted(set(inp.present))
    pairs = _bipartite_pairs(inp, people) if inp.mode == "bipartite" else _open_pairs(inp, people)
    rooms = [list(pair) for pair in pairs]
    paired = {p for pair in pairs for p in pair}
    rest = sorted((p for p in people if p not in paired), key=lambda p: (inp.waits.get(p, 0), p))
    waiting: list[str] = []
    for extra in rest:
        if inp.odd == "trio" and _place_extra(extra, rooms, inp):
            continue
        waiting.append(extra)
    planned = tuple(
        PlannedRoom(members=tuple(members), reason=reason(members[0], members[1], inp.wishes))
        for members in rooms
    )
    return RoundPlan(rooms=planned, waiting=tuple(waiting))


def met_pairs(rooms: Iterable[Sequence[str]]) -> set[Pair]:
    """Every pair that shared a room."""
    out: set[Pair] = set()
    for members in rooms:
        for i, a in enumerate(members):
            for b in members[i + 1 :]:
                out.add(frozenset((a, b)))
    return out


def plan_event(inp: MatchInput, rounds: int) -> list[RoundPlan]:
    """Plan every remaining round for the same people, carrying meetings and waits forward."""
    plans: list[RoundPlan] = []
    met = set(inp.met)
    waits = dict(inp.waits)
    for _ in range(rounds):
        plan = pair_round(msgspec.structs.replace(inp, met=frozenset(met), waits=dict(waits)))
        plans.append(plan)
        met |= met_pairs(room.members for room in plan.rooms)
        for p in plan.waiting:
            waits[p] = waits.get(p, 0) + 1
    return plans
