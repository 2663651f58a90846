"""Matching's vocabulary and hard rules: the input, the plan, who may meet, why, how much."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import msgspec

from ..model import MatchingMode, OddPolicy, RoomReason, Wish, WishLevel

Pair = frozenset[str]

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
