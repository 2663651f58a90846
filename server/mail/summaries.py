"""Summary e-mails after the event: sent automatically ``summary_mail_minutes`` after it ends,
and again when the organiser asks.

Sent once per person whatever the number of processes: the sending is a change to the event
(new summary links) committed together with its ``MailBatch``, on top of the version it read;
a process that races another reloads, finds the batch in the mail log and sends nothing. The
process that committed the end arms the timer; every process, at start and then every hour,
arms the events that ended within a day and have no summary batch yet, so a restart (or a
process that died in between) loses none.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import uuid
from collections.abc import Callable, Sequence
from typing import Any

from ..core import logs
from ..core.model import Entry, EventState, Phase
from ..core.outcome import Outcome
from ..errors import SpeedmeetError
from ..live.owner import Command, Context, Owner, guarded
from ..live.timers import Timers
from ..people import links
from ..results import summary
from ..tasks import together
from . import recaps
from .outbox import Job, Outbox

log = logging.getLogger(__name__)

Tokens = Callable[[Sequence[str]], dict[str, str]]  # new summary links' hashes for these ids
Decide = Callable[[EventState, list[Entry], Tokens, str, int], Outcome]

EVERY_S = 3600.0


class Summaries:
    """Queues summary e-mails: when due after an event's end (``run``), or on request."""

    def __init__(
        self,
        owner: Owner,
        outbox: Outbox,
        new_token: Callable[[], str],
        base_url: str,
        after_minutes: int,
        automatic: bool = True,
        every_s: float = EVERY_S,
    ) -> None:
        self._owner = owner
        self._outbox = outbox
        self._new_token = new_token
        self._base_url = base_url
        self.after_minutes = after_minutes
        self._automatic = automatic
        self._every_s = every_s
        self._timers: Timers[str] = Timers(owner.now)

    @property
    def automatic(self) -> bool:
        """Whether summaries go by themselves after an event's end (SMTP and the setting on)."""
        return self._automatic and self._outbox.enabled

    def ended(self, state: EventState) -> None:
        """An event just ended (this process committed it): arm its summaries."""
        due = recaps.due_at(state, self.after_minutes)
        if self.automatic and due is not None:
            self._timers.set(state.id, due)

    async def catch_up(self) -> None:
        """Arm every event that ended within a day and whose summaries were not sent."""
        if not self.automatic:
            return
        store, now = self._owner.store, self._owner.now()
        first = now - recaps.CATCH_UP_MS - self.after_minutes * recaps.MINUTE_MS
        alive = await store.alive()
        for event_id in await store.ended_between(first, now):
            state = await store.load(event_id)
            due = recaps.due_at(state, self.after_minutes) if state is not None else None
            if due is None or now - due > recaps.CATCH_UP_MS or event_id in self._timers:
                continue
            mail = await store.entries(event_id, "mail")
            if not logs.summaries_sent(mail):
                self._timers.set(event_id, due)
            elif recaps.abandoned(mail, alive):
                await guarded(
                    f"summaries of {event_id}", functools.partial(self._resume, event_id, alive)
                )

    async def run(self) -> None:
        """Send summaries as they fall due, until cancelled; look for missed ones hourly."""
        await together(self._timers.run(self._due), self._scan())

    async def _scan(self) -> None:
        while True:
            await guarded("summaries catch-up", self.catch_up)
            await asyncio.sleep(self._every_s)

    async def _due(self, event_id: str) -> None:
        await guarded(f"summaries of {event_id}", functools.partial(self._fire, event_id))

    async def send(self, event_id: str, chosen: Sequence[str] | None) -> dict[str, Any]:
        """The organiser's (re)sending: to ``chosen`` ids, or everyone with an e-mail."""
        batch = uuid.uuid4().hex[:12]
        tokens: dict[str, str] = {}
        skipped: list[str] = []

        def command(s: EventState, ctx: Context) -> Outcome:
            to, left = recaps.recipients(s, chosen)
            skipped[:] = left
            hashes = self._hashes(tokens, to)
            return recaps.send(s, hashes, batch, ctx.now, "admin", self._owner.store.proc)

        queued = await self._queue(event_id, command, tokens, batch)
        return {
            "batch": batch,
            "queued": queued,
            "skipped": [{"id": p, "reason": "no_email"} for p in skipped],
        }

    def _hashes(self, tokens: dict[str, str], to: Sequence[str]) -> dict[str, str]:
        """A new token for each of ``to`` (kept in ``tokens``, reused when a command runs again)."""
        for pid in to:
            if pid not in tokens:
                tokens[pid] = self._new_token()
        return {pid: links.token_hash(tokens[pid]) for pid in to}

    async def _fire(self, event_id: str) -> None:
        """The automatic sending, once due (unless a process sent them already)."""

        def decide(
            s: EventState, mail_log: list[Entry], tokens: Tokens, batch: str, now: int
        ) -> Outcome:
            hashes = tokens(recaps.recipients(s, None)[0])
            proc = self._owner.store.proc
            return recaps.automatic(s, mail_log, hashes, batch, now, self.after_minutes, proc)

        await self._timed(event_id, decide, "")

    async def _resume(self, event_id: str, alive: frozenset[str]) -> None:
        """Send again what a process that is gone left queued (each person's once)."""

        def decide(
            s: EventState, mail_log: list[Entry], tokens: Tokens, batch: str, now: int
        ) -> Outcome:
            hashes = tokens(recaps.abandoned(mail_log, alive))
            return recaps.resume(s, mail_log, alive, hashes, batch, now, self._owner.store.proc)

        await self._timed(event_id, decide, " left by a process gone")

    async def _timed(self, event_id: str, decide: Decide, what: str) -> None:
        """Queue what ``decide`` makes of the event and its mail log, if anything is due."""
        batch = uuid.uuid4().hex[:12]
        tokens: dict[str, str] = {}

        def command(s: EventState, ctx: Context) -> Outcome:
            mail_log = list(ctx.logs.get("mail", []))
            return decide(s, mail_log, lambda to: self._hashes(tokens, to), batch, ctx.now)

        try:
            queued = await self._queue(event_id, command, tokens, batch)
        except SpeedmeetError as exc:
            if exc.code in ("not_due", "unknown_event"):  # not due, or another process was first
                log.info("summaries%s of %s not sent: %s", what, event_id, exc.message)
                return
            raise
        log.info("summaries%s of event %s: %d e-mails", what, event_id, len(queued))

    async def _queue(
        self, event_id: str, command: Command, tokens: dict[str, str], batch: str
    ) -> list[str]:
        outcome = await self._owner.apply(event_id, command, ("mail",))
        queued: list[str] = outcome.result["queued"]
        state = outcome.state
        assert state.clock.phase is Phase.ENDED
        store = self._owner.store
        feedback = await store.entries(event_id, "feedback")
        counters = await store.connected(event_id)
        contents = await self._owner.pools.work(
            summary.summaries_of, state, feedback, counters, queued
        )
        jobs = []
        for pid in queued:
            lang = state.participants[pid].language or state.settings.language
            path = links.path(event_id, pid, tokens[pid])
            url = f"{self._base_url}{path}/summary?lang={lang}"
            jobs.append(Job(event_id, pid, "summary", batch, url, contents[pid]))
        self._outbox.submit(jobs)
        return queued
