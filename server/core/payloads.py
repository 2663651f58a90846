"""What the pages are sent of an event: its clock, each person's room and peers, the next-round
card, staff labels and the notices the server words (the page renders them in its language)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from . import clock as clk
from . import matching
from .model import EventState, Participant, Phase, Room, Staff, wish_key
from .relevance.event import why_payload

NOTICE_MS = 120_000  # how long a notice someone wrote stays on screen

STATUS_MS = 20_000  # how long a status note (a kind, no text) stays on screen

WISHED = ("mutual_wish", "wish")


def clock_payload(state: EventState, now: int) -> dict[str, Any]:
    """The ``clock`` event: phase, round and deadline, with the state's sequence number."""
    c = state.clock
    return {
        "phase": c.phase.value,
        "round": c.round,
        "rounds": c.rounds,
        "ends_at": c.ends_at,
        "remaining_ms": clk.remaining(c, now),
        "paused": c.paused,
        "opened": c.opened,
        "seq": state.version,
        "server_ms": now,
    }


def person_payload(p: Participant) -> dict[str, Any]:
    """A participant as others may see them."""
    return {"id": p.id, "name": p.name, "organization": p.organization, "side": p.side}


def peer_payload(p: Participant) -> dict[str, Any]:
    """A person one meets (a room, the next-round card, the summary, the directory): who they
    are and their profile (``photo``: the photo's digest, to ask for it by; ``None`` without)."""
    return {
        "id": p.id,
        "name": p.name,
        "organization": p.organization,
        "side": p.side,
        "pitch": p.pitch,
        "tags": list(p.tags),
        "label": p.label,
        "website": p.website,
        "photo": p.photo or None,
    }


def staff_payload(staff: Staff | None) -> dict[str, Any] | None:
    """A host or moderator page as others see it (pages render "Moderator 2", or the name)."""
    if staff is None:
        return None
    return {"id": staff.id, "role": staff.role, "number": staff.number, "name": staff.name}


def assignment_payload(
    state: EventState,
    pid: str,
    clock: dict[str, Any],
    rooms_by_person: Mapping[str, Room] | None = None,
) -> dict[str, Any]:
    """Where ``pid`` is this round: their room and peers (``room`` is ``None`` while waiting),
    with the ``clock`` as of this assignment.

    Give ``rooms_by_person`` (``state.rooms_by_person()``) when building many of them. The
    signaling roles and ICE servers are added on delivery (``server.signaling``). ``wait``
    says why someone in no room during a round waits, and whether a round follows.
    """
    room = state.room_of(pid) if rooms_by_person is None else rooms_by_person.get(pid)
    person = state.participants[pid]
    base: dict[str, Any] = {
        "round": state.clock.round,
        "seq": state.version,
        "clock": clock,
        "stopped": person.stopped,
        "ice_transport_policy": state.settings.ice_transport_policy,
    }
    if room is None:
        return {**base, "room": None, "peers": [], "reason": None, "wait": wait_payload(state, pid)}
    reason, peers = _met(state, pid, room.members, room.reason)
    record = state.current()
    visitors = record.visitors(room.id) if record is not None else []
    return {
        **base,
        "room": room.id,
        "peers": peers,
        "reason": reason,
        "wait": None,
        "moderators": [staff_payload(v) for v in visitors],
    }


def wait_payload(state: EventState, pid: str) -> dict[str, Any] | None:
    """Why ``pid``, in no room, waits during a round (``None`` outside rounds), as a code the
    page renders: ``late`` (came after the round was paired), ``sit_out`` (not everyone could
    be paired), ``stopped`` (asked not to be paired); ``next_round`` is ``None`` in the last."""
    record = state.current()
    if state.clock.phase is not Phase.ROUND or record is None:
        return None
    if state.participants[pid].stopped:
        code = "stopped"
    elif pid in record.late or pid not in record.waiting:
        code = "late"
    else:
        code = "sit_out"
    c = state.clock
    return {"code": code, "next_round": c.round + 1 if c.round < c.rounds else None}


def _met(
    state: EventState, pid: str, members: Iterable[str], reason: str
) -> tuple[str, list[dict[str, Any]]]:
    """``pid``'s peers in a room (each with the reason of that pair) and ``pid``'s own reason.

    In a room of two both are the room's. In a room of three made for a wish, each pair has
    its own: the third person was not wished for.
    """
    others = [m for m in members if m != pid]
    if len(others) < 2 or reason not in WISHED:
        return reason, [_peer(state, pid, m, reason) for m in others]
    peers = []
    for m in others:
        ab = state.wishes.get(wish_key(pid, m))
        ba = state.wishes.get(wish_key(m, pid))
        wishes = {(w.source, w.target): w.level for w in (ab, ba) if w is not None}
        peers.append(_peer(state, pid, m, matching.reason(pid, m, wishes)))
    mine = next((r for r in WISHED if any(p["reason"] == r for p in peers)), "fill")
    return mine, peers


def _peer(state: EventState, pid: str, other: str, reason: str) -> dict[str, Any]:
    """A peer of ``pid`` with the reason of their pair and, when no wish made it and their
    profiles say something, ``why`` in ``pid``'s words (``relevance.event.why_payload``)."""
    out = {**peer_payload(state.participants[other]), "reason": reason}
    if reason not in WISHED and (why := why_payload(state, pid, other)) is not None:
        out["why"] = why
    return out


def preview_payloads(state: EventState, plan: matching.RoundPlan) -> dict[str, dict[str, Any]]:
    """The ``next`` event of everyone in ``plan``: whom they will probably meet next round."""
    upcoming = state.clock.round + 1
    policy = state.settings.ice_transport_policy  # a call prepared before the round uses it
    out: dict[str, dict[str, Any]] = {
        pid: {"round": upcoming, "peers": [], "reason": None} for pid in plan.waiting
    }
    for room in plan.rooms:
        for pid in room.members:
            reason, peers = _met(state, pid, room.members, room.reason)
            out[pid] = {
                "round": upcoming,
                "peers": peers,
                "reason": reason,
                "ice_transport_policy": policy,
            }
    return out


def status_notice(
    kind: str, now: int, sender: str, params: dict[str, Any] | None = None
) -> dict[str, Any]:
    """A ``notice`` the server words: a ``kind`` and its ``params``, which the page renders in
    its language, shown until ``expires_at``."""
    data: dict[str, Any] = {"text": "", "at": now, "from": sender, "kind": kind}
    if params is not None:
        data["params"] = params
    data["expires_at"] = now + STATUS_MS
    return data
