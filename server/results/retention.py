"""How long an event's personal data is kept, and what is kept of it afterwards.

Pure: the event and the time in. ``retention_days`` after an event ends, everything personal
of it (people, profiles and photos, wishes, ratings, notes, help requests, chat, links) is
forgotten; only the report's figures stay, without the figures per person.

An event that never ended is forgotten ``retention_days`` after its announced start, so that
an abandoned event does not keep its people for ever; one with no start time and no end is
kept until an organiser deletes it.

The follow-ups booked after the event (the ``followups`` log) are its personal data too: they
go with the rest, and their rooms' links stop working then. So a follow-up may not start so
late that its room would still be open when the event is forgotten (``followups_until``).
"""

from __future__ import annotations

from typing import Any

from ..core import followups
from ..core.model import EventState, Phase

DAY_MS = 86_400_000

# What the report holds per person (their name, organisation, ratings): not kept. The funnel
# (``funnel``) is counts only: kept, but for its groups (below).
PERSONAL = ("by_participant",)
# A group's figures are a person's when the group is that small: not kept either. A tag is
# words people chose, and a side or a tag of one or two people tells of those people.
MIN_GROUP = 3
GROUPS = (("by_side", "sides_met"), ("by_tag", "tags_met"))
FUNNEL_GROUPS = ("by_side", "by_tag")  # of the report's ``funnel``


def ended_at(state: EventState) -> int | None:
    """When the event ended (an event ended by an earlier version: its last round's end, or
    its creation); ``None`` while it has not."""
    if state.clock.phase is not Phase.ENDED:
        return None
    if state.clock.ended_at is not None:
        return state.clock.ended_at
    ends = [r.ended_at for r in state.history if r.ended_at is not None]
    return max(ends, default=state.created_at)


def since(state: EventState) -> int | None:
    """What the event's retention counts from: its end, or, while it has not ended, its
    announced start (``None``: neither; kept until an organiser deletes it). The stores index
    events by it (``RecordStore.ended_between``), so that a sweep reads only events due."""
    ended = ended_at(state)
    return ended if ended is not None else state.settings.starts_at


def forget_at(state: EventState, days: int) -> int | None:
    """When the event's personal data is due to be forgotten (``None``: never by itself)."""
    start = since(state)
    return None if days <= 0 or start is None else start + days * DAY_MS


def followups_until(state: EventState, days: int, now: int) -> int | None:
    """The latest start a follow-up of the event may be booked for at ``now``: its room (open
    until ``followups.CLOSES_AFTER_MS`` after its end) closes before the event is forgotten.
    ``None``: never forgotten by itself (``days`` 0), so no limit.

    It counts from when the retention counts now (``since``); an event not ended and with no
    announced start ends ``now`` at the earliest. The limit only moves later as the event goes
    on (its end comes after its start): a time accepted once stays within it."""
    if days <= 0:
        return None
    start = since(state)
    forgotten = (now if start is None else start) + days * DAY_MS
    return forgotten - followups.LENGTH_MS - followups.CLOSES_AFTER_MS


def due(state: EventState, now: int, days: int) -> bool:
    """Whether the event's personal data is to be forgotten now."""
    when = forget_at(state, days)
    return when is not None and when <= now


def anonymised(report: dict[str, Any], state: EventState, now: int) -> dict[str, Any]:
    """The report kept of ``state`` once forgotten: every figure but those of each person and
    of groups (sides, tags, and the funnel's) of fewer than ``MIN_GROUP`` people, with when
    the event started and ended and when the rest was forgotten."""
    kept = {k: v for k, v in report.items() if k not in PERSONAL}
    kept["by_participant"] = []
    for groups, between in GROUPS:
        big = [g for g in report.get(groups, []) if g["participants"] >= MIN_GROUP]
        names = {g["group"] for g in big}
        kept[groups] = big
        kept[between] = [b for b in report.get(between, []) if {b["a"], b["b"]} <= names]
    if "funnel" in report:  # a report of an earlier version has none
        kept["funnel"] = {
            **report["funnel"],
            **{
                groups: [g for g in report["funnel"][groups] if g["participants"] >= MIN_GROUP]
                for groups in FUNNEL_GROUPS
            },
        }
    kept["event"] = {
        **report["event"],
        "starts_at": state.settings.starts_at,
        "ended_at": ended_at(state),
    }
    kept["forgotten_at"] = now
    return kept
