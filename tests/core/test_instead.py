"""What the host can do instead of a refused move, and why nobody alone could be paired."""

from __future__ import annotations

from typing import Any

import pytest

from server import rooms
from server.core import instead, rounds
from server.errors import UserError
from tests.core.states import T0, event, in_round, members

PEOPLE = ["c1", "c2", "c3", "c4", "s1", "s2", "s3", "s4"]
EVERYONE = frozenset(PEOPLE)


def round_two() -> Any:
    """Round 2 after round 1 (c1-s2, c2-s4): two pairs, a full trio, s4 alone; c3 said no to s4."""
    state = event(PEOPLE, wishes=[("c3", "s4", "no")])
    return in_round(
        state,
        [("c1", "s1"), ("c2", "s2"), ("c3", "s3", "c4"), ("s4",)],
        earlier=[[("c1", "s2"), ("c2", "s4")]],
    )


def short(found: list[dict[str, Any]]) -> list[tuple[str, str | None, bool]]:
    return [(c["kind"], c["room"], bool(c.get("same_side"))) for c in found]


CHOICES = [
    # (who, refused room, who waits first, online, what is offered instead)
    ("c1", "r2-2", None, EVERYONE, [("pair", "r2-4", False), ("next_round", None, False)]),
    # both pairs take s3 as a third with someone of the other side; the full trio is no choice
    ("s3", "r2-4", None, EVERYONE, [("trio", "r2-1", True), ("trio", "r2-2", True), ("next_round", None, False)]),
    # c2 is away: s3 would meet nobody of the other side in r2-2 (s2 sits alone there)
    ("s3", "r2-4", None, EVERYONE - {"c2"}, [("trio", "r2-1", True), ("next_round", None, False)]),
    # c2 waits (met s4 in round 1): back with s2, alone now, first; no "next round" for who waits
    ("c2", "r2-4", "c2", EVERYONE, [("pair", "r2-2", False), ("trio", "r2-1", True)]),
    # the room asked for comes first when it takes them as a room of three
    ("c2", "r2-1", "c2", EVERYONE, [("trio", "r2-1", True), ("pair", "r2-2", False)]),
]  # fmt: skip


@pytest.mark.parametrize(("pid", "refused", "waits", "online", "offered"), CHOICES)
def test_choices_instead_of_a_refused_move(
    pid: str,
    refused: str,
    waits: str | None,
    online: frozenset[str],
    offered: list[tuple[str, str | None, bool]],
) -> None:
    state = round_two()
    if waits is not None:
        state, _ = rooms.move(state, waits, None)
    assert short(instead.choices(state, pid, online, refused)) == offered


def test_a_refused_move_carries_the_choices_and_the_trio_choice_works() -> None:
    state = round_two()
    with pytest.raises(UserError) as info:
        rounds.move(state, "s3", "r2-4", T0, "host", EVERYONE)
    assert info.value.code == "same_side"
    offered = info.value.to_wire()["alternatives"]
    assert offered[0] == {
        "kind": "trio",
        "room": "r2-1",
        "with": ["Name c1", "Name s1"],
        "same_side": True,
    }
    done = rounds.move(state, "s3", "r2-1", T0, "host", EVERYONE, trio=True)
    assert members(done.state)["r2-1"] == ("c1", "s1", "s3")
    with pytest.raises(UserError, match="both on side"):  # no room of three: s4 alone
        rounds.move(state, "s3", "r2-4", T0, "host", EVERYONE, trio=True)


WHY = [
    ([], [{"code": "nobody"}]),
    (["s4"], [{"code": "single", "name": "Name s4"}]),
    (["s4", "s1"], [{"code": "same_side", "names": ["Name s1", "Name s4"], "side": "solution"}]),
    (["c2", "s4"], [{"code": "repeat", "names": ["Name c2", "Name s4"]}]),
    (["c3", "s4", "c2"], [
        {"code": "same_side", "names": ["Name c2", "Name c3"], "side": "commune"},
        {"code": "repeat", "names": ["Name c2", "Name s4"]},
        {"code": "declined", "names": ["Name c3", "Name s4"]},
    ]),
]  # fmt: skip


@pytest.mark.parametrize(("left", "why"), WHY)
def test_why_people_are_still_alone(left: list[str], why: list[dict[str, Any]]) -> None:
    assert instead.why_alone(round_two(), left) == why


def test_a_repair_that_pairs_nobody_says_why_and_where_they_could_go() -> None:
    """c2 and s4 met in round 1: alone together, they cannot be paired; each is offered a room."""
    state = round_two()
    state, _ = rooms.move(state, "c2", None)  # c2 waits; s2 and s4 sit alone
    online = EVERYONE - {"s2"}
    result = rounds.repair(state, online, T0, "host").result
    assert result["paired"] == []
    assert [p["id"] for p in result["left"]] == ["c2", "s4"]
    assert result["why"] == [{"code": "repeat", "names": ["Name c2", "Name s4"]}]
    # s2 (c2's partner of this round) is away: no choice to meet nobody
    assert short(result["alternatives"]["c2"]) == [("trio", "r2-1", True)]
    assert short(result["alternatives"]["s4"]) == [
        ("trio", "r2-1", True),
        ("next_round", None, False),
    ]
