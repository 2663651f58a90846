"""The live event as people live it: late arrivals, rooms of three, undoing "I have to leave",
announced extensions and notices that expire."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from server import rooms
from server.core import feedback, logs, overview, payloads, rounds, staff
from server.core.clock import ClockCommand
from server.core.model import EventState, Feedback, Phase
from server.core.outcome import PARTICIPANTS, STAFF, Message, to_participant
from server.errors import UserError
from server.results.summary import summary_payload
from tests.core.states import T0, checked, event, in_break, in_round, members


def assignments(messages: list[Message]) -> dict[str, dict[str, Any]]:
    """Each participant's assignment payload, by id."""
    return {m.to.removeprefix("p:"): m.data for m in messages if m.event == "assignment"}


def assignment(state: EventState, pid: str) -> dict[str, Any]:
    return payloads.assignment_payload(state, pid, payloads.clock_payload(state, T0))


def waiting(state: EventState) -> tuple[str, ...]:
    current = state.current()
    assert current is not None
    return current.waiting


# --- late arrivals ----------------------------------------------------------------------------

# Round 1 of 3, c2 waits (odd: wait); (people, rooms, waiting, online before the arrival,
# who arrives, the room they should get or None).
ARRIVALS = [
    # someone waits on the other side: paired at once
    ("c1 c2 s1 s2", [("c1", "s1")], ["c2"], "c1 s1 c2", "s2", ("c2", "s2")),
    # the one waiting is on the same side: no pair across sides, the late one waits
    ("c1 c2 c3 s1", [("c1", "s1")], ["c2"], "c1 s1 c2", "c3", None),
    # the one waiting is offline: nobody to meet
    ("c1 c2 s1 s2", [("c1", "s1")], ["c2"], "c1 s1", "s2", None),
    # nobody waits
    ("c1 c2 s1 s2", [("c1", "s1"), ("c2", "s2")], [], "c1 s1 c2 s2", "s3", None),
]


@pytest.mark.parametrize(("people", "rooms_", "wait", "online", "pid", "room"), ARRIVALS)
def test_a_late_arrival_is_paired_with_whoever_waits(
    people: str,
    rooms_: list[tuple[str, ...]],
    wait: list[str],
    online: str,
    pid: str,
    room: tuple[str, ...] | None,
) -> None:
    everyone = [*people.split(), pid] if pid not in people.split() else people.split()
    state = in_round(event(everyone, odd="wait"), rooms_, waiting=wait)
    here = frozenset([*online.split(), pid])
    out = rounds.arrive(state, pid, here, T0 + 5_000)
    if room is None:
        assert pid not in {m for r in members(out.state).values() for m in r}
        assert pid in waiting(out.state)  # staff see them waiting
        a = assignment(out.state, pid)
        assert a["room"] is None and a["wait"]["code"] == "late"
        assert a["wait"]["next_round"] == 2
        board = overview.board_payload(out.state, here, {}, [])
        assert pid in [w["id"] for w in board["waiting"]]
    else:
        assert room in members(out.state).values()
        got = assignments(out.messages)
        assert set(got) == set(room)  # both are told, nobody else
        assert all(got[p]["room"] is not None for p in room)
        assert pid not in waiting(out.state)
        assert out.state.version == state.version + 1


def test_an_arrival_is_decided_once() -> None:
    state = in_round(event(["c1", "c2", "s1", "s2"], odd="wait"), [("c1", "s1")], waiting=["c2"])
    online = frozenset({"c1", "s1", "c2", "s2"})
    once = rounds.arrive(state, "s2", online, T0)
    again = rounds.arrive(once.state, "s2", online, T0 + 1)
    assert again.state is once.state and again.messages == []
    # someone in a room with a partner online who reconnects changes nothing
    assert rounds.arrive(once.state, "c1", online, T0).state is once.state


def test_a_late_arrival_who_finds_nobody_waits_once() -> None:
    state = in_round(event(["c1", "s1", "s2"]), [("c1", "s1")])
    online = frozenset({"c1", "s1", "s2"})
    out = rounds.arrive(state, "s2", online, T0)
    assert waiting(out.state) == ("s2",)
    assert rounds.arrive(out.state, "s2", online, T0 + 1).state is out.state


def test_no_next_round_in_the_last_round() -> None:
    state = in_round(event(["c1", "s1", "s2"], rounds=2), [("c1", "s1")], earlier=[[("c1", "s2")]])
    out = rounds.arrive(state, "s2", frozenset({"c1", "s1", "s2"}), T0)
    wait = assignment(out.state, "s2")["wait"]
    assert wait == {"code": "late", "next_round": None}


