"""Follow-ups booked after a mutual "I want to follow up": the rules, pure, with time passed in.

Two people who met and both said they want to follow up form a *pair*. Either may propose up to
three start times for a 30-minute follow-up; the other picks one (the pair is then *booked*);
either may cancel, or propose other times (which replaces the proposal or booking before). The
follow-up room of a booking is open from 10 minutes before its start to 30 minutes after its
end. What happened is kept as entries of the event's ``followups`` log; ``fold`` adds them up.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Literal

import msgspec

from .model import (
    Entry,
    FollowUpCall,
    FollowUpCancelled,
    FollowUpPicked,
    FollowUpProposed,
    FollowUpReminded,
)

LENGTH_MS = 30 * 60_000  # a follow-up lasts 30 minutes
OPENS_BEFORE_MS = 10 * 60_000  # its room opens 10 minutes before the start
CLOSES_AFTER_MS = 30 * 60_000  # and closes 30 minutes after the end
MAX_TIMES = 3  # times one proposal may offer
MIN_LEAD_MS = 15 * 60_000  # a proposed time starts at least this long after the proposal
MAX_AHEAD_MS = 180 * 86_400_000  # and at most this long after it

Status = Literal["proposed", "booked", "cancelled"]


class FollowUp(msgspec.Struct, frozen=True, kw_only=True):
    """Where a pair's follow-up stands.

    ``proposed``: ``by`` offered ``times`` and waits for the other to pick; ``booked``: the
    follow-up starts at ``start`` (``by`` picked it, ``proposer`` had offered it); ``cancelled``:
    ``by`` cancelled (``start`` is the booking cancelled, if there was one). ``connected_ms``:
    the connected time of the call of the current booking; ``reminded``: its reminder was sent.
    """

    pair: str
    status: Status
    by: str
    times: tuple[int, ...] = ()
    start: int | None = None
    proposer: str = ""
    at: int = 0
    tz: dict[str, str] = msgspec.field(default_factory=dict)  # each person's last known zone
    connected_ms: int = 0
    reminded: bool = False
    calls: dict[str, int] = msgspec.field(default_factory=dict)  # connected ms each page reported

    @property
    def held(self) -> bool:
        """Whether the booked follow-up's call connected."""
        return self.status == "booked" and self.connected_ms > 0


def cancelled(current: FollowUp, by: str, at: int) -> FollowUp:
    """``current`` cancelled by ``by`` at ``at`` (a booking keeps its ``start``: what was
    cancelled); nothing of its call counts any more."""
    start = current.start if current.status == "booked" else None
    return msgspec.structs.replace(
        current, status="cancelled", by=by, start=start, at=at, connected_ms=0, calls={}
    )


def pair_key(a: str, b: str) -> str:
    """The key of the pair of ``a`` and ``b`` (the same either way round)."""
    if a == b:
        raise ValueError("a follow-up is between two different people")
    first, second = sorted((a, b))
    return f"{first}~{second}"


def members(pair: str) -> tuple[str, str]:
    """The two participant ids of a pair key."""
    first, _, second = pair.partition("~")
    return first, second


def other(pair: str, who: str) -> str:
    """The person of ``pair`` who is not ``who``."""
    first, second = members(pair)
    return second if who == first else first


