"""The event's rules: clock commands with their rooms and messages, feedback, help, notices."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from server import rooms
from server.core import feedback, help, logs, outcome, payloads, rounds, staff
from server.core.clock import ClockCommand
from server.core.matching import PlannedRoom, RoundPlan
from server.core.model import AuditEntry, EventState, Feedback, HelpRequest, Notice, Phase
from server.core.outcome import PARTICIPANTS, STAFF, Message, to_participant
from server.errors import NotFound, ProtocolError, SpeedmeetError, UserError
from server.people import directory
from server.results import summary
from tests.core.states import BREAK_S, ROUND_S, T0, checked, event, in_break, in_round, members

C = ClockCommand
FOUR = ["c1", "c2", "s1", "s2"]


def by_kind(messages: list[Message]) -> dict[str, list[Message]]:
    out: dict[str, list[Message]] = {}
    for m in messages:
        out.setdefault(m.event, []).append(m)
    return out


def assignments(messages: list[Message]) -> dict[str, dict[str, Any]]:
    """Each participant's assignment payload, by id."""
    return {m.to.removeprefix("p:"): m.data for m in messages if m.event == "assignment"}


def move(
    state: EventState, command: ClockCommand, now: int, online: set[str], **kw: Any
) -> outcome.Outcome:
    return rounds.move_clock(state, command, now, frozenset(online), "host", **kw)


@pytest.mark.parametrize("odd", ["trio", "wait"])
def test_start_pairs_only_the_people_online(odd: str) -> None:
    state = event(FOUR, odd=odd)  # type: ignore[arg-type]
    out = move(state, C.START, T0, {"c1", "s1"})
    assert members(out.state) == {"r1-1": ("c1", "s1")}
    current = out.state.current()
    assert current is not None
    assert (current.round, current.started_at, current.waiting) == (1, T0, ())
    assert out.state.version == state.version + 1
    (audit,) = out.entries
    assert isinstance(audit, AuditEntry) and (audit.action, audit.actor) == ("start", "host")


def test_start_messages() -> None:
    state = event([*FOUR, "c3"], stopped=["c3"])
    out = move(state, C.START, T0, {"c1", "s1", "s2"})
    kinds = by_kind(out.messages)
    # the staff get the clock; each participant one message, their assignment with the clock
    assert [(m.to, m.data["phase"]) for m in kinds["clock"]] == [(STAFF, "round")]
    clock = kinds["clock"][0].data
    assert clock["ends_at"] == T0 + ROUND_S * 1000
    assert (clock["round"], clock["rounds"], clock["paused"], clock["seq"]) == (1, 3, False, 1)
    assert out.result == {"clock": clock}
    got = assignments(out.messages)
    # everyone hears where they are (who stopped, too: they need the clock); offline people
    # and who stopped are in no room
    assert set(got) == {"c1", "c2", "c3", "s1", "s2"}
    assert all(a["clock"] == clock for a in got.values())
    assert got["c3"]["room"] is None
    assert got["c2"]["room"] is None and got["c2"]["peers"] == []
    room = got["c1"]["room"]
    assert room is not None
    placed = {pid for pid, a in got.items() if a["room"] == room}
    assert placed == {"c1", "s1", "s2"}  # a trio: the odd one is not left alone
    assert {p["id"] for p in got["c1"]["peers"]} == {"s1", "s2"}
    assert got["c1"]["peers"][0]["name"] == "Name " + got["c1"]["peers"][0]["id"]
    assert "polite" not in got["c1"]  # the signaling roles are added on delivery
    assert "summary" not in kinds


def test_start_with_odd_wait_leaves_someone_waiting() -> None:
    out = move(event(FOUR, odd="wait"), C.START, T0, {"c1", "s1", "s2"})
    got = assignments(out.messages)
    waiting = [pid for pid in ("s1", "s2") if got[pid]["room"] is None]
    assert len(waiting) == 1
    assert out.state.current().waiting == tuple(waiting)  # type: ignore[union-attr]


def test_round_end_takes_everyone_out_of_their_room() -> None:
    state = move(event(FOUR), C.START, T0, set(FOUR)).state
    out = move(state, C.END_ROUND, T0 + 1000, set(FOUR))
    assert out.state.clock.phase is Phase.BREAK
    assert {pid: a["room"] for pid, a in assignments(out.messages).items()} == dict.fromkeys(FOUR)
    # the played round is kept as it was, with when it stopped (each meeting's end)
    (played,) = out.state.history
    assert played == msgspec.structs.replace(state.history[0], ended_at=T0 + 1000)


