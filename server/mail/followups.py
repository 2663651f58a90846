"""Follow-ups booked after a mutual yes: the commands (propose, pick, cancel, a call's connected
time), the e-mails each one sends, and the reminders the day before.

A command is a change to the event (a new version) committed with its log entry, on top of the
version it read: two pages of a pair acting at once on two processes are serialised, the later
one reloads and is judged on what the first did. The reminders go the same way, so a reminder
is sent once whatever the number of processes: the process that books arms its timer; every
process, at start and then hourly, arms those of the events still on or that ended within the
booking horizon, and the first to commit the ``FollowUpReminded`` sends it.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import secrets
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import msgspec

from ..core import followups, logs
from ..core.followups import FollowUp, Refused
from ..core.model import Entry, EventState, FollowUpCall, FollowUpReminded
from ..core.outcome import Outcome, bump
from ..errors import SpeedmeetError, UserError
from ..limits import Rate
from ..live.owner import CALLS, Context, Owner, guarded
from ..live.timers import Timers
from ..people import links
from ..results import retention, summary
from ..settings import zone
from ..tasks import together
from .bookings import Booking, What
from .outbox import Job, Outbox

log = logging.getLogger(__name__)

EVERY_S = 3600.0
# Proposals one person may make (each e-mails the other): a burst, then a few an hour.
PROPOSALS_BURST = 10
PROPOSALS_PER_HOUR = 10
# Picks and cancels of one person: each takes the event's lock and reads its logs (a live
# event's clock waits behind them), so a link cannot send a hundred at once.
MOVES_BURST = 10
MOVES_PER_MINUTE = 6
HORIZON_MS = followups.MAX_AHEAD_MS + 7 * followups.DAY_MS  # events whose follow-ups may be due
# (the event, the pair's follow-up as it stands, the pair, now) -> the entry
# (``None``: the same move again, nothing to write: ``followups.done_already``)
Act = Callable[[EventState, FollowUp | None, str, int], Entry | None]


def mutual_peers(state: EventState, feedback: Sequence[Entry], calls: Any, pid: str) -> set[str]:
    """Whom ``pid`` met and both want to follow up with (as their summary shows them)."""
    mine = summary.summary_payload(state, logs.ratings(feedback), pid, calls)
    return {p["id"] for m in mine["meetings"] for p in m["peers"] if p["mutual_follow_up"]}


def decide(
    state: EventState,
    ctx: Context,
    pid: str,
    peer: str,
    act: Act,
    rooms: Mapping[str, str] | None = None,
) -> Outcome:
    """Judge ``act`` of ``pid`` on their follow-up with ``peer``: refused unless the two met
    and both want to follow up, or when the rules refuse it (``Refused``, as a ``UserError``).
    ``rooms``: new tokens for the link to the follow-up rooms of each of the two who has none
    yet (a booking: its invitation carries that link, not their own)."""
    if peer == pid or peer not in mutual_peers(state, ctx.logs["feedback"], ctx.calls, pid):
        raise UserError(
            "not_mutual",
            "A follow-up is arranged only with someone you met who wants to follow up too.",
        )
    pair = followups.pair_key(pid, peer)
    entries = list(ctx.logs["followups"])
    before = followups.fold(entries).get(pair)
    try:
        entry = act(state, before, pair, ctx.now)
    except Refused as exc:
        raise UserError(exc.code, exc.message, **exc.detail) from exc
    if entry is None:
        assert before is not None
        return Outcome(state, [], {"before": before, "after": before})
    after = followups.fold([*entries, entry])[pair]
    people = dict(state.participants)
    for who, token in (rooms or {}).items():
        person = people.get(who)
        if person is not None and not person.room_token:
            people[who] = msgspec.structs.replace(
                person, room_token=token, room_token_hash=links.token_hash(token)
            )
    return Outcome(
        bump(state, participants=people),
        [],
        {"before": before, "after": after},
        [entry],
    )


def remind(state: EventState, ctx: Context) -> Outcome:
    """The reminders due now, each noted once (``not_due`` when there is none)."""
    due = followups.reminders_due(followups.fold(ctx.logs["followups"]).values(), ctx.now)
    if not due:
        raise UserError("not_due", "No follow-up reminder is due now.")
    entries: list[Entry] = [
        FollowUpReminded(pair=f.pair, start=f.start, at=ctx.now) for f in due if f.start
    ]
    return Outcome(bump(state), [], {"due": due}, entries)


def room_path(event_id: str, token: str, peer: str) -> str:
    """The path of a follow-up room under the link to a person's follow-up rooms alone."""
    return f"/e/{event_id}/room/{token}/{peer}"


