"""Signaling between the members of a room: who may signal whom, the relay, the polite roles,
the ICE servers and the ICE transport policy.

Media flows peer to peer; the server only relays SDP descriptions and ICE candidates, and only
between members of the same room of the round being played, and between a moderator who joined
a room's call and that room's members (a browser mesh: the moderator's page calls each member).
In the lobby and in a break, a signal marked with the next round (``next``) goes to a person of
the sender's next-round card, so that pages prepare that call before the round (no media yet).
The room index that decides it is built once per version of the event's rooms and dropped when
a change notice says they moved, so relaying a candidate reads nothing from the store. Signals
go through python-socketio's manager, so they reach a peer connected to another process.

While an event is relay-only (its ``ice_transport_policy``, or the server's), every payload with
ICE servers says ``ice_transport_policy: "relay"`` and the relay passes on no candidate but the
TURN server's (core/candidates.py): a page of an older version cannot hand out an address either.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from typing import Any

import msgspec
import socketio

from .core import candidates
from .core.model import EventState, IcePolicy, Phase
from .errors import ProtocolError, UserError
from .limits import Rate
from .live.targets import MODERATOR_NS, PARTICIPANT_NS, person_room, staff_room
from .live.turn import IceServers, ice_policy
from .metrics import Metrics
from .settings import Settings
from .store import Note, Store

log = logging.getLogger(__name__)

MAX_SIGNAL_BYTES = 64 * 1024
CROSSING = 16  # emits through the manager at once (each borrows a Redis connection)


def roles(pid: str, peers: Sequence[str]) -> dict[str, bool]:
    """Whether ``pid`` is the polite side toward each peer (perfect negotiation).

    Of any two people exactly one is polite: the one with the greater id. The impolite one
    makes the first offer; the polite one rolls back when both offer at once.
    """
    return {other: pid > other for other in peers}


# A moderator who joins a call is the impolite side toward every member: their page makes the
# offers, and the members' pages (polite) answer, or say hello when they come back.
MEMBER_POLITE_TO_STAFF = True


class RoomIndex(msgspec.Struct, frozen=True):
    """Who may signal whom in one event right now, while a round runs: each member's peers (the
    others of the room, and the moderators in its call), and each such moderator's peers (the
    room's members). ``staff``: the ids that are moderator pages, not participants."""

    version: int
    running: bool
    peers: dict[str, frozenset[str]]
    staff: frozenset[str] = frozenset()
    rooms: dict[str, str] = msgspec.field(default_factory=dict)  # who -> the room of their call
    relay_only: bool = False  # pass on relay candidates only
    round: int = 0  # the clock's round
    upcoming: int | None = None  # in the lobby or a break: the round that follows

    @classmethod
    def of(cls, state: EventState, policy: IcePolicy = "all") -> RoomIndex:
        """The index of the current round's rooms (``policy``: the server's, which an event may
        only make stricter)."""
        record = state.current()
        relay_only = ice_policy(policy, state.settings.ice_transport_policy) == "relay"
        c = state.clock
        if c.phase is not Phase.ROUND or record is None:
            before = c.phase in (Phase.LOBBY, Phase.BREAK) and c.round < c.rounds
            return cls(
                state.version,
                False,
                {},
                relay_only=relay_only,
                round=c.round,
                upcoming=c.round + 1 if before else None,
            )
        visitors: dict[str, set[str]] = {}
        for visit in record.visits:
            visitors.setdefault(visit.room, set()).add(visit.staff.id)
        peers: dict[str, frozenset[str]] = {}
        rooms: dict[str, str] = {}
        for room in record.rooms:
            staff = visitors.get(room.id, set())
            for pid in room.members:
                peers[pid] = frozenset(m for m in room.members if m != pid) | staff
                rooms[pid] = room.id
            for sid in staff:
                peers[sid] = frozenset(room.members)
                rooms[sid] = room.id
        staff_ids = frozenset(s for ids in visitors.values() for s in ids if s in peers)
        return cls(state.version, True, peers, staff_ids, rooms, relay_only, round=c.round)


