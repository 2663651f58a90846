"""The round clock: every transition, every refusal, and the deadline arithmetic."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from server.core.clock import ClockCommand, advance, remaining
from server.core.model import Clock, Phase
from server.errors import UserError

C = ClockCommand
ROUND_MS = 300_000
BREAK_MS = 60_000
T0 = 1_000_000  # an arbitrary server time


def step(clock: Clock, command: ClockCommand, now: int, **kw: Any) -> Clock:
    """``advance`` with the test's timing."""
    kw.setdefault("round_ms", ROUND_MS)
    kw.setdefault("break_ms", BREAK_MS)
    return advance(clock, command, now, **kw)


LOBBY = Clock(rounds=3)
OPENED = Clock(rounds=3, opened=True)
ROUND1 = Clock(
    phase=Phase.ROUND, round=1, rounds=3, ends_at=T0 + ROUND_MS, opened=True, started_at=T0
)
PAUSED1 = msgspec.structs.replace(ROUND1, ends_at=None, remaining_ms=120_000, paused=True)
BREAK1 = Clock(phase=Phase.BREAK, round=1, rounds=3, ends_at=T0 + 1000, opened=True, started_at=T0)
PAUSED_BREAK = msgspec.structs.replace(BREAK1, ends_at=None, remaining_ms=30_000, paused=True)
LAST_ROUND = msgspec.structs.replace(ROUND1, round=3)
ENDED = Clock(phase=Phase.ENDED, round=2, rounds=3, opened=True, started_at=T0)

# (name, clock before, command, now, expected fields of the clock after)
ACCEPTED: list[tuple[str, Clock, ClockCommand, int, dict[str, Any]]] = [
    ("open the doors", LOBBY, C.OPEN, T0, {"phase": Phase.LOBBY, "opened": True, "round": 0}),
    ("open twice is harmless", OPENED, C.OPEN, T0, {"phase": Phase.LOBBY, "opened": True}),
    (
        "start without opening",
        LOBBY,
        C.START,
        T0,
        {
            "phase": Phase.ROUND,
            "round": 1,
            "ends_at": T0 + ROUND_MS,
            "remaining_ms": None,
            "paused": False,
            "opened": True,
            "started_at": T0,
        },
    ),
    ("start after opening", OPENED, C.START, T0 + 5, {"round": 1, "ends_at": T0 + 5 + ROUND_MS}),
    (
        "pause a round",
        ROUND1,
        C.PAUSE,
        T0 + 100_000,
        {"paused": True, "ends_at": None, "remaining_ms": ROUND_MS - 100_000},
    ),
    (
        "pause an overdue round keeps nothing negative",
        ROUND1,
        C.PAUSE,
        T0 + ROUND_MS + 5,
        {"paused": True, "ends_at": None, "remaining_ms": 0},
    ),
    (
        "pause a break",
        BREAK1,
        C.PAUSE,
        T0 + 400,
        {"phase": Phase.BREAK, "paused": True, "remaining_ms": 600},
    ),
    (
        "resume a round",
        PAUSED1,
        C.RESUME,
        T0 + 500_000,
        {"paused": False, "ends_at": T0 + 500_000 + 120_000, "remaining_ms": None},
    ),
    (
        "resume a break",
        PAUSED_BREAK,
        C.RESUME,
        T0 + 7,
        {"phase": Phase.BREAK, "paused": False, "ends_at": T0 + 7 + 30_000},
    ),
    (
        "extend a running round",
        ROUND1,
        C.EXTEND,
        T0 + 10,
        {"ends_at": T0 + ROUND_MS + 60_000, "remaining_ms": None},
    ),
    (
        "extend an overdue round counts from now",
        ROUND1,
        C.EXTEND,
        T0 + ROUND_MS + 9_000,
        {"ends_at": T0 + ROUND_MS + 9_000 + 60_000},
    ),
    (
        "extend a paused round",
        PAUSED1,
        C.EXTEND,
        T0 + 999_999,
        {"paused": True, "ends_at": None, "remaining_ms": 180_000},
    ),
    ("extend a break", BREAK1, C.EXTEND, T0, {"phase": Phase.BREAK, "ends_at": T0 + 61_000}),
    (
        "end a round early: break",
        ROUND1,
        C.END_ROUND,
        T0 + 1234,
        {"phase": Phase.BREAK, "round": 1, "ends_at": T0 + 1234 + BREAK_MS, "paused": False},
    ),
    (
        "end a paused round: break, unpaused",
        PAUSED1,
        C.END_ROUND,
        T0 + 50,
        {
            "phase": Phase.BREAK,
            "ends_at": T0 + 50 + BREAK_MS,
            "remaining_ms": None,
            "paused": False,
        },
    ),
    (
        "end the last round: ended",
        LAST_ROUND,
        C.END_ROUND,
        T0 + 1,
        {"phase": Phase.ENDED, "round": 3, "ends_at": None, "remaining_ms": None},
    ),
    (
        "skip a break",
        BREAK1,
        C.NEXT,
        T0 + 300,
        {"phase": Phase.ROUND, "round": 2, "ends_at": T0 + 300 + ROUND_MS, "started_at": T0},
    ),
    (
        "skip a paused break",
        PAUSED_BREAK,
        C.NEXT,
        T0 + 300,
        {"phase": Phase.ROUND, "round": 2, "paused": False, "remaining_ms": None},
    ),
    (
        "round deadline on time: break",
        ROUND1,
        C.DEADLINE,
        T0 + ROUND_MS,
        {"phase": Phase.BREAK, "ends_at": T0 + ROUND_MS + BREAK_MS},
    ),
    (
        "round deadline fired late: the break starts at the logical deadline",
        ROUND1,
        C.DEADLINE,
        T0 + ROUND_MS + 7_000,
        {"phase": Phase.BREAK, "ends_at": T0 + ROUND_MS + BREAK_MS},
    ),
    (
        "break deadline fired late: the round starts at the logical deadline",
        BREAK1,
        C.DEADLINE,
        T0 + 1000 + 4_321,
        {"phase": Phase.ROUND, "round": 2, "ends_at": T0 + 1000 + ROUND_MS},
    ),
    (
        "last round deadline: ended",
        LAST_ROUND,
        C.DEADLINE,
        T0 + ROUND_MS + 1,
        {"phase": Phase.ENDED, "ends_at": None},
    ),
    ("end from the lobby", LOBBY, C.END, T0, {"phase": Phase.ENDED, "round": 0}),
    ("end a round", ROUND1, C.END, T0, {"phase": Phase.ENDED, "round": 1, "ends_at": None}),
    ("end a paused round", PAUSED1, C.END, T0, {"phase": Phase.ENDED, "remaining_ms": None}),
    ("end a break", BREAK1, C.END, T0, {"phase": Phase.ENDED, "paused": False}),
]


