"""How long an event's personal data is kept, and what is kept of it afterwards.

Pure: the event and the time in. ``retention_days`` after an event ends, everything personal
of it (people, profiles and photos, wishes, ratings, notes, help requests, chat, links) is
forgotten; only the report's figures stay, without the figures per person.

An event that never ended is forgotten ``retention_days`` after its announced start, so that
an abandoned event does not keep its people for ever; one with no start time and no end is
kept until an organiser deletes it.
"""

from __future__ import annotations

from typing import Any

from ..core.model import EventState, Phase

DAY_MS = 86_400_000

# What the report holds per person (their name, organisation, ratings): not kept.
PERSONAL = ("by_participant",)
# A group's figures are a person's when the group is that small: not kept either. A tag is
# words people chose, and a side or a tag of one or two people tells of those people.
MIN_GROUP = 3
GROUPS = (("by_side", "sides_met"), ("by_tag", "tags_met"))


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


def due(state: EventState, now: int, days: int) -> bool:
    """Whether the event's personal data is to be forgotten now."""
    when = forget_at(state, days)
    return when is not None and when <= now


def anonymised(report: dict[str, Any], state: EventState, now: int) -> dict[str, Any]:
    """The report kept of ``state`` once forgotten: every figure but those of each person and
    of groups (sides, tags) of fewer than ``MIN_GROUP`` people, with when the event started and
    ended and when the rest was forgotten."""
    kept = {k: v for k, v in report.items() if k not in PERSONAL}
    kept["by_participant"] = []
    for groups, between in GROUPS:
        big = [g for g in report.get(groups, []) if g["participants"] >= MIN_GROUP]
        names = {g["group"] for g in big}
        kept[groups] = big
        kept[between] = [b for b in report.get(between, []) if {b["a"], b["b"]} <= names]
    kept["event"] = {
        **report["event"],
        "starts_at": state.settings.starts_at,
        "ended_at": ended_at(state),
    }
    kept["forgotten_at"] = now
    return kept