def fold(entries: Iterable[Entry]) -> dict[str, FollowUp]:
    """Each pair's follow-up as its log entries, in order, leave it."""
    out: dict[str, FollowUp] = {}
    for e in entries:
        if isinstance(e, FollowUpProposed):
            zones = dict(out[e.pair].tz) if e.pair in out else {}
            if e.tz:
                zones[e.by] = e.tz
            out[e.pair] = FollowUp(
                pair=e.pair, status="proposed", by=e.by, times=e.times, at=e.at, tz=zones
            )
        elif isinstance(e, FollowUpPicked):
            current = out.get(e.pair)
            if current is None or current.status != "proposed" or e.start not in current.times:
                continue  # an entry of a proposal replaced since (the command refused it)
            zones = dict(current.tz)
            if e.tz:
                zones[e.by] = e.tz
            out[e.pair] = FollowUp(
                pair=e.pair,
                status="booked",
                by=e.by,
                times=current.times,
                start=e.start,
                proposer=current.by,
                at=e.at,
                tz=zones,
            )
        elif isinstance(e, FollowUpCancelled):
            current = out.get(e.pair)
            if current is None or current.status == "cancelled":
                continue
            out[e.pair] = cancelled(current, e.by, e.at)
        elif isinstance(e, FollowUpCall | FollowUpReminded):
            current = out.get(e.pair)
            if current is None or current.status != "booked" or current.start != e.start:
                continue  # of a booking since replaced
            if isinstance(e, FollowUpCall):
                # both pages report the one call: the side that saw it longer counts
                calls = dict(current.calls)
                # a page's reports never add up to more than the room was open
                calls[e.by] = min(calls.get(e.by, 0) + max(0, e.connected_ms), MAX_REPORT_MS)
                total = max(calls.values())
                out[e.pair] = msgspec.structs.replace(current, connected_ms=total, calls=calls)
            else:
                out[e.pair] = msgspec.structs.replace(current, reminded=True)
    return out


class Refused(Exception):
    """A follow-up command that the rules refuse: ``code`` for programs, ``message`` for people."""

    def __init__(self, code: str, message: str, **detail: int) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.detail = detail


def check_times(times: Sequence[int], now: int, latest: int | None = None) -> tuple[int, ...]:
    """The proposed times, sorted and without repeats, or ``Refused`` saying what is wrong.
    ``latest``: the last start allowed (the event's data is forgotten after its room closes;
    ``retention.followups_until``), ``None`` for no such limit."""
    chosen = tuple(sorted(set(times)))
    if not 1 <= len(chosen) <= MAX_TIMES:
        raise Refused("times", f"Propose between 1 and {MAX_TIMES} different times.")
    if chosen[0] < now + MIN_LEAD_MS:
        raise Refused(
            "too_soon", "Each time must start at least 15 minutes from now: choose a later time."
        )
    if chosen[-1] > now + MAX_AHEAD_MS:
        raise Refused("too_far", "Each time must be within the next 180 days.")
    if latest is not None and chosen[-1] > latest:
        when = datetime.fromtimestamp(latest / 1000, UTC).strftime("%Y-%m-%d %H:%M UTC")
        raise Refused(
            "after_retention",
            f"Each time must start by {when}: this event's data is forgotten after that.",
            latest=latest,
        )
    for earlier, later in itertools.pairwise(chosen):
        if later - earlier < LENGTH_MS:
            raise Refused("overlap", "Two of the times overlap: leave 30 minutes between them.")
    return chosen


def propose(
    pair: str, by: str, times: Sequence[int], now: int, tz: str = "", latest: int | None = None
) -> FollowUpProposed:
    """The entry of ``by`` proposing ``times`` (replacing any proposal or booking); ``latest``:
    as ``check_times``."""
    if by not in members(pair):
        raise Refused("not_yours", "Only the two people who met can arrange their follow-up.")
    return FollowUpProposed(pair=pair, by=by, times=check_times(times, now, latest), at=now, tz=tz)


def pick(current: FollowUp | None, by: str, start: int, now: int, tz: str = "") -> FollowUpPicked:
    """The entry of ``by`` picking ``start`` of the other's proposal."""
    if current is None or current.status != "proposed":
        raise Refused("no_proposal", "There are no times to pick: propose some instead.")
    if by == current.by:
        raise Refused("own_proposal", "The other person picks one of the times you proposed.")
    if by not in members(current.pair):
        raise Refused("not_yours", "Only the two people who met can arrange their follow-up.")
    if start not in current.times:
        raise Refused("not_proposed", "That time was not proposed: pick one of those offered.")
    if start < now:
        raise Refused("past", "That time has passed: propose other times.")
    return FollowUpPicked(pair=current.pair, by=by, start=start, at=now, tz=tz)


