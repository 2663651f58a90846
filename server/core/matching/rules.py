"""Matching's vocabulary and hard rules: the input, the plan, who may meet, why, how much."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Literal

import msgspec

from ..model import MatchingMode, OddPolicy, RoomReason, Wish, WishLevel
from ..relevance.scores import Profile

Pair = frozenset[str]

WISH_POINTS: Mapping[WishLevel, int] = {"must": 15, "like": 10, "no": 0}
MUTUAL_BONUS = 5  # a mutual "like" (25) outweighs a one-sided "must" (15)


class Limits(msgspec.Struct, frozen=True, kw_only=True):
    """Where the matcher changes method with the event's size. Any values give valid rounds.

    The sparse methods either prove their answer optimal or fall back to the dense one, so
    ``dense_up_to`` and ``fill_candidates`` change how long a round takes, not its seats or the
    wishes planned (a sparse fill may plan other plain meetings, as many); ``joint_plan_up_to``
    and ``plan_node_limit`` (a plan given up) can change which meetings a plan keeps.
    """

    dense_up_to: int = 300  # up to this many people, every allowed pair is a candidate at once
    fill_candidates: int = 24  # above it: random fill partners offered to each person, before all
    joint_plan_up_to: int = 400  # bipartite: people up to which a short fill is redone with one LP
    plan_node_limit: int = 2000  # branch-and-bound nodes for the plan's wishes (open mode)

    def __post_init__(self) -> None:
        if min(self.dense_up_to, self.fill_candidates, self.joint_plan_up_to) < 0:
            raise ValueError("matching limits cannot be negative")
        if self.plan_node_limit < 1:
            raise ValueError("the plan needs at least one branch-and-bound node")


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
    limits: Limits = Limits()  # the sizes at which methods change; the defaults suit the server
    # relevance from profiles, a tier below wishes (off: the pairs of plain meetings are left to
    # chance, as before it existed): everyone's profiles (the present and the others, so that
    # the matrix, cached by content, survives comings and goings) and the event's synonyms
    relevance: bool = False
    profiles: Mapping[str, Profile] = msgspec.field(default_factory=dict)
    synonyms: tuple[str, ...] = ()


class PlannedRoom(msgspec.Struct, frozen=True, kw_only=True):
    """A room the matcher proposes, with the reason it was made."""

    members: tuple[str, ...]
    reason: RoomReason


class RoundPlan(msgspec.Struct, frozen=True, kw_only=True):
    """The rooms of one round and who waits."""

    rooms: tuple[PlannedRoom, ...]
    waiting: tuple[str, ...]


Solver = Literal["assignment", "dense", "sparse", "fallback"]  # how a round's pairs were found
# how a plan's fill was found (``relevant``: on each person's most relevant partners)
FillMethod = Literal["none", "relevant", "dense", "sparse", "fallback"]


class Trace(msgspec.Struct, frozen=True, kw_only=True):
    """How a round was solved: which of the methods that ``Limits`` choose between ran.

    ``matching``: ``assignment`` (bipartite, two sides: always on every pair), ``dense`` (every
    allowed pair), ``sparse`` (wished pairs and random fill candidates, proven optimal) or
    ``fallback`` (every allowed pair, after the sparse tries found no proof). ``sparse_tries``
    counts those tries (0 to 2). ``fill``: the bipartite plan's fill of plain meetings, the same
    words (``none`` when nothing was planned or no fill was needed). ``joint_plan``: the plan was
    redone as one LP, wishes and fill together. ``weight``: the round's matching's total tiered
    weight (trio extras aside), the value on which every method must agree when the plan (the
    tier between seats and wishes) is the same.
    """

    matching: Solver
    sparse_tries: int = 0
    fill: FillMethod = "none"
    joint_plan: bool = False
    weight: int = 0


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