def test_before_the_no_show_check_a_lonely_member_is_not_taken_from_their_room() -> None:
    """At the start of a round a partner may still be coming: the no-show check decides."""
    state = in_round(event(["c1", "c2", "s1", "s2"]), [("c1", "s1")], waiting=[])
    online = frozenset({"c1", "s2"})  # s1 has not come yet
    out = rounds.arrive(state, "s2", online, T0 + 1_000)
    assert members(out.state) == {"r1-1": ("c1", "s1")}
    assert waiting(out.state) == ("s2",)
    # at the check they are paired (the late one waits online)
    check = rounds.check_no_shows(out.state, online, T0 + 45_000)
    assert ("c1", "s2") in {tuple(sorted(m)) for m in members(check.state).values()}
    # nobody was told "your partner has not arrived"
    assert not [m for m in check.messages if m.event == "notice"]


def test_someone_the_no_show_check_left_alone_meets_the_late_arrival() -> None:
    state = in_round(
        event(["c1", "c2", "c3", "s1", "s2"], odd="wait"), [("c1", "s1"), ("c2", "s2")]
    )
    # s1 and c2 never came: the check pairs c1 and s2
    check = rounds.check_no_shows(state, frozenset({"c1", "s2"}), T0 + 45_000)
    assert ("c1", "s2") in members(check.state).values()
    # in another round, c2 never came and c1 (the only other commune here) is in a meeting
    state = in_round(
        event(["c1", "c2", "c3", "s1", "s2"], odd="wait"), [("c1", "s1"), ("c2", "s2")]
    )
    check = rounds.check_no_shows(state, frozenset({"c1", "s1", "s2"}), T0 + 45_000)
    assert check.result["alone"] == ["s2"]
    out = rounds.arrive(check.state, "c3", frozenset({"c1", "s1", "s2", "c3"}), T0 + 50_000)
    assert ("c3", "s2") in members(out.state).values()
    assert out.result == {"paired": ["c3", "s2"]}
    assert set(assignments(out.messages)) == {"c3", "s2", "c2"}  # c2, away, now waits
    assert rounds.arrive(state, "zz", frozenset({"zz"}), T0).state is state  # nobody we know


def test_reconnecting_never_breaks_up_meetings() -> None:
    """A server restarts during a round: everyone comes back, in any order. Whoever finds
    their partner not back yet stays in their room (after the no-show check too)."""
    state = checked(
        in_round(event(["c1", "c2", "s1", "s2"], odd="wait"), [("c1", "s1"), ("c2", "s2")])
    )
    online: frozenset[str] = frozenset()
    for pid in ("c1", "s2", "c2", "s1"):  # c1 and s2 first: both alone for a moment
        online |= {pid}
        state = rounds.arrive(state, pid, online, T0).state
    assert members(state) == {"r1-1": ("c1", "s1"), "r1-2": ("c2", "s2")}
    assert not any(rooms.may_seat(state, pid) for pid in online)  # not even a command run


def test_may_seat_says_who_an_arrival_could_change() -> None:
    state = in_round(
        event(["c1", "c2", "s1", "s2", "c3"], odd="wait", stopped=["c3"]),
        [("c1", "s1"), ("c2", "s2")],
    )
    check = rounds.check_no_shows(state, frozenset({"c1", "s1", "s2"}), T0 + 45_000)
    assert {p for p in state.participants if rooms.may_seat(check.state, p)} == {"s2"}
    late = {**state.participants, **event(["s3"]).participants}
    later = msgspec.structs.replace(check.state, participants=late)
    assert rooms.may_seat(later, "s3") and not rooms.may_seat(in_break(later), "s3")


def test_an_arrival_with_the_partner_absent_waits_for_the_check() -> None:
    state = in_round(event(["c1", "c2", "s1", "s2"], odd="wait"), [("c1", "s1")], waiting=["c2"])
    online = frozenset({"c2", "s1"})  # c1 not here yet
    assert rounds.arrive(state, "s1", online, T0).state is state
    check = rounds.check_no_shows(state, online, T0 + 45_000)  # c2 waits: paired with s1
    assert ("c2", "s1") in members(check.state).values()


