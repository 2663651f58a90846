"""Help that reaches a person: reasons, claims, the end closing what is open; staff writing to a
room or a person; a moderator in a room's call (who may signal whom)."""

from __future__ import annotations

import msgspec
import pytest

from server.core import help, logs, payloads
from server.core.model import Entry, EventState, HelpResolved, Notice, Phase, Staff
from server.core.outcome import STAFF, to_participant
from server.core.staff import join_room, leave_room, write
from server.errors import NotFound, ProtocolError, UserError
from server.signaling import RoomIndex
from tests.core.states import T0, event, in_break, in_round

FOUR = ["c1", "c2", "s1", "s2"]
MOD1 = Staff(id="m-1", role="moderator", number=1)
MOD2 = Staff(id="m-2", role="moderator", number=2, name="Inès")
HOST = Staff(id="h-1", role="host")


def playing() -> EventState:
    return in_round(event(FOUR), [("c1", "s1"), ("c2", "s2")])


def asked(state: EventState, pid: str = "s2") -> list[Entry]:
    return list(help.ask_help(state, pid, "no sound", T0, "no_sound").entries)


def test_help_carries_its_reason() -> None:
    out = help.ask_help(playing(), "s2", "", T0, "partner_absent")
    (request,) = logs.open_help(out.entries)
    assert request.reason == "partner_absent"
    assert out.messages[0].data["reason"] == "partner_absent"


def test_no_help_after_the_end() -> None:
    lobby = event(FOUR)
    state = msgspec.structs.replace(
        lobby, clock=msgspec.structs.replace(lobby.clock, phase=Phase.ENDED)
    )
    with pytest.raises(UserError) as info:
        help.ask_help(state, "c1", "anyone?", T0)
    assert info.value.code == "ended"


def test_a_claim_names_who_took_it_and_tells_the_participant() -> None:
    state = playing()
    log = asked(state)
    out = help.claim_help(state, log, "s2", T0 + 1, MOD1)
    (request,) = logs.open_help([*log, *out.entries])
    assert request.claimed_by == MOD1
    staff = next(m for m in out.messages if m.to == STAFF)
    assert (staff.event, staff.data["by"]["id"]) == ("help_claimed", "m-1")
    told = next(m for m in out.messages if m.to == to_participant("s2"))
    assert (told.event, told.data["kind"], told.data["by"]["number"]) == (
        "notice",
        "help_claimed",
        1,
    )


def test_a_request_someone_took_is_theirs_unless_taken_over() -> None:
    state = playing()
    log = asked(state)
    log += help.claim_help(state, log, "s2", T0 + 1, MOD1).entries
    with pytest.raises(UserError) as info:
        help.claim_help(state, log, "s2", T0 + 2, MOD2)
    assert info.value.code == "already_claimed"
    assert info.value.detail["claimed_by"]["id"] == "m-1"
    help.claim_help(state, log, "s2", T0 + 2, MOD1)  # claiming again: fine
    log += help.claim_help(state, log, "s2", T0 + 2, MOD2, take_over=True).entries
    assert logs.open_help(log)[0].claimed_by == MOD2


def test_a_new_request_is_unclaimed_again() -> None:
    state = playing()
    log = asked(state)
    log += help.claim_help(state, log, "s2", T0 + 1, MOD1).entries
    log += asked(state)
    assert logs.open_help(log)[0].claimed_by is None


def test_claiming_nothing_is_refused() -> None:
    with pytest.raises(NotFound) as info:
        help.claim_help(playing(), [], "s2", T0, MOD1)
    assert info.value.code == "no_help_request"


def test_resolving_says_who() -> None:
    state = playing()
    log = asked(state)
    out = help.resolve_help(state, log, "s2", T0 + 1, "moderator", MOD2)
    (notice,) = out.messages
    assert notice.data["by"]["name"] == "Inès"
    assert any(isinstance(e, HelpResolved) and e.by == MOD2 for e in out.entries)


def test_the_end_closes_every_open_request() -> None:
    state = playing()
    log = asked(state, "s2") + asked(state, "c1")
    log += help.resolve_help(state, log, "c1", T0 + 1, "host", HOST).entries
    log += asked(state, "s1")
    out = help.close_help(state, log, T0 + 2)
    assert logs.open_help([*log, *out.entries]) == []
    (message,) = out.messages
    assert (message.to, message.event, message.data["participants"]) == (
        STAFF,
        "help_closed",
        ["s1", "s2"],
    )
    assert help.close_help(state, [*log, *out.entries], T0 + 3).entries == []


