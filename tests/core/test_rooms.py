"""Rooms of a round: moves by hand (and every rule that refuses one), re-pairing, the board."""

from __future__ import annotations

import msgspec
import pytest

from server import rooms
from server.core import overview
from server.core.model import EventState, Inbound, LinkStats, MediaRules, Phase
from server.errors import NotFound, SpeedmeetError, UserError
from tests.core.states import event, in_break, in_round, members

PEOPLE = ["c1", "c2", "c3", "c4", "s1", "s2", "s3", "s4"]


def round_two(mode: str = "bipartite") -> EventState:
    """Round 2 after round 1 (c1-s2, c2-s4): a pair, a pair, a full trio and s4 alone.

    c3 said "no" to s4.
    """
    state = event(PEOPLE, mode=mode, wishes=[("c3", "s4", "no")])  # type: ignore[arg-type]
    return in_round(
        state,
        [("c1", "s1"), ("c2", "s2"), ("c3", "s3", "c4"), ("s4",)],
        earlier=[[("c1", "s2"), ("c2", "s4")]],
    )


REFUSED = [
    # (who, to which room, error code)
    ("s1", "r2-3", "room_full"),
    ("c2", "r2-4", "repeat"),  # c2 met s4 in round 1
    ("c3", "r2-4", "declined"),  # c3 said no to s4
    ("s3", "r2-4", "same_side"),
    ("c1", "r2-2", "same_side"),
    ("c1", "r2-1", "same_room"),
    ("c1", "r9-9", "unknown_room"),
    ("zz", "r2-1", "unknown_participant"),
]


@pytest.mark.parametrize(("pid", "room", "code"), REFUSED, ids=[c[2] + "-" + c[0] for c in REFUSED])
def test_move_refused(pid: str, room: str, code: str) -> None:
    state = round_two()
    with pytest.raises(SpeedmeetError) as info:
        rooms.move(state, pid, room)
    assert info.value.code == code
    # a rule the host broke (409) or something that does not exist (404)
    assert isinstance(info.value, NotFound if code.startswith("unknown") else UserError)


def test_move_refused_for_someone_who_stopped() -> None:
    state = round_two()
    c4 = msgspec.structs.replace(state.participants["c4"], stopped=True)
    state = msgspec.structs.replace(state, participants={**state.participants, "c4": c4})
    with pytest.raises(UserError) as info:
        rooms.move(state, "c4", "r2-4")
    assert info.value.code == "stopped"


@pytest.mark.parametrize("phase", ["lobby", "break", "ended"])
def test_move_only_during_a_round(phase: str) -> None:
    state = round_two()
    if phase == "lobby":
        state = event(PEOPLE)
    elif phase == "break":
        state = in_break(state)
    else:
        state = msgspec.structs.replace(
            state, clock=msgspec.structs.replace(state.clock, phase=Phase.ENDED, ends_at=None)
        )
    with pytest.raises(UserError) as info:
        rooms.move(state, "c4", "r2-4")
    assert info.value.code == "bad_phase"


def test_move_into_a_room() -> None:
    state = round_two()
    new, affected = rooms.move(state, "c4", "r2-4")
    assert affected == {"c3", "s3", "c4", "s4"}
    assert members(new) == {
        "r2-1": ("c1", "s1"),
        "r2-2": ("c2", "s2"),
        "r2-3": ("c3", "s3"),
        "r2-4": ("s4", "c4"),
    }
    current = new.current()
    assert current is not None
    assert {r.id: r.reason for r in current.rooms}["r2-4"] == "moved"
    assert new.history[0] == state.history[0]  # earlier rounds untouched


def test_move_to_the_waiting_list_and_back() -> None:
    state = round_two()
    waiting, affected = rooms.move(state, "c1", None)
    assert affected == {"c1", "s1"}
    assert members(waiting)["r2-1"] == ("s1",)
    assert waiting.current().waiting == ("c1",)  # type: ignore[union-attr]
    back, _ = rooms.move(waiting, "c1", "r2-1")
    assert members(back)["r2-1"] == ("s1", "c1")
    assert back.current().waiting == ()  # type: ignore[union-attr]


def test_open_mode_allows_same_side() -> None:
    new, _ = rooms.move(round_two("open"), "s3", "r2-4")
    assert members(new)["r2-4"] == ("s4", "s3")