def test_next_round_pairs_new_partners() -> None:
    state = move(event(FOUR), C.START, T0, set(FOUR)).state
    state = move(state, C.END_ROUND, T0 + 1, set(FOUR)).state
    out = move(state, C.NEXT, T0 + 2, set(FOUR))
    assert out.state.clock.round == 2
    first = {frozenset(m) for m in members(state).values()}
    second = {frozenset(m) for m in members(out.state).values()}
    assert len(second) == 2 and not first & second
    assert {a["round"] for a in assignments(out.messages).values()} == {2}


def test_a_late_break_deadline_starts_the_round_at_the_logical_deadline() -> None:
    state = move(event(FOUR), C.START, T0, set(FOUR)).state
    state = move(state, C.END_ROUND, T0 + 1000, set(FOUR)).state
    deadline = T0 + 1000 + BREAK_S * 1000
    out = rounds.move_clock(state, C.DEADLINE, deadline + 8_000, frozenset(FOUR), "clock")
    current = out.state.current()
    assert current is not None
    assert (current.round, current.started_at) == (2, deadline)
    assert out.state.clock.ends_at == deadline + ROUND_S * 1000
    assert [e.actor for e in out.entries if isinstance(e, AuditEntry)] == ["clock"]


def test_pause_resume_extend_send_only_the_clock() -> None:
    state = move(event(FOUR), C.START, T0, set(FOUR)).state
    audit: list[Any] = []
    for command, kw in ((C.PAUSE, {}), (C.EXTEND, {"extend_seconds": 30}), (C.RESUME, {})):
        out = move(state, command, T0 + 5000, set(FOUR), **kw)
        # and an extension is announced (tests/core/test_live.py)
        told = {"clock", "notice"} if command is C.EXTEND else {"clock"}
        assert {m.event for m in out.messages} == told
        state = out.state
        audit += out.entries
    assert state.clock.ends_at == T0 + 5000 + (ROUND_S * 1000 - 5000) + 30_000
    assert [a.detail for a in audit if a.action == "extend"] == ["30s"]


def test_everyone_gets_a_summary_when_the_event_ends() -> None:
    state = move(event(FOUR), C.START, T0, set(FOUR)).state
    out = move(state, C.END, T0 + 1000, {"c1"})
    assert not [m for m in out.messages if m.event == "summary"]  # the owner sends them
    summaries = {m.to: m.data for m in summary.summaries(out.state, []) if m.event == "summary"}
    assert set(summaries) == {to_participant(pid) for pid in FOUR}
    for pid in FOUR:
        (meeting,) = summaries[to_participant(pid)]["meetings"]
        assert meeting["round"] == 1 and meeting["rating"] is None
    assert out.state.clock.phase is Phase.ENDED


def test_summary_reveals_email_only_on_mutual_follow_up() -> None:
    state = checked(in_round(event(["c1", "c2", "s1", "s2"]), [("c1", "s1"), ("c2", "s2")]))
    given = []
    for pid, room, follow in (("c1", "r1-1", True), ("s1", "r1-1", True), ("c2", "r1-2", True)):
        given += feedback.give_feedback(state, pid, room, 4, follow, "", T0).entries
    rated = logs.ratings(given)
    s1 = summary.summary_payload(state, rated, "c1")["meetings"][0]["peers"][0]
    assert (s1["id"], s1["mutual_follow_up"], s1["email"]) == ("s1", True, "s1@example.org")
    s2 = summary.summary_payload(state, rated, "c2")["meetings"][0]["peers"][0]
    assert s2["mutual_follow_up"] is False and "email" not in s2
    assert summary.summary_payload(state, rated, "c1")["meetings"][0]["rating"] == 4


def test_a_refused_clock_command_raises() -> None:
    with pytest.raises(UserError) as info:
        move(event(FOUR), C.NEXT, T0, set(FOUR))
    assert info.value.code == "bad_phase"


def test_engine_move_tells_only_the_affected() -> None:
    state = in_round(event(FOUR), [("c1", "s1"), ("c2", "s2")])
    out = rounds.move(state, "s2", None, T0, "host")
    assert set(assignments(out.messages)) == {"c2", "s2"}
    assert assignments(out.messages)["s2"]["room"] is None
    assert out.result == {"affected": ["c2", "s2"]}
    assert [e.detail for e in out.entries if isinstance(e, AuditEntry)] == ["s2 -> None"]