def test_writing_to_a_room_reaches_its_members_only() -> None:
    out = write(playing(), " Two minutes left ", T0, MOD1, room_id="r1-2")
    assert sorted(m.to for m in out.messages) == [to_participant("c2"), to_participant("s2")]
    data = out.messages[0].data
    assert (data["text"], data["kind"], data["from"], data["by"]["id"]) == (
        "Two minutes left",
        "room_message",
        "moderator",
        "m-1",
    )
    notice = next(e for e in out.entries if isinstance(e, Notice))
    assert notice.to == ("c2", "s2")
    assert out.result == {"to": ["c2", "s2"]}


def test_writing_to_one_person() -> None:
    out = write(event(FOUR), "Your partner is on the way", T0, HOST, pid="c1")
    assert [(m.to, m.data["kind"], m.data["from"]) for m in out.messages] == [
        (to_participant("c1"), "personal_message", "host")
    ]


@pytest.mark.parametrize(
    ("room", "pid", "code"),
    [
        ("r9-9", None, "unknown_room"),
        (None, "nobody", "unknown_participant"),
        (None, None, "bad_payload"),
        ("r1-1", "c1", "bad_payload"),
    ],
)
def test_writing_to_nobody_is_refused(room: str | None, pid: str | None, code: str) -> None:
    with pytest.raises((NotFound, ProtocolError)) as info:
        write(playing(), "hello", T0, MOD1, room_id=room, pid=pid)
    assert info.value.code == code


def test_no_room_to_write_to_outside_a_round() -> None:
    with pytest.raises(NotFound):
        write(in_break(playing()), "hello", T0, MOD1, room_id="r1-1")


def test_a_moderator_joins_one_call_at_a_time() -> None:
    state = playing()
    out = join_room(state, "r1-1", MOD1, T0)
    assert out.state.version == state.version + 1
    record = out.state.current()
    assert record is not None and record.visitors("r1-1") == [MOD1]
    events = sorted((m.to, m.event) for m in out.messages)
    assert events == [
        (to_participant("c1"), "moderator"),
        (to_participant("c1"), "notice"),
        (to_participant("s1"), "moderator"),
        (to_participant("s1"), "notice"),
    ]
    assert [p["id"] for p in out.result["peers"]] == ["c1", "s1"]
    # the members' assignments name the moderator in their call
    clock = payloads.clock_payload(out.state, T0)
    mine = payloads.assignment_payload(out.state, "c1", clock)
    assert [m["id"] for m in mine["moderators"]] == ["m-1"]
    assert payloads.assignment_payload(out.state, "c2", clock)["moderators"] == []
    # into another room: out of the first
    moved = join_room(out.state, "r1-2", MOD1, T0 + 1)
    record = moved.state.current()
    assert record is not None and record.visitors("r1-1") == [] and record.visitors("r1-2")
    left = [m for m in moved.messages if m.event == "moderator" and not m.data["joined"]]
    assert sorted(m.to for m in left) == [to_participant("c1"), to_participant("s1")]


def test_leaving_and_the_round_ending_end_the_visit() -> None:
    state = join_room(playing(), "r1-1", MOD1, T0).state
    out = leave_room(state, "m-1", T0 + 1)
    record = out.state.current()
    assert record is not None and record.visits == ()
    assert {(m.to, m.data["joined"]) for m in out.messages} == {
        (to_participant("c1"), False),
        (to_participant("s1"), False),
    }
    again = leave_room(out.state, "m-1", T0 + 2)
    assert again.state is out.state and again.messages == []
    # in the break, nobody signals anybody
    assert RoomIndex.of(in_break(state)).running is False


def test_joining_needs_a_round_and_a_room() -> None:
    with pytest.raises(UserError) as info:
        join_room(event(FOUR), "r1-1", MOD1, T0)
    assert info.value.code == "no_round"
    with pytest.raises(NotFound) as missing:
        join_room(playing(), "r1-9", MOD1, T0)
    assert missing.value.code == "unknown_room"


def test_the_room_index_lets_a_moderator_call_exactly_the_room_joined() -> None:
    state = join_room(playing(), "r1-1", MOD1, T0).state
    index = RoomIndex.of(state)
    assert index.peers["m-1"] == {"c1", "s1"}
    assert index.peers["c1"] == {"s1", "m-1"}
    assert index.peers["c2"] == {"s2"}  # the other room does not see the moderator
    assert index.staff == {"m-1"}
    assert "m-2" not in index.peers  # a moderator who joined nothing calls nobody
