"""When an event next needs its conductor: the end of a round or break, or the no-show check.

A ``Timer`` is the little of the event's state this depends on; it travels with every change
notice so that the process running the event's conductor re-arms without loading the record.
"""

from __future__ import annotations

from typing import Literal

import msgspec

from .model import EventState, Phase

Due = Literal["deadline", "no_shows"]


class Timer(msgspec.Struct, frozen=True, kw_only=True):
    """The clock's deadline and, during a round, when its no-show check is due."""

    phase: Phase
    ends_at: int | None = None
    no_show_at: int | None = None  # None: checked already, or not in a round


def timer_of(state: EventState) -> Timer | None:
    """The event's timer; ``None`` when nothing counts down (lobby, paused, ended)."""
    c = state.clock
    if c.paused or c.ends_at is None or c.phase not in (Phase.ROUND, Phase.BREAK):
        return None
    no_show = None
    record = state.current()
    if c.phase is Phase.ROUND and record is not None and not record.no_shows_checked:
        no_show = record.started_at + state.settings.no_show_seconds * 1000
    return Timer(phase=c.phase, ends_at=c.ends_at, no_show_at=no_show)


def due_at(timer: Timer | None, not_before: int) -> int | None:
    """When the conductor should look next (``None``: nothing scheduled).

    A break that ends starts a round, paired for the people present: after a restart that
    waits until ``not_before`` so that browsers have had time to reconnect; so does the
    no-show check. The end of a round does not wait.
    """
    if timer is None or timer.ends_at is None:
        return None
    if timer.phase is Phase.BREAK:
        return max(timer.ends_at, not_before)
    if timer.no_show_at is None:
        return timer.ends_at
    return min(timer.ends_at, max(timer.no_show_at, not_before))


def due(timer: Timer | None, now: int) -> Due | None:
    """What is due at ``now``: the deadline, the no-show check, or nothing."""
    if timer is None or timer.ends_at is None:
        return None
    if timer.ends_at <= now:
        return "deadline"
    if timer.no_show_at is not None and timer.no_show_at <= now:
        return "no_shows"
    return None
