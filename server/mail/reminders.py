"""Reminder e-mails before an event's start, sent by the process that holds the event's lease
(exactly one at a time: its commit carries the lease's fence, so a former holder cannot send
them too). The reminder is logged as a batch of its start time: a process that takes the event
over later does not send it again, and a new start time gets a reminder of its own."""

from __future__ import annotations

import functools
import logging
import uuid
from collections.abc import Callable

from ..core.logs import reminded
from ..core.model import EventState
from ..core.outcome import Outcome
from ..errors import Fenced, SpeedmeetError
from ..live.leases import Leases
from ..live.owner import Context, Owner, guarded
from ..live.timers import Timers
from ..people import links
from ..store import Note
from . import invites
from .outbox import Job, Outbox

log = logging.getLogger(__name__)


class Reminders:
    """Arms each held event's reminder; sends it when due (a steward of ``Leases``)."""

    def __init__(
        self,
        owner: Owner,
        outbox: Outbox,
        now: Callable[[], int],
        new_token: Callable[[], str],
        base_url: str,
        leases: Leases,
    ) -> None:
        self._owner = owner
        self._leases = leases
        self._outbox = outbox
        self._now = now
        self._new_token = new_token
        self._base_url = base_url
        self._fences: dict[str, int] = {}
        self._timers: Timers[str] = Timers(now)

    async def gained(self, event_id: str, fence: int) -> None:
        """This process now holds the event: arm its reminder."""
        self._fences[event_id] = fence
        await self._arm(event_id)

    def lost(self, event_id: str) -> None:
        """Another process holds the event now."""
        self._fences.pop(event_id, None)
        self._timers.drop(event_id)

    async def ended(self, event_id: str) -> None:
        """The event ended: no reminder is due any more."""
        self.lost(event_id)

    async def _arm(self, event_id: str) -> None:
        if not self._outbox.enabled or event_id not in self._fences:
            return
        state = await self._owner.store.load(event_id)
        due = invites.reminder_due(state) if state is not None else None
        if state is not None and due is not None and state.settings.starts_at is not None:
            if not reminded(
                await self._owner.store.entries(event_id, "mail"), state.settings.starts_at
            ):
                self._timers.set(event_id, due)
                return
        self._timers.drop(event_id)

    async def on_note(self, note: Note) -> None:
        """A change to an event we hold may move its start time: arm again."""
        if note.changed and note.event_id in self._fences:
            await self._arm(note.event_id)

    async def on_link(self, up: bool) -> None:
        """Changes may have been missed: arm every held event again."""
        if up:
            for event_id in list(self._fences):
                await self._arm(event_id)

    def poke(self) -> None:
        """Look at the time again now."""
        self._timers.poke()

    async def run(self) -> None:
        """Send reminders as they fall due, until cancelled."""
        await self._timers.run(self._due)

    async def _due(self, event_id: str) -> None:
        await guarded(f"reminder of {event_id}", functools.partial(self._fire, event_id))

    async def _fire(self, event_id: str) -> None:
        state = await self._owner.store.load(event_id)
        if state is None:
            return
        fresh: dict[str, str] = {}  # new tokens, for links that cannot be recovered only
        batch = uuid.uuid4().hex[:12]

        def command(s: EventState, ctx: Context) -> Outcome:
            for p in s.participants.values():
                if p.email and not p.token and p.id not in fresh:
                    fresh[p.id] = self._new_token()
            return invites.reminder(s, ctx.logs.get("mail", []), fresh, batch, ctx.now)

        fence = self._fences.get(event_id)
        try:
            outcome = await self._owner.apply(event_id, command, ("mail",), fence)
        except Fenced:
            if not await self._leases.refused(event_id, fence):
                await self._arm(event_id)  # refused an older fence: we hold a newer one
            return
        except SpeedmeetError as exc:
            if exc.code == "not_due":
                log.info("reminder of %s not sent: %s", event_id, exc.message)
                return
            raise
        queued: list[str] = outcome.result["queued"]
        tokens: dict[str, str] = outcome.result["tokens"]
        log.info("reminder of event %s: %d e-mails", event_id, len(queued))
        self._outbox.submit(
            [
                Job(
                    event_id,
                    pid,
                    "reminder",
                    batch,
                    self._base_url + links.path(event_id, pid, tokens[pid]),
                )
                for pid in queued
            ]
        )
