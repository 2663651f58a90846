"""The conductor: fires the deadlines (round end, break end, no-show check) of the events whose
lease this process holds.

It sleeps until the earliest deadline. Any process's change re-arms it through the change
notices (which carry the event's new ``Timer``). A deadline that fails (the store is away) is
retried with a capped backoff and counted, never dropped.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from ..core import deadlines, rounds
from ..core.clock import ClockCommand
from ..core.deadlines import Timer, timer_of
from ..core.model import EventState
from ..core.outcome import Outcome
from ..errors import Fenced, SpeedmeetError
from ..metrics import Metrics
from ..results import meter
from ..store import Note
from ..tasks import together
from .leases import Leases
from .owner import CALLS, ONLINE, PLAN, Context, Owner, guarded
from .timers import Timers

log = logging.getLogger(__name__)

RETRY_MS = (500, 1_000, 2_000, 5_000, 10_000)
CHECK_S = 5.0  # how often held events are looked at for a deadline without a timer


def _command(state: EventState, ctx: Context) -> Outcome:
    if deadlines.due(timer_of(state), ctx.now) == "no_shows":
        # whoever had a call connected this round came, even if they left since
        record = state.current()
        here = meter.met(ctx.calls, [r.id for r in record.rooms] if record else [])
        return rounds.check_no_shows(state, ctx.online, ctx.now, here)
    return rounds.move_clock(
        state, ClockCommand.DEADLINE, ctx.now, ctx.online, "clock", plan=ctx.plan
    )


class Conductor:
    """One task for the events this process holds: fires each one's due deadline."""

    def __init__(
        self, owner: Owner, now: Callable[[], int], grace_ms: int, metrics: Metrics, leases: Leases
    ) -> None:
        self._owner = owner
        self._leases = leases
        self._now = now
        self._metrics = metrics
        self._not_before = now() + grace_ms
        self._held: dict[str, int] = {}  # event → the version its timer comes from
        self._fences: dict[str, int] = {}  # event → our lease's fencing version
        self._timers: Timers[str] = Timers(now)
        self._failures: dict[str, int] = {}

    def _arm(self, event_id: str, version: int, timer: Timer | None) -> None:
        if event_id not in self._held or version < self._held[event_id]:
            return  # not ours, or older than what we know
        self._held[event_id] = version
        when = deadlines.due_at(timer, self._not_before)
        if when is None:
            self._timers.drop(event_id)
        else:
            self._timers.set(event_id, when)

    async def gained(self, event_id: str, fence: int) -> None:
        """This process now runs the event's deadlines: arm them from the stored clock."""
        self._fences[event_id] = fence
        await self._reload(event_id)

    async def _reload(self, event_id: str) -> None:
        self._held[event_id] = -1
        state = await self._owner.store.load(event_id)
        if state is not None:
            self._arm(event_id, state.version, timer_of(state))

    def lost(self, event_id: str) -> None:
        """Another process runs the event's deadlines now."""
        self._held.pop(event_id, None)
        self._fences.pop(event_id, None)
        self._timers.drop(event_id)
        self._failures.pop(event_id, None)

    async def ended(self, event_id: str) -> None:
        """The event ended: no deadline is left to keep."""
        self.lost(event_id)

    async def on_note(self, note: Note) -> None:
        """A change anywhere re-arms the event's deadline."""
        if note.changed:
            self._arm(note.event_id, note.version, note.timer)

    async def on_link(self, up: bool) -> None:
        """Notes may have been missed: re-read the clock of every event we hold."""
        if up:
            for event_id in list(self._held):
                await self._reload(event_id)

    def poke(self) -> None:
        """Look at the time again now (the clock jumped, or a test moved its fake clock)."""
        self._timers.poke()

    async def run(self) -> None:
        """Fire deadlines until cancelled; every ``CHECK_S``, re-arm what lost its timer."""
        await together(self._timers.run(self._fire), self._checks())

    async def _checks(self) -> None:
        while True:
            await asyncio.sleep(CHECK_S)
            await guarded("deadline check", self.check)

    async def check(self) -> None:
        """Re-arm every held event that has no timer from its record (a note lost between
        Redis and this process, a deadline dropped by a bug): its clock never stops for good."""
        for event_id in [e for e in self._held if e not in self._timers]:
            state = await self._owner.store.load(event_id)
            timer = timer_of(state) if state is not None else None
            if state is not None and timer is not None and event_id in self._held:
                log.warning("event %s had no timer for its deadline: armed again", event_id)
                self._metrics.deadline_failures.inc()
                self._arm(event_id, state.version, timer)

    async def _fire(self, event_id: str) -> None:
        try:
            fence = self._fences.get(event_id)
            outcome = await self._owner.apply(event_id, _command, (ONLINE, PLAN, CALLS), fence)
        except asyncio.CancelledError:
            raise
        except Fenced:
            if not await self._leases.refused(event_id, fence) and event_id in self._held:
                await self._reload(event_id)  # refused an older fence: we hold a newer one
            return
        except SpeedmeetError as exc:
            if exc.code in ("not_due", "ended", "bad_phase"):
                # someone moved the clock first (pause, end): re-read and re-arm
                log.debug("deadline of %s skipped: %s", event_id, exc.message)
                self._failures.pop(event_id, None)
                if event_id in self._held:
                    await self._reload(event_id)
                return
            self._retry(event_id, exc)
            return
        except Exception as exc:
            self._retry(event_id, exc)
            return
        self._failures.pop(event_id, None)
        self._arm(event_id, outcome.state.version, timer_of(outcome.state))

    def _retry(self, event_id: str, exc: Exception) -> None:
        count = self._failures.get(event_id, 0)
        self._failures[event_id] = count + 1
        delay = RETRY_MS[min(count, len(RETRY_MS) - 1)]
        self._metrics.deadline_failures.inc()
        log.warning(
            "deadline of event %s failed (%s); trying again in %d ms",
            event_id,
            exc,
            delay,
            exc_info=not isinstance(exc, SpeedmeetError),
        )
        if event_id in self._held:
            self._timers.set(event_id, self._now() + delay)
