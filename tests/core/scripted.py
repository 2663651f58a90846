"""A scripted event with known answers: two rounds, a room of three, a no-show, follow-ups.

People: communes c1 c2 c3, solutions s1 s2 s3 s4 (s4 registered, never comes).

Round 1 (T0 to T0+300 s): r1-1 c1+s1, r1-2 c2+s2+s3 (a room of three), r1-3 c3+s4 (s4 absent
at the no-show check: no meeting). Round 2 (T0+360 s to T0+660 s): r2-1 c1+s2, r2-2 c2+s1,
r2-3 c3+s3; s4 waits. Then the event ends.

Connected time (what each side's page reported): c1-s1 250 s, c2-s2 120 s, c2-s3 60 s (the
longer side), s2-s3 none, c1-s2 300 s (400 s reported: more than the round), c2-s1 90 s (a page
of an earlier version, one figure for its room), c3-s3 none.

Ratings (rater → rated: rating, follow-up reasons): c1→s1 5 (experiment, purchase), s1→c1 4
(demonstration): mutual; c2→s2 3 (documentation), s2→c2 2: one-sided; c2→s3 4, s3→c2 5 (no
reason): one-sided; s2→s3 1; c1→s2 4 (conversation), s2→c1 4 (conversation, purchase): mutual;
c2→s1 2.
"""

from __future__ import annotations

from server.core import feedback, rounds
from server.core.clock import ClockCommand
from server.core.matching import PlannedRoom, RoundPlan
from server.core.model import Entry, EventState, Participant
from tests.core.states import T0, event

PEOPLE = ["c1", "c2", "c3", "s1", "s2", "s3", "s4"]
HERE = frozenset(PEOPLE) - {"s4"}
NAMES = {"c1": "Claire Martin", "c2": "Hugo Bernard", "c3": "Zoë Dupré", "s1": "Léa Garnier",
         "s2": "Thomas Petit", "s3": "Åsa Öberg", "s4": "Noé Absent"}  # fmt: skip
ROUND_1 = [("c1", "s1"), ("c2", "s2", "s3"), ("c3", "s4")]
ROUND_2 = [("c1", "s2"), ("c2", "s1"), ("c3", "s3")]
COUNTERS = {
    ("r1-1", "c1", "s1"): 240_000,
    ("r1-1", "s1", "c1"): 250_000,
    ("r1-2", "c2", "s2"): 120_000,
    ("r1-2", "s3", "c2"): 60_000,
    ("r1-2", "c2", "s3"): 30_000,
    ("r2-1", "c1", "s2"): 400_000,
    ("r2-2", "c2", ""): 90_000,
}
RATINGS: list[tuple[str, str, str, int, bool, tuple[str, ...]]] = [
    ("c1", "r1-1", "s1", 5, True, ("experiment", "purchase")),
    ("s1", "r1-1", "c1", 4, True, ("demonstration",)),
    ("c2", "r1-2", "s2", 3, True, ("documentation",)),
    ("s2", "r1-2", "c2", 2, False, ()),
    ("c2", "r1-2", "s3", 4, False, ()),
    ("s3", "r1-2", "c2", 5, True, ()),
    ("s2", "r1-2", "s3", 1, False, ()),
    ("c1", "r2-1", "s2", 4, True, ("conversation",)),
    ("s2", "r2-1", "c1", 4, True, ("conversation", "purchase")),
    ("c2", "r2-2", "s1", 2, False, ()),
]


def _plan(rooms: list[tuple[str, ...]], waiting: tuple[str, ...] = ()) -> RoundPlan:
    return RoundPlan(
        rooms=tuple(PlannedRoom(members=r, reason="fill") for r in rooms), waiting=waiting
    )


def _named(state: EventState) -> EventState:
    import msgspec

    people = {
        pid: msgspec.structs.replace(p, name=NAMES[pid]) for pid, p in state.participants.items()
    }
    return msgspec.structs.replace(state, participants=people)


def scripted() -> tuple[EventState, list[Entry], dict[tuple[str, str, str], int]]:
    """The event as played, its feedback log and its connected-call counters."""
    state = _named(event(PEOPLE, rounds=2))
    C = ClockCommand
    state = rounds.move_clock(state, C.OPEN, T0 - 60_000, HERE, "host").state
    state = rounds.move_clock(state, C.START, T0, HERE, "host", plan=_plan(ROUND_1)).state
    state = rounds.check_no_shows(state, HERE, T0 + 45_000).state
    state = rounds.move_clock(state, C.END_ROUND, T0 + 300_000, HERE, "host").state
    plan = _plan(ROUND_2, waiting=("s4",))
    state = rounds.move_clock(state, C.NEXT, T0 + 360_000, HERE, "host", plan=plan).state
    state = rounds.check_no_shows(state, HERE, T0 + 405_000).state
    entries: list[Entry] = []
    for who, room, peer, rating, follow, reasons in RATINGS:
        out = feedback.give_feedback(
            state,
            who,
            room,
            rating,
            follow,
            f"note {who}>{peer}",
            T0 + 500_000,
            peer,
            reasons,  # type: ignore[arg-type]
        )
        entries += out.entries
    state = rounds.move_clock(state, C.END, T0 + 660_000, HERE, "host").state
    return state, entries, COUNTERS


def person(state: EventState, pid: str) -> Participant:
    return state.participants[pid]