def known_zone(tz: str) -> str:
    """``tz`` if it names a time zone, else ``""`` (a zone a browser made up is not kept)."""
    if not tz or len(tz) > 64:
        return ""
    try:
        zone(tz)
    except ValueError:
        return ""
    return tz


class FollowUps:
    """Runs the follow-up commands of every event, sends their e-mails and the reminders."""

    def __init__(
        self,
        owner: Owner,
        outbox: Outbox,
        base_url: str,
        every_s: float = EVERY_S,
        retention_days: int = 0,
        new_token: Callable[[], str] | None = None,
    ) -> None:
        self._owner = owner
        self._new_token = new_token or (lambda: secrets.token_urlsafe(16))
        self._retention_days = retention_days  # times after the event is forgotten: refused
        self._outbox = outbox
        self._base_url = base_url
        self._every_s = every_s
        self._timers: Timers[str] = Timers(owner.now)
        self._proposals = Rate(PROPOSALS_PER_HOUR / 3600, PROPOSALS_BURST)
        self._moves = Rate(MOVES_PER_MINUTE / 60, MOVES_BURST)

    async def propose(
        self, event_id: str, pid: str, peer: str, times: Sequence[int], tz: str
    ) -> FollowUp:
        """``pid`` proposes ``times`` to ``peer``: the other hears of it by e-mail (and, if the
        proposal replaces a booking, both get its cancellation); ``rate_limited`` past a few
        an hour (each one e-mails the other)."""
        self._proposals.check((event_id, pid), "proposals")

        def act(state: EventState, _current: FollowUp | None, pair: str, now: int) -> Entry:
            latest = retention.followups_until(state, self._retention_days, now)
            return followups.propose(pair, pid, times, now, known_zone(tz), latest)

        before, after, state = await self._apply(event_id, pid, peer, act)
        if before is not None and before.status == "booked":
            self._send(state, "cancelled", followups.cancelled(before, pid, after.at), (pid, peer))
        self._send(state, "proposed", after, (peer,))
        return after

    async def pick(self, event_id: str, pid: str, peer: str, start: int, tz: str) -> FollowUp:
        """``pid`` picks ``start`` of ``peer``'s proposal: booked, both get the ``.ics``."""
        self._moves.check((event_id, pid), "follow-up changes")

        def act(_state: EventState, current: FollowUp | None, _pair: str, now: int) -> Entry | None:
            if followups.done_already(current, pid, start):
                return None
            return followups.pick(current, pid, start, now, known_zone(tz))

        rooms = {who: self._new_token() for who in (pid, peer)}  # kept for who has none yet
        _, after, state = await self._apply(event_id, pid, peer, act, rooms)
        # sent again with a pick sent again: the first one's may not have gone (its answer lost)
        self._send(state, "booked", after, (pid, peer))
        self._arm(event_id, followups.next_reminder([after], self._owner.now()))
        return after

    async def cancel(self, event_id: str, pid: str, peer: str) -> FollowUp:
        """``pid`` cancels: a booking's cancellation goes to both (a proposal just ends)."""
        self._moves.check((event_id, pid), "follow-up changes")

        def act(_state: EventState, current: FollowUp | None, _pair: str, now: int) -> Entry | None:
            if followups.done_already(current, pid):
                return None
            return followups.cancel(current, pid, now)

        before, after, state = await self._apply(event_id, pid, peer, act)
        # a booking cancelled, or cancelled again (the first one's e-mails may not have gone)
        if after.start is not None and before is not None and before.status != "proposed":
            self._send(state, "cancelled", after, (pid, peer))
        return after

    async def _apply(
        self, event_id: str, pid: str, peer: str, act: Act, rooms: Mapping[str, str] | None = None
    ) -> tuple[FollowUp | None, FollowUp, EventState]:
        command = functools.partial(decide, pid=pid, peer=peer, act=act, rooms=rooms)
        outcome = await self._owner.apply(event_id, command, ("feedback", "followups", CALLS))
        return outcome.result["before"], outcome.result["after"], outcome.state

    async def current(self, event_id: str, pid: str, peer: str) -> FollowUp | None:
        """The follow-up of ``pid`` and ``peer`` as it stands."""
        if pid == peer:
            return None
        entries = await self._owner.store.entries(event_id, "followups")
        return followups.fold(entries).get(followups.pair_key(pid, peer))

    async def all_of(self, event_id: str, pid: str) -> dict[str, FollowUp]:
        """Every follow-up of ``pid``, by the other person's id."""
        entries = await self._owner.store.entries(event_id, "followups")
        return {
            followups.other(pair, pid): f
            for pair, f in followups.fold(entries).items()
            if pid in followups.members(pair)
        }

    async def call(self, event_id: str, pid: str, peer: str, connected_ms: int) -> bool:
        """Count ``connected_ms`` more of the call ``pid``'s page saw with ``peer`` (only while
        the booking's room is open); whether it counted."""
        current = await self.current(event_id, pid, peer)
        now = self._owner.now()
        if current is None or current.start is None or not followups.reported(current, now):
            return False
        ms = min(max(0, connected_ms), followups.MAX_REPORT_MS)
        entry = FollowUpCall(
            pair=current.pair, start=current.start, connected_ms=ms, at=now, by=pid
        )
        await self._owner.append(event_id, [entry])
        return True

    # --- e-mails -------------------------------------------------------------------------------

    def _send(self, state: EventState, what: What, fu: FollowUp, to: Sequence[str]) -> None:
        jobs = []
        for pid in to:
            person = state.participants.get(pid)
            peer = followups.other(fu.pair, pid)
            if person is None or not person.email or peer not in state.participants:
                continue
            lang = person.language or state.settings.language
            # the link the person has (kept sealed); a link made before tokens were kept
            # cannot be written again: the e-mail then points to the server (a mailing never
            # replaces a link)
            own = f"{self._base_url}{links.path(state.id, pid, person.token)}"
            summary_url = f"{own}/summary?lang={lang}" if person.token else self._base_url
            room_url = (
                f"{self._base_url}{room_path(state.id, person.room_token, peer)}?lang={lang}"
                if person.room_token  # the link to the rooms alone (an invitation is forwarded)
                else f"{own}/followup/{peer}?lang={lang}"
                if person.token
                else self._base_url
            )
            booking = Booking(what, fu, peer, summary_url, room_url)
            jobs.append(Job(state.id, pid, "followup", fu.pair, booking.summary_url, None, booking))
        self._outbox.submit(jobs)

    # --- reminders -----------------------------------------------------------------------------

    def _arm(self, event_id: str, when: int | None) -> None:
        if when is not None and self._outbox.enabled:
            self._timers.set(event_id, min(when, self._timers.when(event_id) or when))

    def due_at(self, event_id: str) -> int | None:
        """When this process sends the event's next follow-up reminder (``None``: none armed)."""
        return self._timers.when(event_id)

    def poke(self) -> None:
        """Look at the time again now (a test moved the server's clock)."""
        self._timers.poke()

    async def catch_up(self) -> None:
        """Arm the next reminder of every event that may have follow-ups to remind."""
        if not self._outbox.enabled:
            return
        store, now = self._owner.store, self._owner.now()
        recent = await store.ended_between(now - HORIZON_MS, now)
        # and those still on: a follow-up may be booked during the event (one with no announced
        # start is in no window of ``ended_between``)
        for event_id in dict.fromkeys([*recent, *await store.live_ids()]):
            entries = await store.entries(event_id, "followups")
            if entries:
                self._arm(event_id, followups.next_reminder(followups.fold(entries).values(), now))

    async def run(self) -> None:
        """Send reminders as they fall due, until cancelled; look for missed ones hourly."""
        await together(self._timers.run(self._due), self._scan())

    async def _scan(self) -> None:
        while True:
            await guarded("follow-up reminders catch-up", self.catch_up)
            await asyncio.sleep(self._every_s)

    async def _due(self, event_id: str) -> None:
        await guarded(f"follow-up reminders of {event_id}", functools.partial(self._fire, event_id))

    async def _fire(self, event_id: str) -> None:
        try:
            outcome = await self._owner.apply(event_id, remind, ("followups",))
        except SpeedmeetError as exc:
            if exc.code not in ("not_due", "unknown_event"):
                raise
            log.info("follow-up reminders of %s not sent: %s", event_id, exc.message)
        else:
            due: list[FollowUp] = outcome.result["due"]
            for f in due:
                self._send(outcome.state, "reminder", f, followups.members(f.pair))
            log.info("follow-up reminders of event %s: %d", event_id, len(due))
        entries = await self._owner.store.entries(event_id, "followups")
        now = self._owner.now()
        self._arm(event_id, followups.next_reminder(followups.fold(entries).values(), now))