def test_open_mode_still_refuses_repeats_and_declines() -> None:
    state = round_two("open")
    for pid, code in (("c2", "repeat"), ("c3", "declined")):
        with pytest.raises(UserError) as info:
            rooms.move(state, pid, "r2-4")
        assert info.value.code == code


def test_repair_pairs_the_orphans_together() -> None:
    """s1 and c2 never came: c1 and s2 meet instead, in a new room."""
    state = in_round(event(PEOPLE[:2] + PEOPLE[4:6]), [("c1", "s1"), ("c2", "s2")])
    online = frozenset({"c1", "s2"})
    assert rooms.orphans(state, online) == ["c1", "s2"]
    new, moved = rooms.repair(state, online)
    assert moved == {"c1", "s2"}
    assert members(new) == {"r1-3": ("c1", "s2")}
    current = new.current()
    assert current is not None
    assert {r.id: r.reason for r in current.rooms}["r1-3"] == "repaired"
    # no room of one: the absent wait (a repair pairs them if they come back)
    assert sorted(current.waiting) == ["c2", "s1"]
    assert rooms.orphans(new, frozenset({"s1", "c2"})) == ["s1", "c2"]


def test_repair_never_reuses_a_room_id() -> None:
    """A room emptied by a repair is dropped; the next repair's rooms still get new ids."""
    state = in_round(event(["c1", "c2", "s1", "s2"]), [("c1", "s1"), ("c2", "s2")])
    state, _ = rooms.move(state, "s1", None)  # r1-1 holds c1 alone, s1 waits
    state, moved = rooms.repair(state, frozenset({"c1", "s1"}))
    assert moved == {"c1", "s1"}
    assert members(state) == {"r1-2": ("c2", "s2"), "r1-3": ("c1", "s1")}
    state, moved = rooms.repair(state, frozenset({"c2", "s1"}))
    assert moved == {"c2", "s1"}
    assert members(state) == {"r1-4": ("c2", "s1")}  # s2 and c1, left behind, wait
    state, moved = rooms.repair(state, frozenset({"c1", "s2"}))
    assert members(state) == {"r1-4": ("c2", "s1"), "r1-5": ("c1", "s2")}  # not r1-2 again