@pytest.mark.parametrize(
    ("before", "command", "now", "expected"),
    [case[1:] for case in ACCEPTED],
    ids=[case[0] for case in ACCEPTED],
)
def test_accepted(before: Clock, command: ClockCommand, now: int, expected: dict[str, Any]) -> None:
    after = step(before, command, now, extend_ms=60_000)
    got = {name: getattr(after, name) for name in expected}
    assert got == expected
    assert after.rounds == before.rounds


# (clock before, command, error code)
REFUSED: list[tuple[Clock, ClockCommand, str]] = [
    *[(ENDED, command, "ended") for command in ClockCommand],
    *[
        (clock, command, "bad_phase")
        for clock in (LOBBY, OPENED)
        for command in (C.PAUSE, C.RESUME, C.EXTEND, C.END_ROUND, C.NEXT, C.DEADLINE)
    ],
    (ROUND1, C.OPEN, "bad_phase"),
    (BREAK1, C.OPEN, "bad_phase"),
    (ROUND1, C.START, "bad_phase"),
    (BREAK1, C.START, "bad_phase"),
    (PAUSED1, C.PAUSE, "bad_phase"),
    (ROUND1, C.RESUME, "bad_phase"),
    (BREAK1, C.RESUME, "bad_phase"),
    (BREAK1, C.END_ROUND, "bad_phase"),
    (ROUND1, C.NEXT, "bad_phase"),
    (PAUSED1, C.NEXT, "bad_phase"),
    (PAUSED1, C.DEADLINE, "not_due"),
    (PAUSED_BREAK, C.DEADLINE, "not_due"),
    (ROUND1, C.DEADLINE, "not_due"),  # T0 is before the deadline
    (BREAK1, C.DEADLINE, "not_due"),
]


@pytest.mark.parametrize(
    ("before", "command", "code"),
    REFUSED,
    ids=[f"{c.phase}{'-paused' if c.paused else ''}-{cmd}" for c, cmd, _ in REFUSED],
)
def test_refused(before: Clock, command: ClockCommand, code: str) -> None:
    with pytest.raises(UserError) as info:
        step(before, command, T0, extend_ms=60_000)
    assert info.value.code == code
    assert info.value.message


@pytest.mark.parametrize("extend_ms", [0, -1000])
@pytest.mark.parametrize("clock", [ROUND1, PAUSED1, BREAK1], ids=["round", "paused", "break"])
def test_extend_needs_positive_time(clock: Clock, extend_ms: int) -> None:
    with pytest.raises(UserError) as info:
        step(clock, C.EXTEND, T0, extend_ms=extend_ms)
    assert info.value.code == "bad_value"


