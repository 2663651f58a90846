"""How long each call was really connected, counted from the link reports the pages send.

A page reports its room's connections every few seconds (``stats``). Between two reports of
the same room, each connection that was up in both counts the time between them (at most
``CAP_MS``: a page that fell silent is not believed for longer). Nothing is loaded to do so:
the previous report of each socket is kept by the process that holds it, and the store adds
the credits to a counter per room, reporter and peer (``Store.add_connected``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import msgspec

UP = frozenset({"connected", "completed"})
CAP_MS = 15_000  # reports come every 5 s; a silence longer than this counts as this
ROOM = ""  # the peer of a report that says nothing per peer (a page of an earlier version)

Key = tuple[str, str, str]  # (room, reporter, peer)


class Reading(msgspec.Struct, frozen=True):
    """One report of one socket: its room, when it came, and whose connection was up."""

    room: str
    at: int
    up: frozenset[str]


def reading(
    room: str | None, ice: str, peers: Iterable[tuple[str, str]], at: int
) -> Reading | None:
    """A report as the meter counts it (``None`` outside a room). ``peers``: ``(id, ice)`` of
    each connection; without them, the room's ``ice`` stands for its one call (``ROOM``)."""
    if not room:
        return None
    given = list(peers)
    if not given:
        return Reading(room=room, at=at, up=frozenset({ROOM}) if ice in UP else frozenset())
    return Reading(room=room, at=at, up=frozenset(p for p, state in given if state in UP))


def credit(
    previous: Reading | None, current: Reading | None, reporter: str, cap_ms: int = CAP_MS
) -> dict[Key, int]:
    """The milliseconds to add for ``reporter``: the time since their previous report of the
    same room, for each connection up in both reports."""
    if previous is None or current is None or previous.room != current.room:
        return {}
    elapsed = min(max(current.at - previous.at, 0), cap_ms)
    if elapsed == 0:
        return {}
    return {(current.room, reporter, peer): elapsed for peer in previous.up & current.up}


def met(counters: Mapping[Key, int], rooms: Iterable[str]) -> frozenset[str]:
    """Who had a call connected in one of ``rooms``: both sides of every counter of theirs
    that counted some time (a partner who left after a while was there)."""
    wanted = set(rooms)
    out: set[str] = set()
    for (room, reporter, peer), ms in counters.items():
        if ms > 0 and room in wanted:
            out.add(reporter)
            if peer != ROOM:
                out.add(peer)
    return frozenset(out)


def pair_ms(counters: Mapping[Key, int], room: str, a: str, b: str, cap_ms: int | None) -> int:
    """How long the call of ``a`` and ``b`` in ``room`` was connected: the longer of what each
    side saw (a page may have stopped reporting), at most ``cap_ms`` (the meeting's length)."""

    def seen(who: str, other: str) -> int:
        return counters.get((room, who, other), 0) or counters.get((room, who, ROOM), 0)

    ms = max(seen(a, b), seen(b, a))
    return ms if cap_ms is None else min(ms, max(cap_ms, 0))


def minutes(ms: int) -> float:
    """Connected time as the report gives it: minutes with one decimal."""
    return round(ms / 60_000, 1)