def cancel(current: FollowUp | None, by: str, now: int) -> FollowUpCancelled:
    """The entry of ``by`` cancelling the pair's proposal or booking."""
    if current is None or current.status == "cancelled":
        raise Refused("nothing", "There is no follow-up to cancel.")
    if by not in members(current.pair):
        raise Refused("not_yours", "Only the two people who met can arrange their follow-up.")
    return FollowUpCancelled(pair=current.pair, by=by, at=now)


def done_already(current: FollowUp | None, by: str, start: int | None = None) -> bool:
    """Whether ``by``'s pick of ``start`` (or, with no ``start``, their cancel) is what the
    pair's follow-up already says: the same move sent again, e.g. after its answer was lost
    (a store that timed out after writing). It changes nothing and is answered as the first."""
    if current is None or current.by != by:
        return False
    if start is None:
        return current.status == "cancelled"
    return current.status == "booked" and current.start == start


def room_open(current: FollowUp | None, now: int) -> bool:
    """Whether the follow-up room of the pair is open at ``now``."""
    if current is None or current.status != "booked" or current.start is None:
        return False
    start = current.start
    return start - OPENS_BEFORE_MS <= now <= start + LENGTH_MS + CLOSES_AFTER_MS


DAY_MS = 86_400_000
REMIND_BEFORE_MS = DAY_MS  # the reminder goes out a day before the start


def reminders_due(followups: Iterable[FollowUp], now: int) -> list[FollowUp]:
    """Booked follow-ups whose reminder is due: not sent yet, starting within a day and not
    started. A follow-up booked less than a day before its start gets none (its confirmation
    is the reminder)."""
    return [
        f
        for f in followups
        if f.status == "booked"
        and f.start is not None
        and not f.reminded
        and f.start - REMIND_BEFORE_MS <= now < f.start
        and f.at < f.start - REMIND_BEFORE_MS
    ]


def zone_of(current: FollowUp, who: str) -> str:
    """The time zone to write ``who``'s times in: the one they last gave, else the proposer's
    (the other's, while a proposal waits), else ``""`` (UTC, and say so)."""
    proposer = current.proposer or current.by
    return current.tz.get(who) or current.tz.get(proposer, "")


def closes_at(start: int) -> int:
    """When the room of a follow-up starting at ``start`` closes."""
    return start + LENGTH_MS + CLOSES_AFTER_MS


def reported(current: FollowUp | None, now: int) -> bool:
    """Whether a call report may be counted now: the booking's room is open, or closed within
    the last minute (the page's last report, as it leaves when the room closes)."""
    return room_open(current, now) or room_open(current, now - REPORT_GRACE_MS)


REPORT_GRACE_MS = 60_000
MAX_REPORT_MS = LENGTH_MS + OPENS_BEFORE_MS + CLOSES_AFTER_MS  # a report cannot hold more


def next_reminder(followups: Iterable[FollowUp], now: int) -> int | None:
    """When the next reminder of these follow-ups falls due (``None``: none to send)."""
    due = [
        max(f.start - REMIND_BEFORE_MS, now)
        for f in followups
        if f.status == "booked"
        and f.start is not None
        and not f.reminded
        and now < f.start
        and f.at < f.start - REMIND_BEFORE_MS
    ]
    return min(due, default=None)


def view(current: FollowUp | None, who: str, peer: str) -> dict[str, object]:
    """Where ``who``'s follow-up with ``peer`` stands, as their summary page shows it: the
    status (``none`` before anything was proposed), whether ``who`` made the last move
    (``mine``), the times offered, the booked start and the room's hours."""
    if current is None:
        return {"peer": peer, "status": "none", "mine": False, "times": [], "start": None}
    out: dict[str, object] = {
        "peer": peer,
        "status": current.status,
        "mine": current.by == who,
        "times": list(current.times) if current.status == "proposed" else [],
        "start": current.start,
    }
    if current.status == "booked" and current.start is not None:
        out["opens_at"] = current.start - OPENS_BEFORE_MS
        out["ends_at"] = current.start + LENGTH_MS
        out["closes_at"] = closes_at(current.start)
    return out