def test_no_break_goes_straight_to_the_next_round() -> None:
    after = step(ROUND1, C.END_ROUND, T0 + 10, break_ms=0)
    assert (after.phase, after.round, after.ends_at) == (Phase.ROUND, 2, T0 + 10 + ROUND_MS)
    late = step(ROUND1, C.DEADLINE, T0 + ROUND_MS + 500, break_ms=0)
    assert (late.phase, late.round, late.ends_at) == (Phase.ROUND, 2, T0 + 2 * ROUND_MS)


def test_pause_then_resume_keeps_the_time_left() -> None:
    """Pause at t leaves ends_at - t; resume at t2 gives t2 + that."""
    t, t2 = T0 + 42_000, T0 + 900_000
    paused = step(ROUND1, C.PAUSE, t)
    assert paused.remaining_ms == ROUND1.ends_at - t  # type: ignore[operator]
    assert remaining(paused, t2) == paused.remaining_ms  # frozen while paused
    resumed = step(paused, C.RESUME, t2)
    assert resumed.ends_at == t2 + (ROUND1.ends_at - t)  # type: ignore[operator]
    assert remaining(resumed, t2) == ROUND1.ends_at - t  # type: ignore[operator]


def test_extend_while_paused_then_resume() -> None:
    paused = step(ROUND1, C.PAUSE, T0 + 100_000)
    extended = step(paused, C.EXTEND, T0 + 200_000, extend_ms=30_000)
    resumed = step(extended, C.RESUME, T0 + 300_000)
    assert resumed.ends_at == T0 + 300_000 + (ROUND_MS - 100_000) + 30_000


@pytest.mark.parametrize(
    ("clock", "now", "left"),
    [
        (LOBBY, T0, None),
        (ROUND1, T0, ROUND_MS),
        (ROUND1, T0 + ROUND_MS + 1, 0),
        (PAUSED1, T0 + 10**9, 120_000),
        (ENDED, T0, None),
    ],
    ids=["lobby", "running", "overdue", "paused", "ended"],
)
def test_remaining(clock: Clock, now: int, left: int | None) -> None:
    assert remaining(clock, now) == left


def test_a_whole_event_on_time() -> None:
    """Start, every deadline on time, until the end: the rounds follow the timeline exactly."""
    clock = step(LOBBY, C.START, T0)
    seen = [(clock.phase, clock.round, clock.ends_at)]
    while clock.phase is not Phase.ENDED:
        assert clock.ends_at is not None
        clock = step(clock, C.DEADLINE, clock.ends_at)
        seen.append((clock.phase, clock.round, clock.ends_at))
    r, b = ROUND_MS, BREAK_MS
    assert seen == [
        (Phase.ROUND, 1, T0 + r),
        (Phase.BREAK, 1, T0 + r + b),
        (Phase.ROUND, 2, T0 + 2 * r + b),
        (Phase.BREAK, 2, T0 + 2 * r + 2 * b),
        (Phase.ROUND, 3, T0 + 3 * r + 2 * b),
        (Phase.ENDED, 3, None),
    ]


commands = st.lists(
    st.tuples(
        st.sampled_from(list(ClockCommand)),
        st.integers(min_value=0, max_value=400_000),  # time since the previous command
        st.integers(min_value=-5, max_value=120) | st.just(0),  # extend by (seconds)
    ),
    max_size=40,
)


@settings(max_examples=300, deadline=None)
@given(
    rounds=st.integers(min_value=1, max_value=4),
    break_ms=st.sampled_from([0, 1, 60_000]),
    script=commands,
)
def test_clock_invariants(
    rounds: int, break_ms: int, script: list[tuple[ClockCommand, int, int]]
) -> None:
    """Whatever the host and the deadlines do, the clock stays coherent."""
    clock = Clock(rounds=rounds)
    now = T0
    for command, gap, extend_s in script:
        now += gap
        before = clock
        try:
            clock = advance(
                clock,
                command,
                now,
                round_ms=ROUND_MS,
                break_ms=break_ms,
                extend_ms=extend_s * 1000,
            )
        except UserError:
            clock = before  # a refused move changes nothing
        assert not (clock.ends_at is not None and clock.remaining_ms is not None)
        assert clock.paused == (clock.remaining_ms is not None)
        assert clock.remaining_ms is None or clock.remaining_ms >= 0
        left = remaining(clock, now)
        assert left is None or left >= 0
        assert 0 <= clock.round <= clock.rounds == rounds
        assert clock.round >= before.round  # rounds never go back
        if clock.phase in (Phase.ROUND, Phase.BREAK):
            assert clock.round >= 1
            assert (clock.ends_at is None) == clock.paused
        else:
            assert clock.ends_at is None and clock.remaining_ms is None
        if before.phase is Phase.ENDED:
            assert clock == before  # ended is final