class Signaling:
    """The relay, its room index per event, and what every ``assignment`` carries for calls."""

    def __init__(
        self,
        store: Store,
        sio: socketio.AsyncServer,
        settings: Settings,
        metrics: Metrics,
        ice: IceServers | None = None,
    ) -> None:
        self._store = store
        self._sio = sio
        self._metrics = metrics
        self._ice = ice or IceServers.of(settings, lambda: time.time_ns() // 1_000_000)
        self._policy: IcePolicy = settings.ice_transport_policy
        self._index: dict[str, RoomIndex] = {}
        self._crossing = asyncio.Semaphore(CROSSING)
        # what one person (every tab of theirs) may send through the server to their call: a
        # burst past it is refused to its sender, never queued for the receiver until it is
        # closed as a slow reader
        self._bytes = Rate(settings.rate_signal_bytes_per_second, settings.rate_signal_bytes_burst)

    def ice_servers(self, pid: str, cover_ms: int = 0) -> list[dict[str, Any]]:
        """The STUN/TURN servers handed to ``pid``'s browser (every assignment carries them, so
        that short-lived TURN credentials are fresh), valid at least ``cover_ms`` from now."""
        return self._ice.wire(pid, cover_ms)

    def policy(self, event_policy: str | None) -> IcePolicy:
        """The ICE transport policy of an event's calls: ``relay`` when the event or the
        server says so, else ``all``."""
        return ice_policy(self._policy, event_policy)

    def complete(self, assignment: dict[str, Any], pid: str) -> dict[str, Any]:
        """An ``assignment`` as sent to ``pid``: with the polite roles, the ICE servers and the
        ICE transport policy (the core's payload carries the event's)."""
        peers = assignment.get("peers") or []
        polite = roles(pid, [p["id"] for p in peers])
        moderators = assignment.get("moderators") or []
        return {
            **assignment,
            "peers": [{**p, "polite": polite[p["id"]]} for p in peers],
            # toward the room's first caller; with one peer, simply toward that peer
            "polite": bool(peers) and any(polite.values()),
            "moderators": [self.visitor(m) for m in moderators],
            # valid to the end of the round at least: a long round must not outlive them
            "ice_servers": self.ice_servers(pid, _rest_of_round(assignment)),
            "ice_transport_policy": self.policy(assignment.get("ice_transport_policy")),
        }

    def ahead(self, preview: dict[str, Any], pid: str) -> dict[str, Any]:
        """A ``next`` card as sent to ``pid``: each peer with the polite role the round's
        assignment will give, and ICE servers, so that the page can prepare the call."""
        peers = preview.get("peers") or []
        polite = roles(pid, [p["id"] for p in peers])
        return {
            **preview,
            "peers": [{**p, "polite": polite[p["id"]]} for p in peers],
            "ice_servers": self.ice_servers(pid),
            "ice_transport_policy": self.policy(preview.get("ice_transport_policy")),
        }

    def visitor(self, staff: dict[str, Any]) -> dict[str, Any]:
        """A moderator in a member's call (or the ``moderator`` event), with the member's role."""
        return {**staff, "polite": MEMBER_POLITE_TO_STAFF}

    def staff_call(
        self,
        peers: list[dict[str, Any]],
        staff_id: str,
        event_policy: str = "all",
        cover_ms: int = 0,
    ) -> dict[str, Any]:
        """What a moderator's page needs to call the members of the room it joined (TURN
        credentials valid at least ``cover_ms``: the rest of the round)."""
        return {
            "peers": [{**p, "polite": not MEMBER_POLITE_TO_STAFF} for p in peers],
            "ice_servers": self.ice_servers(staff_id, cover_ms),
            "ice_transport_policy": self.policy(event_policy),
        }

    async def _fresh(self, event_id: str) -> RoomIndex:
        state = await self._store.load(event_id)
        if state is None:
            return RoomIndex(-1, False, {})
        index = RoomIndex.of(state, self._policy)
        self._index[event_id] = index
        return index

    async def scope(self, event_id: str, known: Callable[[RoomIndex], bool]) -> RoomIndex:
        """The event's room index: the one kept, if ``known`` holds of it, else read afresh (the
        sender may have seen a round, or a call, this process has not heard of yet)."""
        index = self._index.get(event_id)
        if index is None or not known(index):
            index = await self._fresh(event_id)
        return index

    async def peers(self, event_id: str, pid: str) -> frozenset[str]:
        """``pid``'s peers this round (from the room index, read again when it lacks them)."""
        index = await self.scope(event_id, lambda i: pid in i.peers)
        return index.peers.get(pid, frozenset())

    async def reporting(
        self, event_id: str, pid: str, room: str | None, peers: Sequence[str]
    ) -> None:
        """Refuse a link report (``stats``) about anything but ``pid``'s own room this round and
        the members of it: a made-up room or peer would be written (a counter row each). From
        the room index, read again only when it does not show the report's room and peers."""
        if room is None and not peers:
            return  # no call to report on: the page's own devices only
        index = await self.scope(event_id, lambda i: _reports_on(i, pid, room, peers))
        if pid in index.staff:
            raise UserError("not_in_room", "You are not in a room's call this round.")
        in_room(index, pid, room, "No round is running: there is no call to report on.")
        for peer in peers:
            if not _member(index, pid, peer):
                raise UserError(
                    "not_your_peer", f"{peer!r} is not in your room's call this round.", peer=peer
                )

    async def relay(
        self, event_id: str, pid: str, to: str, data: dict[str, Any], ahead: int | None = None
    ) -> None:
        """Pass ``data`` from ``pid`` to ``to``, if ``to`` is in ``pid``'s room this round (or in
        the call ``pid`` joined, for a moderator page: ``pid`` is then its staff id).

        ``ahead``: a call prepared for that round (``signal {next}``): in the lobby or the break
        before it, to a person of ``pid``'s next-round card; once it runs, as any signal."""
        if ahead is None:
            index = await self.scope(event_id, lambda i: to in i.peers.get(pid, ()))
        else:
            index = await self.scope(event_id, lambda i: _stage_of(i, ahead))
        if ahead is not None and not (index.running and index.round == ahead):
            await self._prepares(event_id, index, pid, to, ahead)
        elif not index.running:
            raise UserError("no_round", "No round is running: there is nobody to call.")
        else:
            peers = index.peers.get(pid)
            if peers is None:
                raise UserError("not_in_room", "You are not in a room's call this round.")
            if to not in peers:
                raise UserError("not_your_peer", f"{to!r} is not in your room's call this round.")
        size = len(msgspec.json.encode(data))
        if size > MAX_SIGNAL_BYTES:
            raise ProtocolError("too_big", f"Signal data is limited to {MAX_SIGNAL_BYTES} bytes.")
        self._bytes.check((event_id, pid), "signal bytes", size)
        if index.relay_only:
            passed, dropped = candidates.relayed_only(data)
            if dropped:
                self._metrics.candidates_dropped.inc(sum(dropped.values()))
                log.info(
                    "relay-only event %s: %s from %s to %s taken out of a signal%s",
                    event_id,
                    ", ".join(f"{n} {kind}" for kind, n in sorted(dropped.items())),
                    pid,
                    to,
                    "" if passed else " (not passed on)",
                )
            if passed is None:
                return
            data = passed
        message: dict[str, Any] = {"from": pid, "data": data}
        if ahead is not None:
            message["next"] = ahead
        if to in index.staff:
            await self.cross_staff(event_id, to, "signal", message)
        else:
            await self.cross(event_id, to, "signal", message)
        self._metrics.signals.inc()

    async def _prepares(
        self, event_id: str, index: RoomIndex, pid: str, to: str, ahead: int
    ) -> None:
        """Refuse a signal for round ``ahead`` unless it is the next round (lobby or break) and
        ``to`` is on ``pid``'s card for it (one small read: the sender's stored card)."""
        if index.upcoming != ahead:
            raise UserError(
                "not_next_round",
                f"Round {ahead} is not the next round: a call is prepared only in the break "
                "before it.",
                round=ahead,
            )
        card = await self._store.preview(event_id, pid)
        peers = card.get("peers") if card is not None and card.get("round") == ahead else None
        if not isinstance(peers, list) or not any(
            isinstance(p, dict) and p.get("id") == to for p in peers
        ):
            raise UserError(
                "not_your_next",
                f"{to!r} is not among the people you meet in round {ahead}.",
                round=ahead,
            )

    async def cross(self, event_id: str, pid: str, event: str, data: dict[str, Any]) -> None:
        """Send to a participant's sockets on whichever process they are (python-socketio's
        manager publishes it through Redis; a few at a time, so that a storm of them does not
        open a Redis connection each)."""
        async with self._crossing:
            room = person_room(event_id, pid)
            await self._sio.emit(event, data, room=room, namespace=PARTICIPANT_NS)

    async def cross_staff(
        self, event_id: str, staff_id: str, event: str, data: dict[str, Any]
    ) -> None:
        """Send to one moderator page, on whichever process it is connected to."""
        async with self._crossing:
            room = staff_room(event_id, staff_id)
            await self._sio.emit(event, data, room=room, namespace=MODERATOR_NS)

    async def on_note(self, note: Note) -> None:
        """Forget an event's index when its rooms (or phase) changed."""
        if note.changed and note.rooms:
            self._index.pop(note.event_id, None)

    async def on_link(self, up: bool) -> None:
        """Notes may have been missed: forget every index."""
        self._index.clear()


def _rest_of_round(assignment: dict[str, Any]) -> int:
    """The milliseconds left in the round of an assignment with a room (0 otherwise)."""
    clock = assignment.get("clock")
    if not assignment.get("room") or not isinstance(clock, dict):
        return 0
    remaining = clock.get("remaining_ms")
    return remaining if isinstance(remaining, int) else 0


def in_room(index: RoomIndex, who: str, room: str | None, idle: str) -> None:
    """Refuse unless ``who`` (a participant, or a moderator page in a call) is in ``room``'s
    call this round: ``no_round`` (saying ``idle``), ``not_in_room``, ``not_your_room``."""
    if not index.running:
        raise UserError("no_round", idle)
    mine = index.rooms.get(who)
    if mine is None:
        raise UserError("not_in_room", "You are in no room's call this round.")
    if mine != room:
        raise UserError(
            "not_your_room",
            f"You are not in room {room!r} this round (yours is {mine!r}).",
            room=room,
        )


def _stage_of(index: RoomIndex, ahead: int) -> bool:
    """Whether ``index`` is of round ``ahead`` (running) or of the break before it."""
    return index.upcoming == ahead or (index.running and index.round == ahead)


def _member(index: RoomIndex, pid: str, other: str) -> bool:
    """Whether ``other`` is another member of ``pid``'s room this round (not a moderator)."""
    return other in index.peers.get(pid, ()) and other not in index.staff


def _reports_on(index: RoomIndex, pid: str, room: str | None, peers: Sequence[str]) -> bool:
    """Whether ``index`` shows ``pid`` in ``room`` with every one of ``peers``."""
    return index.rooms.get(pid) == room and all(_member(index, pid, p) for p in peers)
