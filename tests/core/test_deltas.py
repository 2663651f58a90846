"""The board's deltas: applied to the board they were made from, they give the next one."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from server.core import deltas

IDS = [f"r{i}" for i in range(8)]


def _items(prefix: str) -> st.SearchStrategy[list[dict[str, Any]]]:
    item = st.fixed_dictionaries(
        {"id": st.sampled_from([f"{prefix}{i}" for i in range(8)]), "v": st.integers(0, 3)}
    )
    return st.lists(item, max_size=8, unique_by=lambda x: x["id"])


BOARDS = st.fixed_dictionaries(
    {
        "rooms": _items("r"),
        "participants": _items("p"),
        "waiting": st.lists(st.sampled_from(["p1", "p2", "p3"]), unique=True),
        "help": st.lists(st.fixed_dictionaries({"participant": st.sampled_from(["p1", "p2"])})),
        "seq": st.integers(0, 5),
    }
)


@given(BOARDS, BOARDS)
def test_a_delta_turns_the_old_board_into_the_new(old: dict[str, Any], new: dict[str, Any]) -> None:
    delta = deltas.diff(old, new)
    if delta is None:
        assert {k: v for k, v in old.items() if k != "seq"} == {
            k: v for k, v in new.items() if k != "seq"
        }
        return
    assert {**deltas.apply(old, delta), "seq": new["seq"]} == new


@given(BOARDS)
def test_an_unchanged_board_has_no_delta(board: dict[str, Any]) -> None:
    assert deltas.diff(board, {**board, "seq": board["seq"] + 1}) is None


def test_a_delta_names_only_what_changed() -> None:
    old = {
        "rooms": [{"id": "r1", "v": 1}, {"id": "r2", "v": 1}, {"id": "r3", "v": 1}],
        "participants": [{"id": "p1", "v": 0}],
        "waiting": [],
        "help": [],
    }
    new = {
        **old,
        "rooms": [{"id": "r1", "v": 1}, {"id": "r3", "v": 2}, {"id": "r4", "v": 0}],
        "waiting": ["p1"],
    }
    delta = deltas.diff(old, new)
    assert delta == {
        "rooms": [{"id": "r3", "v": 2}, {"id": "r4", "v": 0}],
        "removed": ["r2"],
        "waiting": ["p1"],
    }
    # one room of five changed: worth sending as a delta
    five = {**old, "rooms": [{"id": f"r{i}", "v": 0} for i in range(5)]}
    one = {**five, "rooms": [*five["rooms"][:4], {"id": "r4", "v": 1}]}
    small = deltas.diff(five, one)
    assert small == {"rooms": [{"id": "r4", "v": 1}]} and deltas.worth_sending(small, one)
    # rooms reordered: the order comes with the delta
    swapped = {**old, "rooms": [old["rooms"][1], old["rooms"][0], old["rooms"][2]]}
    assert deltas.diff(old, swapped) == {"order": ["r2", "r1", "r3"]}
    # every room new (a new round): not worth it, the whole board goes
    fresh = {**old, "rooms": [{"id": f"s{i}", "v": 0} for i in range(3)]}
    delta = deltas.diff(old, fresh)
    assert delta is not None and not deltas.worth_sending(delta, fresh)
