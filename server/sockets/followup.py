"""``/followup``: the signaling of a booked follow-up's call, between its two people only.

A page connects with ``auth {token, peer}``: the token of the person's own link (or of the link
to their summary, or to their follow-up rooms alone), and the other person of the pair. The
connection is refused unless the pair's follow-up is booked and its room open (``not_booked``,
``closed``). One page of each person is in the call: a page that connects takes over, the
person's earlier pages get ``elsewhere``. The server relays ``signal {to, data}`` to the other's
sockets only (through python-socketio's manager: any process), with the event's relay-only
rule, and counts ``call {connected_ms}``, what each page saw of the call, for the report. Media
flows peer to peer, as in the rounds.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Annotated, Any

import msgspec
import socketio

from ..core import candidates, followups
from ..errors import ProtocolError, SpeedmeetError, UserError
from ..limits import Rate
from ..live.owner import Owner
from ..live.turn import IceServers, ice_policy
from ..mail.followups import FollowUps
from ..people import links
from ..settings import Settings
from ..signaling import MAX_SIGNAL_BYTES, roles
from .inputs import Empty, Id, parse
from .role import INTERNAL, refused

log = logging.getLogger(__name__)

NAMESPACE = "/followup"
REPORTS_PER_SECOND = 0.1
REPORTS_BURST = 5
# the links that open a follow-up call: the person's own, their summary's, their rooms' alone
ROLES = ("participant", "summary", "room")


class SignalIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """``signal {to, data}``: an SDP description or ICE candidate for the other of the pair."""

    to: Id
    data: dict[str, Any]


class CallIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """``call {connected_ms}``: connected time this page saw since its last report."""

    connected_ms: Annotated[int, msgspec.Meta(ge=0, le=followups.MAX_REPORT_MS)]


@dataclass(frozen=True)
class Seat:
    """Who a socket is: the event, the person, the other of the pair, the booking."""

    event_id: str
    pid: str
    peer: str
    start: int
    relay_only: bool
    key: str  # the hash of the link it came with (a replaced link closes it)


def pair_room(event_id: str, pid: str, peer: str) -> str:
    """The Socket.IO room of ``pid``'s sockets in their follow-up call with ``peer``."""
    return f"f:{event_id}:{pid}:{peer}"


