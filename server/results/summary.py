"""A participant's summary: everyone they met, in order, with their own rating of each and, when
both want to follow up, the other's e-mail and reasons (the ``summary`` event, the summary page,
the summary e-mail). Pure: the record, the feedback log and the call counters in."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..core import logs
from ..core.model import Entry, EventState, Phase, Room, RoundRecord
from ..core.outcome import Message, to_participant
from ..core.payloads import peer_payload, person_payload
from . import figures, meter


def summary_payload(
    state: EventState, rated: logs.Rated, pid: str, counters: figures.Counters | None = None
) -> dict[str, Any]:
    """The ``summary`` event of one person: every meeting with ratings and mutual follow-ups.

    ``rated`` is the event's ratings by ``(participant, room, peer)`` (``logs.ratings``);
    ``counters`` its connected-call time (``Store.connected``): a partner who never came is no
    meeting (``figures.took_place``).
    """
    met = [(r, room) for r in state.history for room in r.rooms if pid in room.members]
    return _summary(state, pid, met, rated, counters or {})


def to_rate(
    state: EventState, rated: logs.Rated, pid: str, counters: figures.Counters | None = None
) -> list[dict[str, Any]]:
    """The meetings ``pid`` has not rated yet, most recent first, each with the people of it
    still to rate (the ``to_rate`` ack). A meeting of the round being played is left out (it
    is not certain until the round's no-show check, and its break asks for it), and so is a
    partner who never came, as in the summary."""
    playing = state.clock.round if state.clock.phase is Phase.ROUND else None
    met = [
        (r, room)
        for r in state.history
        if r.round != playing
        for room in r.rooms
        if pid in room.members
    ]
    out = []
    for m in reversed(_summary(state, pid, met, rated, counters or {})["meetings"]):
        peers = [
            person_payload(state.participants[p["id"]]) for p in m["peers"] if p["rating"] is None
        ]
        if peers:
            out.append({"round": m["round"], "room": m["room"], "peers": peers})
    return out


def summaries(
    state: EventState, entries: Iterable[Entry], counters: figures.Counters | None = None
) -> list[Message]:
    """Everyone's ``summary`` (sent when the event ends), from the event's feedback log.

    One pass over the rooms and one over the ratings, whatever the size of the event.
    """
    every = summaries_of(state, entries, counters, list(state.participants))
    return [Message(to_participant(pid), "summary", every[pid]) for pid in state.participants]


def summaries_of(
    state: EventState,
    entries: Iterable[Entry],
    counters: figures.Counters | None,
    pids: Iterable[str],
) -> dict[str, dict[str, Any]]:
    """The summaries of ``pids`` (``summary_payload`` each), in one pass over the rooms and one
    over the ratings."""
    rated = logs.ratings(entries)
    met: dict[str, list[tuple[RoundRecord, Room]]] = {}
    for record in state.history:
        for room in record.rooms:
            for m in room.members:
                met.setdefault(m, []).append((record, room))
    return {pid: _summary(state, pid, met.get(pid, []), rated, counters or {}) for pid in pids}


def _summary(
    state: EventState,
    pid: str,
    met: Iterable[tuple[RoundRecord, Room]],
    rated: logs.Rated,
    counters: figures.Counters,
) -> dict[str, Any]:
    """Every meeting of ``pid``: each peer with ``pid``'s rating of them and whether both want
    to follow up (per pair: in a room of three, each pair decides on its own)."""
    meetings = []
    for record, room in met:
        number = record.round
        peers = []
        for other in room.members:
            if other == pid:
                continue
            connected = meter.pair_ms(counters, room.id, pid, other, None)
            if not figures.took_place(record, pid, other, connected):
                continue
            mine = logs.rating_of(rated, pid, room.id, other)
            theirs = logs.rating_of(rated, other, room.id, pid)
            peer = peer_payload(state.participants[other])
            mutual = logs.mutual(mine, theirs)
            peer["mutual_follow_up"] = mutual
            if mutual:
                # their side of it only when both want to follow up: a wish of one person
                # alone reveals nothing to the other
                assert theirs is not None
                peer["email"] = state.participants[other].email
                peer["their_reasons"] = list(theirs.reasons)
            peer["rating"] = mine.rating if mine else None
            peer["follow_up"] = bool(mine and mine.follow_up)
            peer["reasons"] = list(mine.reasons) if mine else []
            peer["note"] = mine.note if mine else ""
            peers.append(peer)
        if not peers:
            continue  # nobody came
        # kept for rooms of two: the meeting's rating is the one of its only peer
        only = peers[0] if len(peers) == 1 else None
        meetings.append(
            {
                "round": number,
                "room": room.id,
                "peers": peers,
                "rating": only["rating"] if only else None,
                "follow_up": only["follow_up"] if only else any(p["follow_up"] for p in peers),
            }
        )
    return {"meetings": meetings, "seq": state.version}