def test_repair_pairs_waiting_people_and_late_arrivals() -> None:
    state = in_round(
        event(["c1", "c2", "c3", "s1", "s2", "s3"]), [("c1", "s1"), ("c2", "s2")], waiting=["c3"]
    )
    everyone = frozenset(state.participants)
    assert sorted(rooms.orphans(state, everyone)) == ["c3", "s3"]
    new, moved = rooms.repair(state, everyone)
    assert moved == {"c3", "s3"}
    assert members(new)["r1-3"] == ("c3", "s3")
    assert new.current().waiting == ()  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("earlier", "online", "why"),
    [
        ([[("c1", "s2")]], {"c1", "s2"}, "they met before"),
        ([], {"c1", "c2"}, "same side"),
        ([], {"c1", "s1", "c2", "s2"}, "nobody is alone"),
        ([], {"c1"}, "only one orphan"),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_repair_leaves_people_who_cannot_meet(
    earlier: list[list[tuple[str, ...]]], online: set[str], why: str
) -> None:
    state = in_round(event(["c1", "c2", "s1", "s2"]), [("c1", "s1"), ("c2", "s2")], earlier=earlier)
    new, moved = rooms.repair(state, frozenset(online))
    assert moved == set(), why
    assert new == state


def test_repair_ignores_people_who_stopped() -> None:
    state = in_round(event(["c1", "c2", "s1", "s2"], stopped=["s2"]), [("c1", "s1"), ("c2", "s2")])
    assert rooms.orphans(state, frozenset({"c1", "s2"})) == ["c1"]


@pytest.mark.parametrize("where", ["lobby", "break"])
def test_repair_only_during_a_round(where: str) -> None:
    state = event(["c1", "s1"])
    if where == "break":
        state = in_break(in_round(state, [("c1", "s1")]))
    with pytest.raises(UserError) as info:
        rooms.repair(state, frozenset({"c1"}))
    assert info.value.code == "bad_phase"


def _stats(ice: str = "connected", rtt: float | None = 50.0, loss: float | None = 0.0) -> LinkStats:
    return LinkStats(room="r1-1", ice=ice, rtt_ms=rtt, loss=loss, kbps=800.0)


@pytest.mark.parametrize(
    ("online", "stats", "helped", "flags"),
    [
        ({"c1", "s1"}, {"c1": _stats(), "s1": _stats()}, [], ()),
        ({"c1"}, {"c1": _stats()}, [], ("alone",)),
        (set(), {}, [], ("alone",)),
        ({"c1", "s1"}, {"c1": _stats()}, [], ("no_video",)),
        ({"c1", "s1"}, {"c1": _stats(), "s1": _stats(ice="checking")}, [], ("no_video",)),
        ({"c1", "s1"}, {"c1": _stats(), "s1": _stats(rtt=900)}, [], ("poor_link",)),
        ({"c1", "s1"}, {"c1": _stats(loss=0.2), "s1": _stats()}, [], ("poor_link",)),
        ({"c1", "s1"}, {"c1": _stats(), "s1": _stats()}, ["s1"], ("help",)),
        ({"c1"}, {}, ["c1"], ("alone", "help")),
    ],
    ids=["fine", "alone", "nobody", "no stats", "checking", "slow", "lossy", "help", "alone+help"],
)
def test_board_flags(
    online: set[str], stats: dict[str, LinkStats], helped: list[str], flags: tuple[str, ...]
) -> None:
    state = in_round(event(["c1", "s1"]), [("c1", "s1")])
    (view,) = overview.rooms_view(state, frozenset(online), stats, helped)
    assert view.flags == flags
    assert {m.id: m.online for m in view.members} == {"c1": "c1" in online, "s1": "s1" in online}


@pytest.mark.parametrize(
    ("ice", "after_ms", "flagged"),
    [
        ("new", 1_000, False),
        ("checking", 14_999, False),
        ("checking", 15_000, True),
        ("new", 60_000, True),
        ("failed", 1_000, True),
        ("disconnected", 1_000, True),
        ("connected", 60_000, False),
    ],
)
def test_no_video_waits_for_calls_to_settle(ice: str, after_ms: int, flagged: bool) -> None:
    state = in_round(event(["c1", "s1"]), [("c1", "s1")])
    record = state.current()
    assert record is not None
    stats = {"c1": _stats(), "s1": _stats(ice=ice)}
    (view,) = overview.rooms_view(
        state, frozenset({"c1", "s1"}), stats, now=record.started_at + after_ms
    )
    assert ("no_video" in view.flags) is flagged


def test_board_ignores_stats_of_an_earlier_room_and_offline_people() -> None:
    state = in_round(event(["c1", "s1"]), [("c1", "s1")])
    old = LinkStats(room="r0-9", ice="connected", rtt_ms=10.0)
    (view,) = overview.rooms_view(state, frozenset({"c1"}), {"c1": old, "s1": _stats()})
    by_id = {m.id: m for m in view.members}
    assert (by_id["c1"].ice, by_id["c1"].rtt_ms) == ("new", None)
    assert (by_id["s1"].ice, by_id["s1"].rtt_ms) == ("gone", None)


def test_board_is_empty_outside_a_round() -> None:
    state = in_round(event(["c1", "s1"]), [("c1", "s1")])
    assert overview.rooms_view(in_break(state), frozenset({"c1", "s1"}), {}) == []


def test_a_plan_key_names_the_version_and_who_takes_part() -> None:
    state = event(["c1", "c2", "s1", "s2"], stopped=["s2"])
    key = rooms.plan_key(state, ["c1", "s1", "c2"])
    assert key == rooms.plan_key(state, ["c2", "c1", "s1", "s2", "ghost"])  # order, who cannot
    assert key != rooms.plan_key(state, ["c1", "s1"])
    newer = msgspec.structs.replace(state, version=state.version + 1)
    assert key != rooms.plan_key(newer, ["c1", "s1", "c2"])


def _heard(
    source: str, audio_ms: int | None = 0, video_ms: int | None = 0, **kw: object
) -> LinkStats:
    """A connected member's report of what arrives from ``source``."""
    inbound = (Inbound(source=source, audio_ms=audio_ms, video_ms=video_ms),)
    return msgspec.structs.replace(_stats(), inbound=inbound, **kw)


RULES = MediaRules(grace_ms=15_000, no_video_ms=10_000, no_audio_ms=20_000)


@pytest.mark.parametrize(
    ("c1", "s1", "flags", "seen", "heard"),
    [
        (_heard("s1"), _heard("c1"), (), True, True),
        (_heard("s1", video_ms=12_000), _heard("c1"), ("no_video",), False, True),
        (_heard("s1", audio_ms=25_000), _heard("c1"), ("no_audio",), True, False),
        (_heard("s1", audio_ms=19_999, video_ms=9_999), _heard("c1"), (), True, True),
        (
            _heard("s1", audio_ms=40_000, video_ms=40_000),
            _heard("c1", camera="blocked", mic="blocked"),
            ("no_video", "no_audio", "camera_blocked", "mic_blocked"),
            False,
            False,
        ),
        (_heard("s1"), _heard("c1", camera="none", mic="on"), ("camera_blocked",), True, True),
        (
            _heard("s1"),
            _heard("c1", camera="off", mic="off"),
            ("camera_off", "mic_off"),
            True,
            True,
        ),
        (_heard("s1", audio_ms=None, video_ms=None), _heard("c1"), (), None, None),
    ],
    ids=["fine", "no video", "no audio", "just under", "blocked", "no camera", "off", "unmeasured"],
)
def test_media_flags_from_what_arrives(
    c1: LinkStats, s1: LinkStats, flags: tuple[str, ...], seen: bool | None, heard: bool | None
) -> None:
    state = in_round(event(["c1", "s1"]), [("c1", "s1")])
    record = state.current()
    assert record is not None
    now = record.started_at + 60_000
    stats = {"c1": msgspec.structs.replace(c1, at=now), "s1": msgspec.structs.replace(s1, at=now)}
    (view,) = overview.rooms_view(state, frozenset({"c1", "s1"}), stats, now=now, rules=RULES)
    assert view.flags == flags
    by_id = {m.id: m for m in view.members}
    assert (by_id["s1"].seen, by_id["s1"].heard) == (seen, heard)  # what c1 gets from s1
    assert (by_id["s1"].camera, by_id["s1"].mic) == (s1.camera, s1.mic)


def test_silence_grows_between_reports_and_waits_for_the_grace() -> None:
    state = in_round(event(["c1", "s1"]), [("c1", "s1")])
    record = state.current()
    assert record is not None
    start = record.started_at
    # at the last report (5 s ago) nothing had come for 16 s: 21 s by now
    stats = {"c1": _heard("s1", audio_ms=16_000, at=start + 55_000), "s1": _heard("c1")}
    (view,) = overview.rooms_view(
        state, frozenset({"c1", "s1"}), stats, now=start + 60_000, rules=RULES
    )
    assert view.flags == ("no_audio",)
    # sound was arriving at the last report: no guess about since
    stats["c1"] = _heard("s1", audio_ms=0, at=start + 30_000)
    (view,) = overview.rooms_view(
        state, frozenset({"c1", "s1"}), stats, now=start + 60_000, rules=RULES
    )
    assert view.flags == ()
    # within the grace after the round starts, nothing is judged
    stats["c1"] = _heard("s1", audio_ms=40_000, video_ms=40_000, at=start)
    (view,) = overview.rooms_view(
        state, frozenset({"c1", "s1"}), stats, now=start + 14_000, rules=RULES
    )
    assert view.flags == ()


def test_a_lower_threshold_flags_sooner() -> None:
    state = in_round(event(["c1", "s1"]), [("c1", "s1")])
    record = state.current()
    assert record is not None
    now = record.started_at + 60_000
    stats = {"c1": _heard("s1", audio_ms=5_000, at=now), "s1": _heard("c1", at=now)}
    quick = MediaRules(grace_ms=0, no_video_ms=1_000, no_audio_ms=4_000)
    (view,) = overview.rooms_view(state, frozenset({"c1", "s1"}), stats, now=now, rules=quick)
    assert view.flags == ("no_audio",)
    (view,) = overview.rooms_view(state, frozenset({"c1", "s1"}), stats, now=now, rules=RULES)
    assert view.flags == ()
