"""Small builders of event states for the core's table tests."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import msgspec

from server.core.model import (
    Clock,
    EventState,
    Matching,
    MatchingMode,
    OddPolicy,
    Participant,
    Phase,
    Room,
    RoundRecord,
    Settings,
    Wish,
    WishLevel,
    wish_key,
)
from server.people.links import token_hash

T0 = 1_700_000_000_000
ROUND_S = 300
BREAK_S = 60


def side_of(pid: str) -> str:
    """``c…`` people are communes, ``s…`` people offer solutions."""
    return "commune" if pid.startswith("c") else "solution"


def event(
    pids: Iterable[str],
    *,
    mode: MatchingMode = "bipartite",
    odd: OddPolicy = "trio",
    rounds: int = 3,
    break_seconds: int = BREAK_S,
    wishes: Iterable[tuple[str, str, WishLevel]] = (),
    stopped: Iterable[str] = (),
) -> EventState:
    """An event in the lobby with these participants (side from the id's first letter)."""
    out = set(stopped)
    people = {
        pid: Participant(
            id=pid,
            name=f"Name {pid}",
            token_hash=token_hash(f"tok-{pid}"),
            organization=f"Org {pid}",
            side=side_of(pid),
            email=f"{pid}@example.org",
            stopped=pid in out,
        )
        for pid in pids
    }
    sides = ("commune", "solution") if mode == "bipartite" else ()
    return EventState(
        id="ev1",
        settings=Settings(
            title="Core test",
            round_seconds=ROUND_S,
            break_seconds=break_seconds,
            rounds=rounds,
            matching=Matching(mode=mode, sides=sides, odd=odd),
        ),
        host_token_hash=token_hash("tok-host"),
        moderator_token_hash=token_hash("tok-mod"),
        created_at=T0,
        clock=Clock(rounds=rounds),
        participants=people,
        wishes={wish_key(a, b): Wish(source=a, target=b, level=level) for a, b, level in wishes},
    )


def record(number: int, rooms: Sequence[Sequence[str]], waiting: Sequence[str] = ()) -> RoundRecord:
    """A played round with rooms ``r<number>-<n>``."""
    return RoundRecord(
        round=number,
        started_at=T0,
        rooms=tuple(
            Room(id=f"r{number}-{i}", round=number, members=tuple(members))
            for i, members in enumerate(rooms, start=1)
        ),
        waiting=tuple(waiting),
    )


def in_round(
    state: EventState,
    rooms: Sequence[Sequence[str]],
    *,
    waiting: Sequence[str] = (),
    earlier: Sequence[Sequence[Sequence[str]]] = (),
) -> EventState:
    """``state`` during round ``len(earlier) + 1`` with these rooms, after ``earlier`` rounds."""
    number = len(earlier) + 1
    history = (
        *(record(i, r) for i, r in enumerate(earlier, start=1)),
        record(number, rooms, waiting),
    )
    clock = msgspec.structs.replace(
        state.clock,
        phase=Phase.ROUND,
        round=number,
        ends_at=T0 + ROUND_S * 1000,
        opened=True,
        started_at=T0,
    )
    return msgspec.structs.replace(state, clock=clock, history=history)


def checked(state: EventState) -> EventState:
    """``state`` (in a round) after its no-show check: its meetings are certain."""
    current = state.current()
    assert current is not None
    done = msgspec.structs.replace(current, no_shows_checked=True)
    return msgspec.structs.replace(state, history=(*state.history[:-1], done))


def in_break(state: EventState) -> EventState:
    """``state`` (in a round) moved to the break after it."""
    clock = msgspec.structs.replace(state.clock, phase=Phase.BREAK, ends_at=T0 + 10_000)
    return msgspec.structs.replace(state, clock=clock)


def members(state: EventState) -> dict[str, tuple[str, ...]]:
    """The current round's rooms: id → members."""
    current = state.current()
    assert current is not None
    return {room.id: room.members for room in current.rooms}
