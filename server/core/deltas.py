"""The staff board as changes: what turns the board a client holds into the next one.

A board is the ``rooms`` payload (``overview.board_payload``): lists of rooms and participants
(each with an ``id``), the ``waiting`` list and the open ``help`` requests. A delta names the
rooms and participants that are new or changed (whole), the ids that are gone, the new order
when it is not the one a client gets by itself (the old order without the gone, then the new
in the order given), and ``waiting`` and ``help`` whole when they changed. ``apply`` is what a
client does with it (``web/static/js/deltas.js`` does the same); ``apply(old, diff(old, new))``
is ``new`` (but for ``seq``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

Board = Mapping[str, Any]

# (list, its gone ids, its order when not the obvious one)
LISTS = (
    ("rooms", "removed", "order"),
    ("participants", "participants_removed", "participants_order"),
)
WHOLE = ("waiting", "help")


def _diff_list(
    old: Sequence[Mapping[str, Any]], new: Sequence[Mapping[str, Any]]
) -> tuple[list[Mapping[str, Any]], list[str], list[str] | None]:
    before = {x["id"]: x for x in old}
    ids = [x["id"] for x in new]
    present = set(ids)
    changed = [x for x in new if before.get(x["id"]) != x]
    removed = [i for i in before if i not in present]
    expected = [i for i in before if i in present] + [i for i in ids if i not in before]
    return changed, removed, None if ids == expected else ids


def diff(old: Board, new: Board) -> dict[str, Any] | None:
    """The delta from ``old`` to ``new`` (``None`` when they show the same)."""
    out: dict[str, Any] = {}
    for key, gone, order in LISTS:
        changed, removed, ids = _diff_list(old.get(key, ()), new.get(key, ()))
        if changed:
            out[key] = changed
        if removed:
            out[gone] = removed
        if ids is not None:
            out[order] = ids
    for key in WHOLE:
        if old.get(key) != new.get(key):
            out[key] = new.get(key)
    return out or None


def size(delta: Mapping[str, Any]) -> int:
    """How many rooms and participants a delta carries or removes."""
    return sum(len(delta.get(key, ())) + len(delta.get(gone, ())) for key, gone, _ in LISTS)


def worth_sending(delta: Mapping[str, Any], new: Board) -> bool:
    """Whether the delta is smaller than the board (else send the board: a new round)."""
    whole = sum(len(new.get(key, ())) for key, _, _ in LISTS)
    return size(delta) * 2 <= whole


def _apply_list(
    old: Sequence[Mapping[str, Any]],
    changed: Sequence[Mapping[str, Any]],
    removed: Sequence[str],
    order: Sequence[str] | None,
) -> list[Mapping[str, Any]]:
    by_id = {x["id"]: x for x in old}
    gone = set(removed)
    ids = [i for i in by_id if i not in gone]
    for x in changed:
        if x["id"] not in by_id:
            ids.append(x["id"])
        by_id[x["id"]] = x
    return [by_id[i] for i in (order if order is not None else ids)]


def apply(board: Board, delta: Mapping[str, Any]) -> dict[str, Any]:
    """The board after ``delta`` (what every staff client does)."""
    out = dict(board)
    for key, gone, order in LISTS:
        out[key] = _apply_list(
            board.get(key, ()), delta.get(key, ()), delta.get(gone, ()), delta.get(order)
        )
    for key in WHOLE:
        if key in delta:
            out[key] = delta[key]
    return out