def test_a_late_arrival_never_meets_someone_twice() -> None:
    state = in_round(
        event(["c1", "c2", "s1", "s2"], odd="wait"),
        [("c1", "s1")],
        waiting=["c2"],
        earlier=[[("c2", "s2"), ("c1", "s1")]],
    )
    out = rounds.arrive(state, "s2", frozenset({"c1", "s1", "c2", "s2"}), T0)
    assert members(out.state) == {"r2-1": ("c1", "s1")}
    assert set(waiting(out.state)) == {"c2", "s2"}


def test_repair_pairs_the_late_arrival_and_the_one_waiting() -> None:
    state = in_round(event(["c1", "c2", "s1", "s2"], odd="wait"), [("c1", "s1")])
    online = frozenset({"c1", "s1", "c2", "s2"})
    # c2 and s2 both came late, one after the other
    state = rounds.arrive(state, "c2", online - {"s2"}, T0).state
    assert waiting(state) == ("c2",)
    board = overview.board_payload(state, online, {}, [])
    assert [w["id"] for w in board["waiting"]] == ["c2", "s2"]  # s2 is here, in no room
    out = rounds.repair(state, online, T0, "host")
    assert out.result["paired"] == ["c2", "s2"]


def test_a_waiting_person_is_told_why() -> None:
    state = in_round(
        event(["c1", "c2", "s1", "c3"], odd="wait", stopped=["c3"]), [("c1", "s1")], waiting=["c2"]
    )
    assert assignment(state, "c2")["wait"] == {"code": "sit_out", "next_round": 2}
    assert assignment(state, "c3")["wait"] == {"code": "stopped", "next_round": 2}
    assert assignment(state, "c3")["stopped"] is True
    assert assignment(state, "c1")["wait"] is None
    assert assignment(in_break(state), "c2")["wait"] is None


# --- rooms of three ---------------------------------------------------------------------------


def trio() -> EventState:
    """c1 and s1 wished each other; s2 joined them as a third."""
    state = event(
        ["c1", "s1", "s2"], mode="open", wishes=[("c1", "s1", "like"), ("s1", "c1", "like")]
    )
    current = in_round(state, [("c1", "s1", "s2")])
    record = current.current()
    assert record is not None
    room = msgspec.structs.replace(record.rooms[0], reason="mutual_wish")
    fixed = msgspec.structs.replace(record, rooms=(room,))
    return checked(msgspec.structs.replace(current, history=(fixed,)))


def test_in_a_trio_the_reason_is_each_persons_own() -> None:
    state = trio()
    assert assignment(state, "c1")["reason"] == "mutual_wish"
    assert assignment(state, "s2")["reason"] == "fill"  # nobody asked s2 to meet these two
    peers = {p["id"]: p["reason"] for p in assignment(state, "c1")["peers"]}
    assert peers == {"s1": "mutual_wish", "s2": "fill"}


def test_in_a_trio_each_person_rates_each_other_person() -> None:
    state = trio()
    with pytest.raises(UserError) as info:
        feedback.give_feedback(state, "c1", "r1-1", 4, True, "", T0)
    assert info.value.code == "peer_required"
    with pytest.raises(UserError) as info:
        feedback.give_feedback(state, "c1", "r1-1", 4, True, "", T0, peer="c1")
    assert info.value.code == "not_your_peer"
    given: list[Any] = []
    for who, peer, rating, follow in (
        ("c1", "s1", 5, True),
        ("c1", "s2", 2, False),
        ("s1", "c1", 4, True),
        ("s2", "c1", 3, True),
    ):
        given += feedback.give_feedback(
            state, who, "r1-1", rating, follow, "", T0, peer=peer
        ).entries
    rated = logs.ratings(given)
    assert len(rated) == 4  # one a (person, room, peer)
    meeting = summary_payload(state, rated, "c1")["meetings"][0]
    peers = {p["id"]: p for p in meeting["peers"]}
    assert (peers["s1"]["rating"], peers["s1"]["mutual_follow_up"]) == (5, True)
    assert peers["s1"]["email"] == "s1@example.org"
    # s2 wants to follow up with c1, but c1 not with s2: no email either way
    assert (peers["s2"]["rating"], peers["s2"]["mutual_follow_up"]) == (2, False)
    assert "email" not in peers["s2"]
    theirs = summary_payload(state, rated, "s2")["meetings"][0]
    assert {p["id"]: p["mutual_follow_up"] for p in theirs["peers"]} == {"c1": False, "s1": False}
    assert {p["id"]: p["rating"] for p in theirs["peers"]} == {"c1": 3, "s1": None}


