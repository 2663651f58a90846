"""What the host can do instead: the moves that would work for someone a move refused (a room
of three, another room, the next round), and why the people left alone could not be paired.

Pure: the state, who is online, and the rules of ``rooms`` (the same ones a move obeys)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .. import rooms
from . import matching
from .model import EventState, Room

MAX_CHOICES = 3  # rooms offered instead of a refused move, best first


def _may_meet(a: str, b: str, inp: matching.MatchInput) -> str | None:
    """Why ``a`` and ``b`` may not meet (``repeat``, ``declined``, ``same_side``), or ``None``."""
    if frozenset((a, b)) in inp.met:
        return "repeat"
    if "no" in (inp.wishes.get((a, b)), inp.wishes.get((b, a))):
        return "declined"
    if inp.mode == "bipartite" and inp.sides.get(a) == inp.sides.get(b):
        return "same_side"
    return None


def _choice(
    state: EventState, pid: str, room: Room, inp: matching.MatchInput, here: set[str]
) -> dict[str, Any] | None:
    """Joining ``room``, if ``pid`` may and would meet someone there who is online (``here``):
    ``pair`` (one person there) or ``trio`` (two); ``trio`` with ``same_side`` is a room of
    three the host agrees to with someone of ``pid``'s own side (``move {trio: true}``), as the
    matcher makes when trios are on."""
    others = [m for m in room.members if m != pid]
    if not others or len(others) >= rooms.MAX_ROOM:
        return None
    why = {m: _may_meet(pid, m, inp) for m in others}
    if any(w in ("repeat", "declined") for w in why.values()):
        return None
    same_side = "same_side" in why.values()
    if same_side and len(others) != 2:
        return None
    if not any(w is None and m in here for m, w in why.items()):
        return None  # nobody there to really meet
    names = [state.participants[m].name for m in others]
    return {
        "kind": "pair" if len(others) == 1 else "trio",
        "room": room.id,
        "with": names,
        "same_side": same_side,
    }


def choices(
    state: EventState, pid: str, online: Iterable[str], refused: str | None = None
) -> list[dict[str, Any]]:
    """Where ``pid`` could go instead of room ``refused``: rooms where they may meet someone
    online (``refused``
    itself first when it takes them as a room of three, then someone alone and online, then
    pairs, then rooms of three), and ``next_round`` (wait now, seated first at the next round)
    when they are in a room now."""
    record = state.current()
    if record is None or pid not in state.participants:
        return []
    here = set(online)
    inp = rooms.match_input(state, ())
    source = next((r for r in record.rooms if pid in r.members), None)
    found: list[tuple[tuple[int, int, int, int], dict[str, Any]]] = []
    for room in record.rooms:
        if room is source:
            continue
        choice = _choice(state, pid, room, inp, here)
        if choice is None:
            continue
        alone = sum(m in here for m in room.members) == 1
        # the room asked for first (as a room of three the host agrees to), then who sits alone
        rank = (
            0 if room.id == refused else 1,
            0 if alone else 1,
            0 if choice["kind"] == "pair" else 1,
            int(choice["same_side"]),
        )
        found.append((rank, choice))
    found.sort(key=lambda x: x[0])
    out = [choice for _, choice in found[:MAX_CHOICES]]
    if source is not None:
        out.append({"kind": "next_round", "room": None})
    return out


def why_alone(state: EventState, left: list[str]) -> list[dict[str, Any]]:
    """Why the people still alone after a repair could not be paired with each other: one
    entry per rule that kept some of them apart (``single``, ``same_side`` with the
    ``side``, ``repeat``, ``declined``), with their ``names``; ``nobody`` when nobody is alone."""
    if not left:
        return [{"code": "nobody"}]
    name = {p: state.participants[p].name for p in left}
    if len(left) == 1:
        return [{"code": "single", "name": name[left[0]]}]
    inp = rooms.match_input(state, ())
    kept: dict[str, set[str]] = {}
    for i, a in enumerate(left):
        for b in left[i + 1 :]:
            why = _may_meet(a, b, inp)
            if why is not None:
                kept.setdefault(why, set()).update((a, b))
    out: list[dict[str, Any]] = []
    for code in ("same_side", "repeat", "declined"):
        if code not in kept:
            continue
        people = sorted(kept[code], key=lambda p: name[p])
        entry: dict[str, Any] = {"code": code, "names": [name[p] for p in people]}
        if code == "same_side":
            entry["side"] = state.participants[people[0]].side
        out.append(entry)
    return out
