"""The owner of every live event: load, apply a core command, commit, and the feed delivers.

Any process may change any event: a change is committed only on top of the version it read
(optimistic concurrency), so when two processes race, the later one reloads and runs its
command again, a few times at most; people never see the race. Within one process a lock per
event keeps such retries rare.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import AsyncIterator, Awaitable, Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import msgspec

from .. import rooms
from ..core import help
from ..core.logs import LOGS, Log
from ..core.matching import RoundPlan
from ..core.model import Entry, EventState, Phase
from ..core.outcome import LINKS, Message, Outcome, to_participant
from ..errors import Conflict, NotFound, SpeedmeetError, UserError
from ..metrics import Metrics
from ..results import figures, meter, retention, summary
from ..store import Change, Note, Store
from ..store.base import note_of
from ..store.parts import link_hashes
from .pools import Pools

log = logging.getLogger(__name__)

ATTEMPTS = 6
ONLINE = "online"  # a command's needs: who is online,
PLAN = "plan"  # the next round's pairing if one was made for this state (and the logs it reads)
CALLS = "calls"  # the connected-call counters (``meter``)


@dataclass(frozen=True)
class Context:
    """What a command may read besides the event: the time, who is online, some logs."""

    now: int
    online: frozenset[str] = frozenset()
    logs: Mapping[Log, Sequence[Entry]] = field(default_factory=dict)
    plan: RoundPlan | None = None
    calls: Mapping[meter.Key, int] = field(default_factory=dict)


Command = Callable[[EventState, Context], Outcome]


class Owner:
    """Every change to an event goes through ``apply``."""

    def __init__(
        self, store: Store, now: Callable[[], int], metrics: Metrics, pools: Pools | None = None
    ) -> None:
        self.store = store
        self.pools = pools or Pools()
        self.now = now
        self.metrics = metrics
        # each event's lock and how many hold or wait for it: kept only while some do
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}
        # told when this process commits an event's end (the summary e-mails arm on it)
        self.on_end: list[Callable[[EventState], None]] = []

    @contextlib.asynccontextmanager
    async def lock(self, event_id: str) -> AsyncIterator[None]:
        """Serialise this process's changes to one event (the lock is forgotten once nobody
        holds or waits for it: one lock per event busy now, not per event ever changed)."""
        lock, users = self._locks.get(event_id) or (asyncio.Lock(), 0)
        self._locks[event_id] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[event_id]
            if users <= 1:
                del self._locks[event_id]
            else:
                self._locks[event_id] = (lock, users - 1)

    async def get(self, event_id: str) -> EventState:
        """The event, or ``NotFound``."""
        state = await self.store.load(event_id)
        if state is None:
            raise NotFound("unknown_event", f"No event {event_id!r}.")
        return state

    async def apply(
        self,
        event_id: str,
        command: Command,
        needs: Collection[str] = (),
        fence: int | None = None,
    ) -> Outcome:
        """Run ``command`` on the latest state and commit what it produced.

        ``needs``: ``"online"``, ``"plan"``, ``"calls"`` and the logs (``"help"``,
        ``"feedback"``…) the command reads. ``fence``: the caller's lease on the event (the
        conductor): the commit is refused (``Fenced``) if another process has taken the event
        since. The command runs in the command pool: pairing a big round must not stall the
        loop, nor wait behind a report.
        """
        async with self.lock(event_id):
            for attempt in range(ATTEMPTS):
                state = await self.get(event_id)
                ctx = await self._context(state, needs)
                outcome = await self.pools.command(command, state, ctx)
                try:
                    await self._commit(state, outcome, fence)
                except Conflict:
                    if outcome.state is state:
                        raise
                    self.metrics.conflicts.inc()
                    log.info("event %s changed under us (attempt %d); again", event_id, attempt + 1)
                    await asyncio.sleep(random.uniform(0.005, 0.02) * (attempt + 1))
                    continue
                if _ended(state, outcome.state):
                    await self._close_help(outcome.state)
                    await self._send_summaries(outcome.state)
                    for hook in self.on_end:
                        hook(outcome.state)
                return outcome
        raise UserError("busy", "The event is changing quickly right now; please try again.")

    async def _context(self, state: EventState, needs: Collection[str]) -> Context:
        unknown = set(needs) - {ONLINE, PLAN, CALLS, *LOGS}
        assert not unknown, f"unknown needs {unknown}"
        online = await self.store.online(state.id) if ONLINE in needs else frozenset()
        logs = {name: await self.store.entries(state.id, name) for name in LOGS if name in needs}
        plan = None
        if PLAN in needs:
            stored = await self.store.plan(state.id)
            if stored is not None and stored[0] == rooms.plan_key(state, online):
                plan = stored[1]
        calls = await self.store.connected(state.id) if CALLS in needs else {}
        return Context(now=self.now(), online=online, logs=logs, plan=plan, calls=calls)

    async def _commit(self, state: EventState, outcome: Outcome, fence: int | None) -> None:
        changed = outcome.state is not state
        if not changed and not outcome.entries and not outcome.messages:
            return
        # only log entries: nobody needs to hear of it
        heard = changed or bool(outcome.messages)
        note = note_of(state, outcome.state, outcome.messages) if heard else None
        await self.store.commit(
            Change(
                base=state,
                state=outcome.state if changed else None,
                entries=outcome.entries,
                note=note,
                fence=fence,
            )
        )

    async def _close_help(self, state: EventState) -> None:
        """The event ended: close the help requests still open (only log entries and a word to
        the staff; the ended record is not touched)."""
        help_log = await self.store.entries(state.id, "help")
        await self._commit(state, help.close_help(state, help_log, self.now()), None)

    async def _send_summaries(self, state: EventState) -> None:
        feedback = await self.store.entries(state.id, "feedback")
        counters = await self.store.connected(state.id)
        messages = await self.pools.work(summary.summaries, state, feedback, counters)
        await self.publish(state, messages)

    async def send_summaries(self, state: EventState, pids: Collection[str]) -> None:
        """Send ``pids`` their summary again (a rating after the end may make a follow-up
        mutual: both pages show it without a reload)."""
        feedback = await self.store.entries(state.id, "feedback")
        counters = await self.store.connected(state.id)
        every = summary.summaries_of(state, feedback, counters, pids)
        await self.publish(
            state, [Message(to_participant(pid), "summary", every[pid]) for pid in pids]
        )

    async def update(self, event_id: str, change: Callable[[EventState], EventState]) -> EventState:
        """Apply a change that sends nothing (registration, wishes)."""
        outcome = await self.apply(event_id, lambda s, _ctx: Outcome(change(s), []))
        return outcome.state

    async def append(self, event_id: str, entries: Sequence[Entry]) -> None:
        """Append log entries that change nothing decided and that nobody needs to hear of (an
        e-mail's status)."""
        state = await self.get(event_id)
        await self.store.commit(Change(base=state, state=None, entries=entries))

    async def delete(self, event_id: str) -> None:
        """Delete an event and all it holds: its open pages are closed first (their links are
        revoked on every process). Not while a round or a break runs: end it first."""
        async with self.lock(event_id):
            state = await self._stopped(event_id, "delete it")
            await self._drop(state, None)

    async def forget(self, event_id: str) -> dict[str, Any]:
        """Forget an event's personal data, keeping its report's figures anonymised (the
        retention rule, or an organiser's request); returns what is kept. Its links stop
        working as with ``delete``. Not while a round or a break runs."""
        async with self.lock(event_id):
            state = await self._stopped(event_id, "forget its people")
            feedback = await self.store.entries(event_id, "feedback")
            counters = await self.store.connected(event_id)
            booked = await self.store.entries(event_id, "followups")
            report = await self.pools.work(figures.report, state, feedback, counters, booked)
            kept = retention.anonymised(report, state, self.now())
            await self._drop(state, msgspec.json.encode(kept))
            self.metrics.forgotten.inc()
            log.info("event %s: personal data forgotten, figures kept", event_id)
            return kept

    async def _stopped(self, event_id: str, what: str) -> EventState:
        state = await self.get(event_id)
        if state.clock.phase in (Phase.ROUND, Phase.BREAK):
            raise UserError(
                "running", f"The event is running: end it first (host console), then {what}."
            )
        return state

    async def _drop(self, state: EventState, keep: bytes | None) -> None:
        revoked = [Message(LINKS, "revoked", {"token_hash": h}) for h in link_hashes(state)]
        await self.publish(state, revoked)
        await self.store.delete(state, keep)

    async def create(self, state: EventState) -> None:
        """Store a new event."""
        await self.store.create(state)

    async def publish(self, state: EventState, messages: list[Message]) -> None:
        """Send messages of an event that change nothing (previews, summaries, boards)."""
        if messages:
            await self.store.publish(
                Note(event_id=state.id, version=state.version, messages=messages)
            )


def _ended(before: EventState, after: EventState) -> bool:
    return after.clock.phase is Phase.ENDED and before.clock.phase is not Phase.ENDED


async def guarded(name: str, body: Callable[[], Awaitable[Any]]) -> None:
    """Run a background loop body; log anything but cancellation and keep the loop alive.

    An error of ours (the store unreachable) is a warning; anything else a bug, with its trace.
    """
    try:
        await body()
    except asyncio.CancelledError:
        raise
    except SpeedmeetError as exc:
        log.warning("%s failed (%s); carrying on", name, exc.message)
    except Exception:
        log.exception("%s failed; carrying on", name)
