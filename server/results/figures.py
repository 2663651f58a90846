"""What the event produced: its meetings pair by pair, and the organiser's figures.

Pure: the event's state, its feedback log and the connected-time counters in; numbers out.
A wish to follow up that only one of two people made is counted, never shown: no figure names
who made it (the totals and the count by reason are of the whole event).

Groups of people (``by_side``, and ``by_tag`` by the tags of their profiles) are made by one
function, ``grouped``, given what puts a person in a group.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from itertools import combinations
from typing import Any, get_args

import msgspec

from ..core import logs
from ..core.model import (
    Entry,
    EventState,
    Feedback,
    FollowUpReason,
    Participant,
    Phase,
    RoundRecord,
)
from . import funnel, meter

REASONS: tuple[str, ...] = (*get_args(FollowUpReason), "unspecified")
Counters = Mapping[meter.Key, int]


class Meeting(msgspec.Struct, frozen=True, kw_only=True):
    """Two people who shared a room (a room of three is three meetings), with what each said
    of the other."""

    round: int
    room: str
    reason: str
    a: str
    b: str
    start: int | None
    end: int | None
    connected_ms: int
    a_of_b: Feedback | None  # a's rating of b
    b_of_a: Feedback | None
    took_place: bool = True  # False: one of them never came (``took_place``)

    @property
    def mutual(self) -> bool:
        """Both want to follow up."""
        return logs.mutual(self.a_of_b, self.b_of_a)

    @property
    def one_sided(self) -> Feedback | None:
        """The wish of the one who wants to follow up when the other does not (``None`` when
        neither or both do): counted, never shown."""
        wishes = [f for f in (self.a_of_b, self.b_of_a) if f is not None and f.follow_up]
        return wishes[0] if len(wishes) == 1 else None


def _order(state: EventState, members: Sequence[str]) -> list[str]:
    """A room's members, the first side first in a two-sided event (a commune, then who
    offers a solution), else as seated."""
    sides = state.settings.matching.sides
    if state.settings.matching.mode != "bipartite" or not sides:
        return list(members)
    rank = {side: i for i, side in enumerate(sides)}
    return sorted(members, key=lambda m: rank.get(state.participants[m].side, len(rank)))


def _end_of(state: EventState, record: RoundRecord) -> int | None:
    """When a round stopped: stamped since this version; for an earlier record, the next
    round's start or its planned length."""
    if record.ended_at is not None:
        return record.ended_at
    later = [r.started_at for r in state.history if r.round > record.round]
    if later:
        return min(later)
    current = state.current()
    if current is record and state.clock.phase is Phase.ROUND:
        return None  # still on
    return record.started_at + state.settings.round_seconds * 1000


def took_place(record: RoundRecord, a: str, b: str, connected_ms: int) -> bool:
    """Whether two people of one room met: unless one of them was not there at the round's
    no-show check and no call of theirs was measured (a partner who never came)."""
    return connected_ms > 0 or (a not in record.absent and b not in record.absent)


def meetings(
    state: EventState, feedback: Iterable[Entry], counters: Counters, missed: bool = False
) -> list[Meeting]:
    """Every meeting of the event, round by round, room by room: two people in one room at
    the round's end, unless one of them was not there at the no-show check and no call of
    theirs was measured (a partner who never came: with ``missed``, listed too, as not
    ``took_place``)."""
    rated = logs.ratings(feedback)
    out = []
    for record in state.history:
        end = _end_of(state, record)
        for room in record.rooms:
            start = room.started_at if room.started_at is not None else record.started_at
            span = None if end is None else end - start
            for a, b in combinations(_order(state, room.members), 2):
                connected = meter.pair_ms(counters, room.id, a, b, span)
                happened = took_place(record, a, b, connected)
                if not happened and not missed:
                    continue
                out.append(
                    Meeting(
                        round=record.round,
                        room=room.id,
                        reason=room.reason,
                        a=a,
                        b=b,
                        start=start,
                        end=end,
                        connected_ms=connected,
                        a_of_b=logs.rating_of(rated, a, room.id, b),
                        b_of_a=logs.rating_of(rated, b, room.id, a),
                        took_place=happened,
                    )
                )
    return out