class FollowUpNamespace(socketio.AsyncNamespace):  # type: ignore[misc]
    """The follow-up calls' signaling (see the module)."""

    def __init__(
        self, owner: Owner, service: FollowUps, ice: IceServers, settings: Settings
    ) -> None:
        super().__init__(NAMESPACE)
        self.owner = owner
        self.service = service
        self.ice = ice
        self.policy = settings.ice_transport_policy
        self.seats: dict[str, Seat] = {}
        self.events = Rate(settings.rate_signals_per_second, settings.rate_signals_burst)
        self.bytes = Rate(settings.rate_signal_bytes_per_second, settings.rate_signal_bytes_burst)
        # a page reports its call each minute and on leaving: a few, then one every 10 s, per
        # person (each report is a log entry: a link cannot write thousands of them)
        self.reports = Rate(REPORTS_PER_SECOND, REPORTS_BURST)

    async def on_connect(self, sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        """Accept a page of one of the pair while their booked room is open."""
        given = auth if isinstance(auth, dict) else {}
        token, peer = given.get("token"), given.get("peer")
        token = token if isinstance(token, str) else ""
        store = self.owner.store
        ref = await store.resolve(token) if token else None
        if ref is None or ref.role not in ROLES or not isinstance(peer, str):
            raise refused("bad_token", "This link is not valid. Ask the organiser for yours.")
        assert ref.participant_id is not None
        state = await store.load(ref.event_id)
        fu = await self.service.current(ref.event_id, ref.participant_id, peer)
        if state is None or fu is None or fu.status != "booked" or fu.start is None:
            raise refused(
                "not_booked", "This follow-up is not booked (any more): see your summary."
            )
        if not followups.room_open(fu, self.owner.now()):
            raise refused(
                "closed",
                "The follow-up room is not open now.",
                opens_at=fu.start - followups.OPENS_BEFORE_MS,
                closes_at=followups.closes_at(fu.start),
            )
        relay = ice_policy(self.policy, state.settings.ice_transport_policy) == "relay"
        key = links.token_hash(token)
        seat = Seat(state.id, ref.participant_id, peer, fu.start, relay, key)
        room = pair_room(state.id, ref.participant_id, peer)
        # One page of each person in the call: the newest takes over. Their earlier pages (on
        # any process) are told and leave; this process closes its own at once, so that the
        # other's signals reach one page only.
        told = {"code": "elsewhere", "message": "This call is now open in another tab or device."}
        await self.emit("elsewhere", told, room=room, skip_sid=sid, namespace=NAMESPACE)
        for older in [o for o, s in self.seats.items() if s == seat]:
            self.seats.pop(older, None)
            await self.leave_room(older, room)
            await self.server.disconnect(older, namespace=NAMESPACE, ignore_queue=True)
        self.seats[sid] = seat
        await self.enter_room(sid, room)

    async def on_disconnect(self, sid: str, reason: Any = None) -> None:
        """The other page hears this one went (the call itself may go on: media is direct);
        ``page`` says which: a page taken over on another process goes after its successor
        came, and the other's page ignores it."""
        seat = self.seats.pop(sid, None)
        self.events.forget(sid)
        if seat is not None:
            await self._tell(seat, "peer", {"id": seat.pid, "online": False, "page": sid})

    async def on_time(self, sid: str, data: Any = None) -> dict[str, Any]:
        """The server's clock, for the page's countdown."""
        return {"ok": True, "server_ms": self.owner.now()}

    async def on_join(self, sid: str, data: Any = None) -> dict[str, Any]:
        """What the page needs to call the other: who, its polite role, the ICE servers (TURN
        credentials valid until the room closes) and the policy; the other hears it is here."""

        async def join(seat: Seat) -> dict[str, Any]:
            parse(data, Empty)
            closes = followups.closes_at(seat.start)
            await self._tell(seat, "peer", {"id": seat.pid, "online": True, "page": sid})
            return {
                "peer": {"id": seat.peer, "polite": roles(seat.pid, [seat.peer])[seat.peer]},
                "ice_servers": self.ice.wire(seat.pid, max(0, closes - self.owner.now())),
                "ice_transport_policy": "relay" if seat.relay_only else "all",
                "start": seat.start,
                "closes_at": closes,
            }

        return await self._acked(sid, join)

    async def on_signal(self, sid: str, data: Any = None) -> dict[str, Any]:
        """Relay a signal to the other of the pair, while the room is open."""

        async def relay(seat: Seat) -> dict[str, Any]:
            signal = parse(data, SignalIn)
            if signal.to != seat.peer:
                raise UserError("not_your_peer", "You can call only the other of your follow-up.")
            if self.owner.now() > followups.closes_at(seat.start):
                raise UserError("closed", "The follow-up room is closed.")
            size = len(msgspec.json.encode(signal.data))
            if size > MAX_SIGNAL_BYTES:
                raise ProtocolError(
                    "too_big", f"Signal data is limited to {MAX_SIGNAL_BYTES} bytes."
                )
            self.bytes.check(sid, "signal bytes", size)
            passed: dict[str, Any] | None = signal.data
            if seat.relay_only:
                passed, _ = candidates.relayed_only(signal.data)
            if passed is not None:
                await self._tell(seat, "signal", {"from": seat.pid, "data": passed})
            return {}

        return await self._acked(sid, relay)

    async def on_call(self, sid: str, data: Any = None) -> dict[str, Any]:
        """Count the connected time this page saw (while the room is open)."""

        async def call(seat: Seat) -> dict[str, Any]:
            report = parse(data, CallIn)
            self.reports.check((seat.event_id, seat.pid, seat.peer), "call reports")
            counted = await self.service.call(
                seat.event_id, seat.pid, seat.peer, report.connected_ms
            )
            return {"counted": counted}

        return await self._acked(sid, call)

    async def revoke(self, token_hash: str) -> None:
        """Close this process's sockets that came with a link just replaced."""
        told = {"code": "link_revoked", "message": "This link was replaced by a new one."}
        for sid in [sid for sid, seat in self.seats.items() if seat.key == token_hash]:
            await self.emit("revoked", told, to=sid, ignore_queue=True)
            await self.server.disconnect(sid, namespace=NAMESPACE, ignore_queue=True)

    async def _tell(self, seat: Seat, event: str, body: dict[str, Any]) -> None:
        """Send to the other person's sockets of this pair's call, on whichever process."""
        room = pair_room(seat.event_id, seat.peer, seat.pid)
        await self.emit(event, body, room=room, namespace=NAMESPACE)

    async def _acked(self, sid: str, body: Any) -> dict[str, Any]:
        """Run ``body(seat)``: its ack, or the error as every namespace says it."""
        started = time.perf_counter()
        try:
            seat = self.seats.get(sid)
            if seat is None:
                raise UserError("not_booked", "This page is not in a follow-up call.")
            self.events.check(sid, "events")
            result: dict[str, Any] = await body(seat)
            return {"ok": True, **result}
        except SpeedmeetError as exc:
            return {"ok": False, "error": exc.to_wire()}
        except Exception:
            log.exception("follow-up handler failed after %.3f s", time.perf_counter() - started)
            return {"ok": False, "error": INTERNAL}