def test_engine_repair_tells_the_repaired_and_those_left_behind() -> None:
    state = in_round(event(FOUR), [("c1", "s1"), ("c2", "s2")])
    out = rounds.repair(state, frozenset({"c1", "s2"}), T0, "host")
    got = assignments(out.messages)
    assert set(got) == {"c1", "s2", "c2", "s1"}
    assert got["c1"]["room"] == got["s2"]["room"] == "r1-3"
    assert got["s1"]["room"] is None and got["c2"]["room"] is None  # no room of one: they wait
    assert got["c1"]["reason"] == "repaired"
    assert out.result == {"paired": ["c1", "s2"], "left": [], "why": [], "alternatives": {}}


def test_no_show_check_pairs_orphans_and_tells_the_rest() -> None:
    people = event(["c1", "c2", "c3", "s1", "s2"], odd="wait")
    state = in_round(people, [("c1", "s1"), ("c2", "s2"), ("c3",)])
    out = rounds.check_no_shows(state, frozenset({"c1", "s2", "c3"}), T0 + 45_000)
    assert out.result["paired"] in (["c1", "s2"], ["c3", "s2"])
    (alone,) = out.result["alone"]
    notices = [m for m in out.messages if m.event == "notice"]
    assert [(m.to, m.data["kind"]) for m in notices] == [(to_participant(alone), "no_partner")]
    assert out.state.current().no_shows_checked  # type: ignore[union-attr]
    with pytest.raises(UserError) as info:
        rounds.check_no_shows(out.state, frozenset(), T0 + 46_000)
    assert info.value.code == "not_due"


FEEDBACK = [
    # (who, room, rating, error code or None)
    ("c1", "r1-1", 5, None),
    ("c1", "r1-1", 1, None),
    ("c1", "r1-2", 4, "not_your_room"),
    ("c1", "r7-1", 4, "not_your_room"),
    ("c1", "r1-1", 0, "bad_payload"),
    ("c1", "r1-1", 6, "bad_payload"),
]


@pytest.mark.parametrize(("pid", "room", "rating", "code"), FEEDBACK)
def test_feedback(pid: str, room: str, rating: int, code: str | None) -> None:
    state = checked(in_round(event(FOUR), [("c1", "s1"), ("c2", "s2")]))
    if code is None:
        out = feedback.give_feedback(state, pid, room, rating, True, "great", T0)
        assert out.state is state  # a rating is a log entry: the decided record is untouched
        (f,) = out.entries
        assert isinstance(f, Feedback)
        assert (f.participant, f.room, f.rating, f.follow_up, f.note) == (
            pid,
            room,
            rating,
            True,
            "great",
        )
        assert out.messages == []
    else:
        with pytest.raises(SpeedmeetError) as info:
            feedback.give_feedback(state, pid, room, rating, False, "", T0)
        assert info.value.code == code
        assert isinstance(info.value, ProtocolError if code == "bad_payload" else UserError)


def test_feedback_replaces_an_earlier_rating_and_survives_the_round() -> None:
    state = checked(in_round(event(FOUR), [("c1", "s1"), ("c2", "s2")]))
    given = feedback.give_feedback(state, "c1", "r1-1", 2, False, "", T0).entries
    state = in_break(state)  # rating after the round is over is fine
    given += feedback.give_feedback(state, "c1", "r1-1", 5, True, "again", T0).entries
    assert [(f.rating, f.follow_up) for f in logs.ratings(given).values()] == [(5, True)]


def test_help_during_a_round_names_the_room() -> None:
    state = in_round(event(FOUR), [("c1", "s1"), ("c2", "s2")])
    out = help.ask_help(state, "s2", "  my camera is black ", T0)
    assert out.state is state
    (request,) = out.entries
    assert isinstance(request, HelpRequest)
    assert (request.participant, request.room, request.text) == ("s2", "r1-2", "my camera is black")
    (message,) = out.messages
    assert (message.to, message.event) == (STAFF, "help")
    assert message.data == {
        "participant": "s2",
        "name": "Name s2",
        "room": "r1-2",
        "text": "my camera is black",
        "reason": None,
        "at": T0,
        "claimed_by": None,
    }
    again = help.ask_help(out.state, "s2", "still black", T0 + 1).entries
    # one open request a person
    assert [h.text for h in logs.open_help([*out.entries, *again])] == ["still black"]


def test_help_in_the_lobby_has_no_room() -> None:
    (request,) = help.ask_help(event(FOUR), "c1", "", T0).entries
    assert isinstance(request, HelpRequest) and request.room is None