def met_nobody(state: EventState, ms: Iterable[Meeting]) -> list[Participant]:
    """Everyone registered who had no meeting (``meetings``)."""
    met = {x for m in ms if m.took_place for x in (m.a, m.b)}
    return [p for p in state.participants.values() if p.id not in met]


# --- figures -----------------------------------------------------------------------------


def _average(values: Sequence[int]) -> float | None:
    return round(sum(values) / len(values), 2) if values else None


def _ratings(ms: Iterable[Meeting]) -> list[int]:
    return [f.rating for m in ms for f in (m.a_of_b, m.b_of_a) if f is not None]


def _pairs(record: RoundRecord) -> int:
    return sum(len(members) * (len(members) - 1) // 2 for members in record.planned)


def _meeting_counts(ms: Sequence[Meeting]) -> dict[str, Any]:
    rated = _ratings(ms)
    return {
        "met": len(ms),
        "held": sum(m.connected_ms > 0 for m in ms),
        "connected_minutes": meter.minutes(sum(m.connected_ms for m in ms)),
        "ratings": len(rated),
        "rating_average": _average(rated),
        "mutual": sum(m.mutual for m in ms),
    }


def by_round(state: EventState, ms: Sequence[Meeting]) -> list[dict[str, Any]]:
    """Per round: meetings planned (as paired at its start), met (``meetings``), held (the
    call connected), no-shows, connected minutes, ratings, mutual follow-ups."""
    out = []
    for record in state.history:
        mine = [m for m in ms if m.round == record.round]
        planned = _pairs(record) if record.planned else len(mine)
        out.append(
            {
                "round": record.round,
                "start": record.started_at,
                "end": _end_of(state, record),
                "planned": planned,
                **_meeting_counts(mine),
                "no_shows": len(record.absent),
            }
        )
    return out


def grouped(
    state: EventState,
    ms: Sequence[Meeting],
    groups_of: Callable[[Participant], Iterable[str]],
) -> dict[str, Any]:
    """Figures per group of people (a side; a tag): ``groups`` for each, and ``between`` for
    each two groups that met (which sides met which, which tags met which). A meeting of two
    people of one group counts once for it; a person may be in several groups (tags)."""
    member: dict[str, set[str]] = {}
    for p in state.participants.values():
        for g in groups_of(p):
            member.setdefault(g, set()).add(p.id)
    absences: dict[str, int] = {}
    for record in state.history:
        for pid in record.absent:
            absences[pid] = absences.get(pid, 0) + 1
    # every meeting once per group it concerns (one pass over the meetings)
    mine: dict[str, list[Meeting]] = {name: [] for name in member}
    group_of = {p.id: set(groups_of(p)) for p in state.participants.values()}
    for m in ms:
        for name in group_of[m.a] | group_of[m.b]:
            mine[name].append(m)
    groups = []
    for name in sorted(member):
        people = member[name]
        theirs = mine[name]
        given = [
            f.rating
            for m in theirs
            for who, f in ((m.a, m.a_of_b), (m.b, m.b_of_a))
            if f is not None and who in people
        ]
        received = [
            f.rating
            for m in theirs
            for who, f in ((m.b, m.a_of_b), (m.a, m.b_of_a))
            if f is not None and who in people
        ]
        groups.append(
            {
                "group": name,
                "participants": len(people),
                "met_someone": len(people & {x for m in theirs for x in (m.a, m.b)}),
                **_meeting_counts(theirs),
                "no_shows": sum(absences.get(pid, 0) for pid in people),
                "rating_given": _average(given),
                "rating_received": _average(received),
            }
        )
    between: dict[tuple[str, str], list[Meeting]] = {}
    for m in ms:
        for ga in group_of[m.a]:
            for gb in group_of[m.b]:
                between.setdefault((min(ga, gb), max(ga, gb)), []).append(m)
    return {
        "groups": groups,
        "between": [
            {"a": a, "b": b, "met": len(x), "held": sum(m.connected_ms > 0 for m in x),
             "mutual": sum(m.mutual for m in x)}
            for (a, b), x in sorted(between.items())
        ],
    }  # fmt: skip


def by_participant(state: EventState, ms: Sequence[Meeting]) -> list[dict[str, Any]]:
    """Per person: meetings, held, connected minutes, no-shows, the average of the ratings
    they gave and got, their mutual follow-ups (a wish they alone made is not shown)."""
    absences: dict[str, int] = {}
    for record in state.history:
        for pid in record.absent:
            absences[pid] = absences.get(pid, 0) + 1
    of: dict[str, list[Meeting]] = {pid: [] for pid in state.participants}
    for m in ms:
        of[m.a].append(m)
        of[m.b].append(m)
    out = []
    for p in state.participants.values():
        mine = of[p.id]
        given = [f.rating for m in mine if (f := m.a_of_b if m.a == p.id else m.b_of_a)]
        got = [f.rating for m in mine if (f := m.b_of_a if m.a == p.id else m.a_of_b)]
        out.append(
            {
                "id": p.id,
                "name": p.name,
                "organization": p.organization,
                "side": p.side,
                "met": len(mine),
                "held": sum(m.connected_ms > 0 for m in mine),
                "connected_minutes": meter.minutes(sum(m.connected_ms for m in mine)),
                "no_shows": absences.get(p.id, 0),
                "rating_given": _average(given),
                "rating_received": _average(got),
                "mutual": sum(m.mutual for m in mine),
            }
        )
    return out


def follow_ups(ms: Sequence[Meeting]) -> dict[str, Any]:
    """Mutual follow-ups (pairs) and one-sided wishes (counted, nobody named), by reason: a
    mutual pair counts for every reason either of them gave; a follow-up with no reason is
    ``unspecified``."""
    counts = {r: [0, 0] for r in REASONS}  # mutual, one-sided
    mutual = one_sided = 0
    for m in ms:
        if m.mutual:
            mutual += 1
            named: set[str] = {r for f in (m.a_of_b, m.b_of_a) if f is not None for r in f.reasons}
            for r in named or {"unspecified"}:
                counts[r][0] += 1
        elif (wish := m.one_sided) is not None:
            one_sided += 1
            for r in wish.reasons or ("unspecified",):
                counts[r][1] += 1
    by_reason = [{"reason": r, "mutual": n[0], "one_sided": n[1]} for r, n in counts.items()]
    return {"mutual": mutual, "one_sided": one_sided, "by_reason": by_reason}


def report(
    state: EventState,
    feedback: Iterable[Entry],
    counters: Counters,
    followups: Iterable[Entry] = (),
) -> dict[str, Any]:
    """The organiser's report: totals, by round, by side, by tag, by participant, follow-ups,
    and the funnel from meetings to follow-ups held (``funnel``, of the ``followups`` log)."""
    ms = meetings(state, feedback, counters)
    rated = _ratings(ms)
    rounds = by_round(state, ms)
    nobody = met_nobody(state, ms)
    sides = grouped(state, ms, lambda p: [p.side] if p.side else [])
    tags = grouped(state, ms, lambda p: p.tags)
    return {
        "event": {
            "id": state.id,
            "title": state.settings.title,
            "mode": state.settings.matching.mode,
            "sides": list(state.settings.matching.sides),
            "rounds": state.settings.rounds,
            "rounds_played": len(state.history),
            "phase": state.clock.phase.value,
        },
        "totals": {
            "participants": len(state.participants),
            "met_someone": len(state.participants) - len(nobody),
            "met_nobody": len(nobody),
            "planned": sum(r["planned"] for r in rounds),
            **_meeting_counts(ms),
            "no_shows": sum(len(r.absent) for r in state.history),
            "rating_distribution": [
                {"rating": n, "count": sum(r == n for r in rated)} for n in range(1, 6)
            ],
        },
        "follow_ups": follow_ups(ms),
        "funnel": funnel.funnel(state, ms, followups),
        "by_round": rounds,
        "by_side": sides["groups"],
        "sides_met": sides["between"],
        "by_participant": by_participant(state, ms),
        "by_tag": tags["groups"],
        "tags_met": tags["between"],
    }
