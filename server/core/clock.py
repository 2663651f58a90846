"""The round clock: a state machine over absolute deadlines, with time passed in."""

from __future__ import annotations

from enum import StrEnum

import msgspec

from ..errors import UserError
from .model import Clock, Phase


class ClockCommand(StrEnum):
    """Everything that can move the clock."""

    OPEN = "open"
    START = "start"
    PAUSE = "pause"
    RESUME = "resume"
    EXTEND = "extend"
    END_ROUND = "end_round"
    NEXT = "next"
    DEADLINE = "deadline"
    END = "end"


def remaining(clock: Clock, now: int) -> int | None:
    """Milliseconds left in the current phase (``None`` when nothing is counting down)."""
    if clock.paused:
        return clock.remaining_ms
    if clock.ends_at is None:
        return None
    return max(0, clock.ends_at - now)


def _round(clock: Clock, number: int, now: int, round_ms: int) -> Clock:
    return msgspec.structs.replace(
        clock,
        phase=Phase.ROUND,
        round=number,
        ends_at=now + round_ms,
        remaining_ms=None,
        paused=False,
        opened=True,
        started_at=clock.started_at if clock.started_at is not None else now,
    )


def _after_round(clock: Clock, now: int, round_ms: int, break_ms: int) -> Clock:
    if clock.round >= clock.rounds:
        return _ended(clock, now)
    if break_ms <= 0:
        return _round(clock, clock.round + 1, now, round_ms)
    return msgspec.structs.replace(
        clock,
        phase=Phase.BREAK,
        ends_at=now + break_ms,
        remaining_ms=None,
        paused=False,
    )


def _ended(clock: Clock, now: int) -> Clock:
    return msgspec.structs.replace(
        clock, phase=Phase.ENDED, ends_at=None, remaining_ms=None, paused=False, ended_at=now
    )


def _running(clock: Clock) -> bool:
    return clock.phase in (Phase.ROUND, Phase.BREAK)


def advance(
    clock: Clock,
    command: ClockCommand,
    now: int,
    *,
    round_ms: int,
    break_ms: int,
    extend_ms: int = 0,
) -> Clock:
    """Apply ``command`` at server time ``now``; raise ``UserError`` when it makes no sense now."""
    if clock.phase is Phase.ENDED:
        raise UserError("ended", "The event has ended.")
    if command is ClockCommand.OPEN:
        if clock.phase is not Phase.LOBBY:
            raise UserError(
                "bad_phase", "The doors are already open: the event has started.", why="open"
            )
        return msgspec.structs.replace(clock, opened=True)
    if command is ClockCommand.START:
        if clock.phase is not Phase.LOBBY:
            raise UserError("bad_phase", "The event has already started.", why="started")
        return _round(clock, 1, now, round_ms)
    if command is ClockCommand.END:
        return _ended(clock, now)
    if not _running(clock):
        raise UserError(
            "bad_phase", "Nothing is running yet: start the event first.", why="not_started"
        )
    if command is ClockCommand.PAUSE:
        if clock.paused:
            raise UserError("bad_phase", "The clock is already paused.", why="paused")
        left = remaining(clock, now)
        return msgspec.structs.replace(clock, paused=True, remaining_ms=left, ends_at=None)
    if command is ClockCommand.RESUME:
        if not clock.paused:
            raise UserError("bad_phase", "The clock is not paused.", why="not_paused")
        left = clock.remaining_ms or 0
        return msgspec.structs.replace(clock, paused=False, ends_at=now + left, remaining_ms=None)
    if command is ClockCommand.EXTEND:
        if extend_ms <= 0:
            raise UserError("bad_value", "Extend by a positive number of seconds.")
        if clock.paused:
            return msgspec.structs.replace(
                clock, remaining_ms=(clock.remaining_ms or 0) + extend_ms
            )
        assert clock.ends_at is not None
        return msgspec.structs.replace(clock, ends_at=max(clock.ends_at, now) + extend_ms)
    if command is ClockCommand.END_ROUND:
        if clock.phase is not Phase.ROUND:
            raise UserError("bad_phase", "No round is running: this is a break.", why="break")
        return _after_round(clock, now, round_ms, break_ms)
    if command is ClockCommand.NEXT:
        if clock.phase is not Phase.BREAK:
            raise UserError(
                "bad_phase", "There is no break to skip: end the round first.", why="round"
            )
        return _round(clock, clock.round + 1, now, round_ms)
    if command is ClockCommand.DEADLINE:
        if clock.paused or clock.ends_at is None or clock.ends_at > now:
            raise UserError("not_due", "The deadline has not passed yet.")
        if clock.phase is Phase.ROUND:
            return _after_round(clock, clock.ends_at, round_ms, break_ms)
        return _round(clock, clock.round + 1, clock.ends_at, round_ms)
    raise UserError("bad_command", f"Unknown clock command {command!r}.")
