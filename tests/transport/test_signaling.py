"""Who may call whom, and who is polite: the pure parts of ``server.signaling``."""

from __future__ import annotations

from itertools import permutations

from server.signaling import RoomIndex, roles
from tests.core.states import event, in_round

FIVE = ["c1", "c2", "s1", "s2", "s3"]


def test_of_any_two_exactly_one_is_polite() -> None:
    trio = ["p2", "p10", "p7"]
    for a, b in permutations(trio, 2):
        assert roles(a, [b])[b] != roles(b, [a])[a]
    # and in a room of three, each pair agrees on who is polite
    for me in trio:
        others = [p for p in trio if p != me]
        for other, polite in roles(me, others).items():
            assert roles(other, [me])[me] is not polite


def test_the_room_index_knows_each_members_peers_during_a_round_only() -> None:
    lobby = event(FIVE)
    assert RoomIndex.of(lobby).running is False
    state = in_round(lobby, [("c1", "s1"), ("c2", "s2", "s3")])
    index = RoomIndex.of(state)
    assert index.running and index.version == state.version
    assert index.peers["c1"] == {"s1"}
    assert index.peers["s3"] == {"c2", "s2"}
    assert "nobody" not in index.peers


def test_the_room_index_knows_which_round_may_be_prepared() -> None:
    lobby = event(FIVE)
    index = RoomIndex.of(lobby)
    assert (index.running, index.round, index.upcoming) == (False, 0, 1)
    playing = RoomIndex.of(in_round(lobby, [("c1", "s1"), ("c2", "s2", "s3")]))
    assert (playing.running, playing.round, playing.upcoming) == (True, 1, None)