def test_resolve_help() -> None:
    state = event(FOUR)
    asked = help.ask_help(state, "c1", "hello?", T0).entries
    out = help.resolve_help(state, asked, "c1", T0 + 1, "moderator")
    assert logs.open_help([*asked, *out.entries]) == []
    (message,) = out.messages
    assert (message.to, message.event, message.data["kind"]) == (
        to_participant("c1"),
        "notice",
        "help_resolved",
    )
    with pytest.raises(NotFound) as info:
        help.resolve_help(state, [*asked, *out.entries], "c1", T0 + 2, "moderator")
    assert info.value.code == "no_help_request"


def test_notice_goes_to_everyone() -> None:
    out = staff.notice(event(FOUR), " Coffee at 10:30 ", T0, "host")
    assert [(m.to, m.event, m.data["text"]) for m in out.messages] == [
        (PARTICIPANTS, "notice", "Coffee at 10:30"),
        (STAFF, "notice", "Coffee at 10:30"),
    ]
    notice = next(e for e in out.entries if isinstance(e, Notice))
    assert (notice.text, notice.actor) == ("Coffee at 10:30", "host")


def test_empty_notice_is_refused() -> None:
    with pytest.raises(ProtocolError) as info:
        staff.notice(event(FOUR), "   ", T0, "host")
    assert info.value.code == "bad_payload"


def test_stop_is_idempotent() -> None:
    state = event(FOUR)
    once = rounds.stop(state, "c1", T0).state
    assert once.participants["c1"].stopped and once.version == state.version + 1
    assert rounds.stop(once, "c1", T0).state is once


def test_every_change_is_one_version() -> None:
    """The store's optimistic versioning relies on each command adding exactly one."""
    state = msgspec.structs.replace(event(FOUR), version=7)
    outcomes = [
        move(state, C.START, T0, set(FOUR)),
        rounds.stop(state, "c1", T0),
        directory.set_wish(state, "c1", "s1", "like"),
    ]
    assert [o.state.version for o in outcomes] == [8, 8, 8]


def test_a_meeting_is_rated_once_it_is_certain_and_only_with_someone() -> None:
    """Before the no-show check a partner who is away may still be replaced (the meeting would
    then not be in the record): too early. A room left with one person was no meeting."""
    state = in_round(event(FOUR), [("c1", "s1"), ("c2", "s2")])
    with pytest.raises(UserError) as info:
        feedback.give_feedback(state, "c1", "r1-1", 4, False, "", T0)
    assert info.value.code == "too_early"
    assert feedback.give_feedback(checked(state), "c1", "r1-1", 4, False, "", T0).entries
    assert feedback.give_feedback(in_break(state), "c1", "r1-1", 4, False, "", T0).entries
    alone, _ = rooms.move(checked(state), "s1", None)
    with pytest.raises(UserError) as info:
        feedback.give_feedback(alone, "c1", "r1-1", 4, False, "", T0)
    assert info.value.code == "no_meeting"


def test_what_only_accumulates_leaves_the_record_as_it_is() -> None:
    state = checked(in_round(event(FOUR), [("c1", "s1"), ("c2", "s2")]))
    outcomes = [
        staff.notice(state, "hi", T0, "host"),
        help.ask_help(state, "c1", "", T0),
        feedback.give_feedback(state, "c1", "r1-1", 3, False, "", T0),
    ]
    assert all(o.state is state and o.entries for o in outcomes)


def test_assignments_built_from_the_index_match_one_by_one() -> None:
    state = in_round(event(["c1", "c2", "c3", "s1", "s2"]), [("c1", "s1"), ("c2", "s2")])
    index = state.rooms_by_person()
    assert set(index) == {"c1", "s1", "c2", "s2"}
    clock = payloads.clock_payload(state, T0)
    for pid in state.participants:
        one = payloads.assignment_payload(state, pid, clock)
        assert payloads.assignment_payload(state, pid, clock, index) == one


def test_preview_payloads_cover_rooms_and_waits() -> None:
    state = event(["c1", "c2", "s1"])
    plan = RoundPlan(rooms=(PlannedRoom(members=("c1", "s1"), reason="wish"),), waiting=("c2",))
    cards = payloads.preview_payloads(state, plan)
    assert cards["c1"] == {
        "round": 1,
        "peers": [{**payloads.peer_payload(state.participants["s1"]), "reason": "wish"}],
        "reason": "wish",
        "ice_transport_policy": "all",  # the call prepared in the break uses the event's policy
    }
    assert cards["c2"] == {"round": 1, "peers": [], "reason": None}
    assert set(cards) == {"c1", "c2", "s1"}
