"""A change writes only the parts it touched: ``parts.diff`` of real commands of the core."""

from __future__ import annotations

from server.core import rounds
from server.core.clock import ClockCommand
from server.core.model import Participant
from server.core.outcome import bump
from server.people import directory
from server.people.links import token_hash
from server.store.parts import diff
from tests.core.states import T0, event, in_round

FOUR = ["c1", "c2", "s1", "s2"]


def touched(delta: object) -> set[str]:
    names = ("meta", "clock", "people", "people_gone", "wishes", "wishes_gone", "rounds", "tokens")
    return {n for n in names if getattr(delta, n)}


def test_a_new_event_is_written_whole() -> None:
    state = event(FOUR, wishes=[("c1", "s1", "must")])
    delta = diff(None, state)
    assert touched(delta) == {"meta", "clock", "people", "wishes", "tokens"}
    assert len(delta.tokens) == 2 + 4  # host, moderator, everyone's link (as hashes)
    assert token_hash("tok-c1") in delta.tokens and "tok-c1" not in delta.tokens


def test_a_wish_writes_that_wish_only() -> None:
    state = event(FOUR, wishes=[("c1", "s1", "must"), ("c2", "s2", "like")])
    new = directory.set_wish(state, "c1", "s2", "like").state
    delta = diff(state, new)
    assert touched(delta) == {"wishes"} and list(delta.wishes) == ["c1>s2"]
    withdrawn = directory.set_wish(new, "c1", "s1", None).state
    delta = diff(new, withdrawn)
    assert touched(delta) == {"wishes_gone"} and delta.wishes_gone == ["c1>s1"]


def test_starting_a_round_writes_the_clock_and_that_round() -> None:
    state = in_round(event(FOUR), [("c1", "s1"), ("c2", "s2")])
    state = rounds.move_clock(state, ClockCommand.END_ROUND, T0, frozenset(FOUR), "host").state
    new = rounds.move_clock(state, ClockCommand.NEXT, T0 + 1, frozenset(FOUR), "host").state
    delta = diff(state, new)
    assert touched(delta) == {"clock", "rounds"} and list(delta.rounds) == [2]


def test_someone_who_stops_is_written_alone() -> None:
    state = event(FOUR)
    delta = diff(state, rounds.stop(state, "s2", T0).state)
    assert touched(delta) == {"people"} and list(delta.people) == ["s2"]


def test_a_late_registration_writes_the_newcomer_and_their_link() -> None:
    state = event(FOUR)
    late = Participant(id="p9", name="Late", token_hash=token_hash("tok-late"))
    new = bump(state, participants={**state.participants, late.id: late})
    delta = diff(state, new)
    assert touched(delta) == {"people", "tokens"}
    assert list(delta.people) == ["p9"] and list(delta.tokens) == [token_hash("tok-late")]


def test_the_end_takes_the_event_off_the_live_list() -> None:
    state = in_round(event(FOUR), [("c1", "s1"), ("c2", "s2")])
    new = rounds.move_clock(state, ClockCommand.END, T0, frozenset(FOUR), "host").state
    delta = diff(state, new)
    # the clock, and the round that stopped (its end is stamped): nothing else
    assert touched(delta) == {"clock", "rounds"} and delta.ended
    assert list(delta.rounds) == [1] and delta.rounds[1].ended_at == T0
