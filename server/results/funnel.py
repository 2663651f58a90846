"""What came of the meetings, as the organiser counts it: meetings, then mutual yes, then
follow-ups proposed, booked and held (with their connected minutes); in total, by round, by
side and by tag.

Pure: the meetings (``figures.meetings``) and the follow-ups log in, counts out; nobody is
named. A follow-up counts for a pair who met with a mutual yes, in each round and group where
they met so, once per pair in each (two people of one side are one pair of that side). It
counts at the stage where it stands now (``followups.fold``): a booking cancelled since is a
proposal, not a booking; a pair who proposed other times is still one pair.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ..core import followups
from ..core.followups import FollowUp
from ..core.model import Entry, EventState, Participant
from . import meter

if TYPE_CHECKING:
    from .figures import Meeting

STAGES = ("meetings", "mutual", "proposed", "booked", "held")


def counts(ms: Sequence[Meeting], of_pair: Mapping[str, FollowUp]) -> dict[str, Any]:
    """The funnel of ``ms``: how many meetings, pairs with a mutual yes, and of those how many
    proposed times, booked one and held it (its call connected), with the held calls' minutes."""
    mutual = {followups.pair_key(m.a, m.b) for m in ms if m.mutual}
    asked = [of_pair[p] for p in mutual if p in of_pair]
    booked = [f for f in asked if f.status == "booked"]
    held = [f for f in booked if f.held]
    return {
        "meetings": len(ms),
        "mutual": len(mutual),
        "proposed": len(asked),
        "booked": len(booked),
        "held": len(held),
        "connected_minutes": meter.minutes(sum(f.connected_ms for f in held)),
    }


def _groups(
    state: EventState,
    ms: Sequence[Meeting],
    of_pair: Mapping[str, FollowUp],
    groups_of: Callable[[Participant], Iterable[str]],
) -> list[dict[str, Any]]:
    """The funnel of each group of people (a side, a tag): of the meetings of its members."""
    group_of = {p.id: set(groups_of(p)) for p in state.participants.values()}
    people: dict[str, int] = {}
    for names in group_of.values():
        for name in names:
            people[name] = people.get(name, 0) + 1
    mine: dict[str, list[Meeting]] = {name: [] for name in people}
    for m in ms:
        for name in group_of[m.a] | group_of[m.b]:
            mine[name].append(m)
    return [
        {"group": name, "participants": people[name], **counts(mine[name], of_pair)}
        for name in sorted(people)
    ]


def funnel(state: EventState, ms: Sequence[Meeting], log: Iterable[Entry]) -> dict[str, Any]:
    """The funnel of the event (``counts``), with ``by_round``, ``by_side`` and ``by_tag``
    (groups as the report's: ``participants`` says how many people a group holds)."""
    of_pair = followups.fold(log)
    return {
        **counts(ms, of_pair),
        "by_round": [
            {"round": r.round, **counts([m for m in ms if m.round == r.round], of_pair)}
            for r in state.history
        ],
        "by_side": _groups(state, ms, of_pair, lambda p: [p.side] if p.side else []),
        "by_tag": _groups(state, ms, of_pair, lambda p: p.tags),
    }