def test_in_a_room_of_two_the_peer_is_implied() -> None:
    state = checked(in_round(event(["c1", "s1"]), [("c1", "s1")]))
    (f,) = feedback.give_feedback(state, "c1", "r1-1", 4, True, "", T0).entries
    assert isinstance(f, Feedback) and f.peer == "s1"
    (g,) = feedback.give_feedback(state, "c1", "r1-1", 5, True, "", T0, peer="s1").entries
    assert logs.ratings([f, g]) == {("c1", "r1-1", "s1"): g}


def test_ratings_stored_without_a_peer_still_count() -> None:
    """Entries of earlier versions have no peer: the rating was of the whole meeting."""
    state = trio()
    old = [
        msgspec.json.decode(
            msgspec.json.encode(
                {
                    "type": "feedback",
                    "participant": who,
                    "room": "r1-1",
                    "rating": 4,
                    "at": T0,
                    "follow_up": True,
                }
            ),
            type=Feedback,
        )
        for who in ("c1", "s1")
    ]
    assert old[0].peer == ""
    rated = logs.ratings(old)
    meeting = summary_payload(state, rated, "c1")["meetings"][0]
    peers = {p["id"]: p for p in meeting["peers"]}
    assert peers["s1"]["rating"] == 4 and peers["s1"]["mutual_follow_up"] is True
    assert peers["s2"]["mutual_follow_up"] is False
    two = checked(in_round(event(["c1", "s1"]), [("c1", "s1")]))
    summary = summary_payload(two, logs.ratings(old), "c1")["meetings"][0]
    assert (summary["rating"], summary["follow_up"]) == (4, True)


# --- "I have to leave", undone ----------------------------------------------------------------


def test_rejoin_undoes_stop() -> None:
    state = event(["c1", "s1"])
    stopped = rounds.stop(state, "c1", T0)
    assert assignments(stopped.messages)["c1"]["stopped"] is True  # other tabs learn it too
    out = rounds.rejoin(stopped.state, "c1", frozenset(), T0, "c1")
    assert not out.state.participants["c1"].stopped
    assert assignments(out.messages)["c1"]["stopped"] is False
    assert rounds.rejoin(out.state, "c1", frozenset(), T0, "c1").state is out.state


def test_rejoin_during_a_round_pairs_at_once_with_someone_waiting() -> None:
    state = in_round(
        event(["c1", "c2", "s1", "s2"], odd="wait", stopped=["s2"]), [("c1", "s1")], waiting=["c2"]
    )
    online = frozenset({"c1", "c2", "s1", "s2"})
    assert rounds.arrive(state, "s2", online, T0).state is state  # stopped: not paired
    out = rounds.rejoin(state, "s2", online, T0, "host")
    assert ("c2", "s2") in members(out.state).values()
    assert set(assignments(out.messages)) == {"c2", "s2"}


def test_rejoin_is_refused_once_the_event_has_ended() -> None:
    state = rounds.stop(event(["c1", "s1"]), "c1", T0).state
    ended = msgspec.structs.replace(
        state, clock=msgspec.structs.replace(state.clock, phase=Phase.ENDED)
    )
    with pytest.raises(UserError) as info:
        rounds.rejoin(ended, "c1", frozenset(), T0, "c1")
    assert info.value.code == "ended"


# --- time everybody hears ---------------------------------------------------------------------


@pytest.mark.parametrize("seconds", [60, 90])
def test_extend_is_announced_to_everybody(seconds: int) -> None:
    state = in_round(event(["c1", "s1"]), [("c1", "s1")])
    out = rounds.move_clock(
        state, ClockCommand.EXTEND, T0 + 1_000, frozenset(), "host", extend_seconds=seconds
    )
    notices = [m for m in out.messages if m.event == "notice"]
    assert [m.to for m in notices] == [PARTICIPANTS, STAFF]
    data = notices[0].data
    assert (data["kind"], data["params"], data["from"]) == (
        "extended",
        {"seconds": seconds, "phase": "round"},
        "host",
    )
    assert data["expires_at"] > T0 + 1_000


def test_notices_expire() -> None:
    out = staff.notice(event(["c1"]), "Coffee", T0, "host")
    assert all(T0 < m.data["expires_at"] for m in out.messages)
    state = in_round(event(["c1", "s1", "c2"]), [("c1", "s1")])
    check = rounds.check_no_shows(state, frozenset({"c1"}), T0 + 45_000)
    (notice,) = [m for m in check.messages if m.event == "notice"]
    assert notice.to == to_participant("c1") and notice.data["expires_at"] > T0 + 45_000
