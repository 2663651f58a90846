"""Socket.IO transport: one namespace a role, thin handlers named after their wire events."""

from __future__ import annotations

import asyncio
import functools
import logging
import secrets
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import msgspec
import socketio

from . import directory, engine, links, logs, meter, rooms, views
from .chat import Chat
from .clock import ClockCommand
from .delivery import Delivery
from .errors import ProtocolError, SpeedmeetError
from .health import DeviceRelay, link_stats
from .limits import SocketLimits
from .metrics import Metrics
from .model import EventState, Phase, StaffRole, TokenRef
from .model import Staff as StaffPage
from .payloads import (
    ChatText,
    ClaimHelp,
    Empty,
    Extend,
    Feedback,
    Help,
    JoinRoom,
    Label,
    Move,
    Notice,
    ProfileEdit,
    Reissue,
    Rejoin,
    ResolveHelp,
    SetWish,
    Signal,
    Stats,
    Write,
    parse,
)
from .rooms import DEFAULT_RULES, MediaRules
from .service import ONLINE, PLAN, Owner
from .signaling import Signaling
from .store import Note
from .targets import event_room, person_room, staff_room
from .tasks import Tasks

log = logging.getLogger(__name__)

P = TypeVar("P")
Handler = Callable[[Any, str, P], Awaitable[dict[str, Any] | None]]

INTERNAL = {
    "code": "internal",
    "message": "Something went wrong on the server; it has been logged. Please try again.",
}
GREET_WAIT_S = 10.0


def acked(kind: type[P]) -> Callable[[Handler[P]], Callable[..., Awaitable[dict[str, Any]]]]:
    """Validate the one payload, run the handler, answer through the ack: ``{ok, ...}``."""

    def wrap(fn: Handler[P]) -> Callable[..., Awaitable[dict[str, Any]]]:
        @functools.wraps(fn)
        async def handler(self: Role, sid: str, *args: Any) -> dict[str, Any]:
            started = time.perf_counter()
            outcome = "ok"
            event = fn.__name__.removeprefix("on_")
            try:
                ref = self.who.get(sid)
                self.limits.check(sid, event, ref.participant_id if ref else None)
                if len(args) != 1:
                    raise ProtocolError(
                        "bad_payload", "Send exactly one JSON object ({} when there is nothing)."
                    )
                result = await fn(self, sid, parse(args[0], kind))
                return {"ok": True, **(result or {})}
            except SpeedmeetError as exc:
                outcome = exc.code
                if self.limits.flooding(sid):
                    log.warning("a client kept sending while refused: disconnected")
                    self.greetings.start(self.drop(sid), name=f"drop {sid}")
                return {"ok": False, "error": exc.to_wire()}
            except Exception:
                outcome = "internal"
                log.exception("handler %s failed", fn.__name__)
                return {"ok": False, "error": INTERNAL}
            finally:
                self.metrics.commands.labels(self.namespace, event, outcome).inc()
                self.metrics.handler_seconds.labels(self.namespace).observe(
                    time.perf_counter() - started
                )

        return handler

    return wrap


def _refused(code: str, message: str) -> socketio.exceptions.ConnectionRefusedError:
    # Two arguments: the packet is {message, data}; socket.io-client shows ``message`` as the
    # error and ``data`` as ``err.data`` (one argument would arrive as a Python repr string).
    return socketio.exceptions.ConnectionRefusedError(message, {"code": code, "message": message})


class Role(socketio.AsyncNamespace):  # type: ignore[misc]
    """What every namespace shares: token auth at connect, the greeting, ``time``, the acks."""

    role: str = ""

    def __init__(self, owner: Owner, metrics: Metrics, limits: SocketLimits) -> None:
        super().__init__(f"/{self.role}")
        self.owner = owner
        self.metrics = metrics
        self.limits = limits
        self.who: dict[str, TokenRef] = {}
        self.keys: dict[str, str] = {}  # the hash of the link each socket came with
        self.seen: dict[str, int | None] = {}  # the last seq each client says it saw
        self.greetings = Tasks()

    async def trigger_event(self, event: str, *args: Any) -> Any:
        """Dispatch to ``on_<event>``; answer an unknown event with an error instead of silence."""
        if event in ("connect", "disconnect") or hasattr(self, f"on_{event}"):
            return await super().trigger_event(event, *args)
        self.metrics.commands.labels(self.namespace, "unknown", "unknown_event").inc()
        return {
            "ok": False,
            "error": {
                "code": "unknown_event",
                "message": f"No event {event!r} on {self.namespace}.",
            },
        }

    async def on_connect(self, sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        """Accept the connection only with a token of this namespace's role, then greet it."""
        token = auth.get("token") if isinstance(auth, dict) else None
        if not isinstance(token, str):
            token = ""
        ref = await self.owner.store.resolve(token) if token else None
        if ref is None:
            self.metrics.refused.labels("bad_token").inc()
            raise _refused(
                "bad_token",
                "This link is not valid (it may have been replaced by a new one). "
                "Ask the organiser for yours.",
            )
        if ref.role != self.role:
            self.metrics.refused.labels("wrong_role").inc()
            raise _refused(
                "wrong_role", f"This is a {ref.role} link; it cannot open {self.namespace}."
            )
        self.who[sid] = ref
        self.keys[sid] = links.token_hash(token)
        seq = auth.get("seq") if isinstance(auth, dict) else None
        self.seen[sid] = seq if isinstance(seq, int) and not isinstance(seq, bool) else None
        self.metrics.sockets.labels(self.namespace).inc()
        # python-socketio accepts the connection (its CONNECT packet) only after this handler
        # returns, and anything sent before would arrive first: greet once it is accepted.
        self.greetings.start(self._greet(sid), name=f"greet {sid}")

    async def _greet(self, sid: str) -> None:
        manager = self.server.manager
        async with asyncio.timeout(GREET_WAIT_S):
            while not manager.is_connected(sid, self.namespace):
                if sid not in self.who:
                    return  # gone before it was accepted
                await asyncio.sleep(0.001)
        ref = self.who.get(sid)
        if ref is None:
            return
        try:
            await self.arrive(sid, ref)
            state = await self.owner.get(ref.event_id)
            seen = self.seen.pop(sid, None)
            if seen is not None and seen < state.version:
                self.metrics.behind.inc()  # it missed changes while away: the state catches up
            # the current state first, then what comes; if the event moved in between, again
            await self.welcome(sid, ref, state)
            for room in self.rooms(ref):
                await self.enter_room(sid, room)
            latest = await self.owner.get(ref.event_id)
            if latest.version != state.version and sid in self.who:
                await self.welcome(sid, ref, latest)
        except Exception:
            log.exception("greeting %s on %s failed", sid, self.namespace)

    def rooms(self, ref: TokenRef) -> list[str]:
        """The Socket.IO rooms a socket of this role hears."""
        return [event_room(ref.event_id)]

    async def arrive(self, sid: str, ref: TokenRef) -> None:
        """Record presence (once per connection)."""

    async def welcome(self, sid: str, ref: TokenRef, state: EventState) -> None:
        """Send what a client of this role needs on (re)connect: the current state."""

    async def resync(self) -> None:
        """Send every socket of this process its current state again (notes may be lost)."""
        for sid, ref in list(self.who.items()):
            state = await self.owner.store.load(ref.event_id)
            if state is not None and sid in self.who:
                await self.welcome(sid, ref, state)

    async def drop(self, sid: str) -> None:
        """Disconnect a socket of this process."""
        await self.server.disconnect(sid, namespace=self.namespace, ignore_queue=True)

    async def on_disconnect(self, sid: str, reason: Any = None) -> None:
        """Forget the socket."""
        self.limits.forget(sid)
        self.seen.pop(sid, None)
        self.keys.pop(sid, None)
        if self.who.pop(sid, None) is not None:
            self.metrics.sockets.labels(self.namespace).dec()

    def ref(self, sid: str) -> TokenRef:
        """Who this socket is (set at connect)."""
        return self.who[sid]

    async def tell(self, sid: str, event: str, data: Any) -> None:
        """Send to one socket of this process (not through Redis: no other process has it)."""
        await self.emit(event, data, to=sid, ignore_queue=True)

    @acked(Empty)
    async def on_time(self, sid: str, body: Empty) -> dict[str, Any]:
        """Clock sync: the server's time in epoch milliseconds."""
        return {"server_ms": self.owner.now()}


class ParticipantNamespace(Role):
    """``/participant``: signaling, link stats, help, feedback, wishes."""

    role = "participant"

    def __init__(
        self,
        owner: Owner,
        metrics: Metrics,
        limits: SocketLimits,
        signaling: Signaling,
        delivery: Delivery,
    ) -> None:
        super().__init__(owner, metrics, limits)
        self.signaling = signaling
        self.delivery = delivery
        self.devices = DeviceRelay(owner.store, signaling)
        self.readings: dict[str, meter.Reading] = {}  # each socket's last link report
        self.chat = Chat(signaling, owner.now, metrics)

    def pid(self, sid: str) -> str:
        """The participant id of a socket."""
        pid = self.ref(sid).participant_id
        assert pid is not None
        return pid

    def rooms(self, ref: TokenRef) -> list[str]:
        """The event's room and the personal one."""
        assert ref.participant_id is not None
        return [event_room(ref.event_id), person_room(ref.event_id, ref.participant_id)]

    async def arrive(self, sid: str, ref: TokenRef) -> None:
        """Go online: during a round, paired at once with whoever is free (``engine.arrive``);
        else a round that starts from now on pairs them."""
        pid = ref.participant_id
        assert pid is not None
        self.delivery.arrived(ref.event_id, pid)
        if await self.owner.store.connect(ref.event_id, pid, sid):
            state = await self.owner.store.load(ref.event_id)
            if state is not None:
                await self.announce(state, pid, online=True)
                if rooms.may_seat(state, pid):
                    await self.seat(ref.event_id, pid)

    async def seat(self, event_id: str, pid: str) -> None:
        """Decide the arrival through the owner (once, whichever process runs it first); a
        failure leaves them waiting, where a repair or the next round finds them."""
        try:
            await self.owner.apply(
                event_id, lambda s, c: engine.arrive(s, pid, c.online, c.now), needs=(ONLINE,)
            )
        except SpeedmeetError as exc:
            log.warning("arrival of %s in %s not decided: %s", pid, event_id, exc.message)

    async def welcome(self, sid: str, ref: TokenRef, state: EventState) -> None:
        """Send clock, assignment, the next-round card, and the summary once ended."""
        pid = ref.participant_id
        assert pid is not None
        clock = engine.clock_payload(state, self.owner.now())
        await self.tell(sid, "clock", clock)
        assignment = self.signaling.complete(engine.assignment_payload(state, pid, clock), pid)
        await self.tell(sid, "assignment", assignment)
        if assignment.get("room") and assignment["peers"]:
            peers = [p["id"] for p in assignment["peers"]]
            for told in await self.devices.catch_up(state.id, assignment["room"], peers):
                await self.tell(sid, "peer_media", told)
        preview = await self.owner.store.preview(state.id, pid)
        if preview is not None and _upcoming(state, preview, assignment["room"]):
            await self.tell(sid, "next", preview)
        if state.clock.phase is Phase.ENDED:
            rated = logs.ratings(await self.owner.store.entries(state.id, "feedback"))
            counters = await self.owner.store.connected(state.id)
            await self.tell(sid, "summary", engine.summary_payload(state, rated, pid, counters))

    async def announce(self, state: EventState, pid: str, online: bool) -> None:
        """Tell the others of ``pid``'s room that they came or went (on any process)."""
        room = state.room_of(pid)
        for other in room.members if room else ():
            if other != pid:
                await self.signaling.cross(state.id, other, "peer", {"id": pid, "online": online})

    async def on_disconnect(self, sid: str, reason: Any = None) -> None:
        """Go offline when the last socket of this participant closes."""
        ref = self.who.get(sid)
        self.readings.pop(sid, None)
        await super().on_disconnect(sid, reason)
        self.devices.forget(sid)
        if ref is None or ref.participant_id is None:
            return
        self.delivery.left(ref.event_id, ref.participant_id)
        if await self.owner.store.disconnect(ref.event_id, ref.participant_id, sid):
            state = await self.owner.store.load(ref.event_id)
            if state is not None:
                await self.announce(state, ref.participant_id, online=False)

    async def present_again(self) -> None:
        """This process had been given up for dead: record every socket it holds again."""
        for sid, ref in list(self.who.items()):
            if ref.participant_id is not None:
                await self.owner.store.connect(ref.event_id, ref.participant_id, sid)

    @acked(Signal)
    async def on_signal(self, sid: str, body: Signal) -> dict[str, Any]:
        """Relay an SDP description or ICE candidate to a peer of the same room, nobody else."""
        await self.signaling.relay(self.ref(sid).event_id, self.pid(sid), body.to, body.data)
        return {}

    @acked(ChatText)
    async def on_chat(self, sid: str, body: ChatText) -> dict[str, Any]:
        """Write to the others of your room's call this round (relayed, kept nowhere)."""
        text = self.limits.chat_text(body.text)
        return await self.chat.send(self.ref(sid).event_id, self.pid(sid), body.room, text)

    @acked(Stats)
    async def on_stats(self, sid: str, body: Stats) -> dict[str, Any]:
        """Keep the browser's report for the board; tell the room if its devices changed; count
        the time each of its calls was connected (``meter``: from this socket's previous
        report, loading nothing)."""
        now = self.owner.now()
        event_id, pid, stats = self.ref(sid).event_id, self.pid(sid), link_stats(body, now)
        # read and replace this socket's last report with no await between: one client's
        # events may run concurrently, and an interval must be counted once
        reading = meter.reading(body.room, body.ice, [(p.id, p.ice) for p in body.peers], now)
        credits = meter.credit(self.readings.get(sid), reading, pid)
        if reading is None:
            self.readings.pop(sid, None)
        else:
            self.readings[sid] = reading
        await self.owner.store.put_stats(event_id, pid, stats)
        await self.devices.reported(event_id, pid, sid, stats)
        if credits:
            await self.owner.store.add_connected(event_id, credits)
        return {}

    @acked(Help)
    async def on_help(self, sid: str, body: Help) -> dict[str, Any]:
        """Ask the moderators for help."""
        pid = self.pid(sid)
        await self.owner.apply(
            self.ref(sid).event_id,
            lambda s, c: engine.ask_help(s, pid, body.text, c.now, body.reason),
        )
        return {}

    @acked(Feedback)
    async def on_feedback(self, sid: str, body: Feedback) -> dict[str, Any]:
        """Rate a meeting and say whether to follow up, and why."""
        pid = self.pid(sid)
        await self.owner.apply(
            self.ref(sid).event_id,
            lambda s, c: engine.give_feedback(
                s,
                pid,
                body.room,
                body.rating,
                body.follow_up,
                body.note,
                c.now,
                body.peer,
                body.reasons,
            ),
        )
        return {}

    @acked(Empty)
    async def on_wishes(self, sid: str, body: Empty) -> dict[str, Any]:
        """Whom I may wish to meet, and my wishes so far."""
        pid = self.pid(sid)
        state = await self.owner.get(self.ref(sid).event_id)
        return {
            "candidates": engine.wish_candidates(state, pid),
            "wishes": engine.own_wishes(state, pid),
        }

    @acked(SetWish)
    async def on_wish(self, sid: str, body: SetWish) -> dict[str, Any]:
        """Set or clear my wish about one person."""
        pid = self.pid(sid)
        outcome = await self.owner.apply(
            self.ref(sid).event_id, lambda s, _c: engine.set_wish(s, pid, body.to, body.level)
        )
        return outcome.result

    @acked(Empty)
    async def on_directory(self, sid: str, body: Empty) -> dict[str, Any]:
        """The people I may browse (and what of them), my wishes, the tags in use."""
        state = await self.owner.get(self.ref(sid).event_id)
        return directory.payload(state, self.pid(sid))

    @acked(ProfileEdit)
    async def on_profile(self, sid: str, body: ProfileEdit) -> dict[str, Any]:
        """Change my pitch, tags or website (until the event starts)."""
        pid, values = self.pid(sid), body.given()
        outcome = await self.owner.apply(
            self.ref(sid).event_id, lambda s, c: directory.edit_own(s, pid, values, c.now)
        )
        return outcome.result

    @acked(Empty)
    async def on_stop(self, sid: str, body: Empty) -> dict[str, Any]:
        """Ask not to be paired again (the current meeting goes on)."""
        pid = self.pid(sid)
        await self.owner.apply(self.ref(sid).event_id, lambda s, c: engine.stop(s, pid, c.now))
        return {}

    @acked(Empty)
    async def on_rejoin(self, sid: str, body: Empty) -> dict[str, Any]:
        """Undo "I have to leave": paired again (at once if someone is free)."""
        pid = self.pid(sid)
        outcome = await self.owner.apply(
            self.ref(sid).event_id,
            lambda s, c: engine.rejoin(s, pid, c.online, c.now, pid),
            needs=(ONLINE,),
        )
        return outcome.result


def _upcoming(state: EventState, preview: dict[str, Any], room: str | None) -> bool:
    """Whether a stored ``next`` card is still to come: in the lobby and breaks, or during a
    round for someone in no room (a card for the round after this one)."""
    if state.clock.phase in (Phase.LOBBY, Phase.BREAK):
        return True
    return (
        state.clock.phase is Phase.ROUND
        and room is None
        and preview.get("round") == state.clock.round + 1
    )


class Staff(Role):
    """What the host and moderators share: the snapshot on connect, help requests, writing to a
    room or a person. Each socket is one staff page with a label of its own (``Staff``)."""

    def __init__(self, owner: Owner, metrics: Metrics, limits: SocketLimits) -> None:
        super().__init__(owner, metrics, limits)
        self.staff: dict[str, StaffPage] = {}  # each socket's page as others see it

    async def on_connect(self, sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        """Accept the link (as every role does), then give the page its label."""
        await super().on_connect(sid, environ, auth)
        ref = self.who[sid]
        role: StaffRole = "host" if self.role == "host" else "moderator"
        number = 0
        if role == "moderator":  # the lowest number no other moderator page here has
            taken = {
                s.number
                for x, s in self.staff.items()
                if self.who.get(x, ref).event_id == ref.event_id
            }
            number = next(n for n in range(1, len(taken) + 2) if n not in taken)
        staff_id = f"{role[0]}-{secrets.token_hex(6)}"
        self.staff[sid] = StaffPage(id=staff_id, role=role, number=number)

    async def arrive(self, sid: str, ref: TokenRef) -> None:
        """Hear what is meant for this page alone (the calls it joins)."""
        staff = self.staff.get(sid)
        if staff is not None:
            await self.enter_room(sid, staff_room(ref.event_id, staff.id))

    async def on_disconnect(self, sid: str, reason: Any = None) -> None:
        """Forget the socket and its label."""
        await super().on_disconnect(sid, reason)
        self.staff.pop(sid, None)

    def me(self, sid: str) -> StaffPage:
        """This socket's page as others see it."""
        return self.staff[sid]

    rules: MediaRules = DEFAULT_RULES  # set by the app from the settings

    async def whole_board(self, event_id: str, state: EventState | None = None) -> dict[str, Any]:
        """The board last sent (with its ``board_seq``: later deltas apply to it), or one made
        now (without: the client asks for the sent one at its first delta) when none was sent
        yet or, given ``state``, the one sent is of an older version of the event."""
        store = self.owner.store
        kept = await store.board(event_id)
        seq = kept.get("seq") if kept is not None else None
        if kept is not None and (state is None or (isinstance(seq, int) and seq >= state.version)):
            return kept
        state = state or await self.owner.get(event_id)
        online = await store.online(state.id)
        stats = await store.stats(state.id)
        helped = logs.open_help(await store.entries(state.id, "help"))
        return views.board_payload(state, online, stats, helped, self.owner.now(), self.rules)

    async def welcome(self, sid: str, ref: TokenRef, state: EventState) -> None:
        """Send the clock and the whole board, as of this version of the event (or later), and
        the page's own label (``me``)."""
        clock = engine.clock_payload(state, self.owner.now())
        await self.tell(sid, "clock", clock)
        board = await self.whole_board(state.id, state)
        snapshot = {**board, "clock": clock, "event": views.event_payload(state)}
        staff = self.staff.get(sid)
        if staff is not None:
            snapshot["me"] = engine.staff_payload(staff)
        await self.tell(sid, "snapshot", snapshot)

    @acked(Empty)
    async def on_board(self, sid: str, body: Empty) -> dict[str, Any]:
        """The whole board last sent (a client that missed a delta, or has none)."""
        return await self.whole_board(self.ref(sid).event_id)

    @acked(Label)
    async def on_label(self, sid: str, body: Label) -> dict[str, Any]:
        """Set the name this page shows to participants and the other staff."""
        staff = msgspec.structs.replace(self.me(sid), name=" ".join(body.name.split()))
        self.staff[sid] = staff
        await self.relabelled(sid, staff)
        return {"me": engine.staff_payload(staff)}

    async def relabelled(self, sid: str, staff: StaffPage) -> None:
        """The page's label changed (a moderator in a call tells its members)."""

    @acked(ClaimHelp)
    async def on_claim_help(self, sid: str, body: ClaimHelp) -> dict[str, Any]:
        """Take a participant's help request: the other staff see who, the participant that
        someone is coming."""
        by = self.me(sid)
        await self.owner.apply(
            self.ref(sid).event_id,
            lambda s, c: engine.claim_help(
                s, c.logs["help"], body.participant, c.now, by, body.take_over
            ),
            needs=("help",),
        )
        return {"by": engine.staff_payload(by)}

    @acked(ResolveHelp)
    async def on_resolve_help(self, sid: str, body: ResolveHelp) -> dict[str, Any]:
        """Mark a participant's help request as dealt with."""
        actor, by = self.role, self.me(sid)
        await self.owner.apply(
            self.ref(sid).event_id,
            lambda s, c: engine.resolve_help(s, c.logs["help"], body.participant, c.now, actor, by),
            needs=("help",),
        )
        return {}

    @acked(Write)
    async def on_message(self, sid: str, body: Write) -> dict[str, Any]:
        """Write to the members of one room of this round, or to one participant."""
        by = self.me(sid)
        outcome = await self.owner.apply(
            self.ref(sid).event_id,
            lambda s, c: engine.write(s, body.text, c.now, by, body.room, body.participant),
        )
        return outcome.result


class ModeratorNamespace(Staff):
    """``/moderator``: watch every room, step into one's call (a third video)."""

    role = "moderator"

    def __init__(
        self, owner: Owner, metrics: Metrics, limits: SocketLimits, signaling: Signaling
    ) -> None:
        super().__init__(owner, metrics, limits)
        self.signaling = signaling
        self.chat = Chat(signaling, owner.now, metrics)
        self.visiting: dict[str, str] = {}  # the room whose call each socket joined

    @acked(JoinRoom)
    async def on_join_room(self, sid: str, body: JoinRoom) -> dict[str, Any]:
        """Join a room's call: its details, and whom to call (its members are told)."""
        by = self.me(sid)
        outcome = await self.owner.apply(
            self.ref(sid).event_id, lambda s, c: engine.join_room(s, body.room, by, c.now)
        )
        self.visiting[sid] = body.room
        room = await self.board_room(outcome.state, body.room)
        call = self.signaling.staff_call(outcome.result["peers"], by.id)
        return {"room": room, "staff": engine.staff_payload(by), **call}

    async def board_room(self, state: EventState, room_id: str) -> dict[str, Any] | None:
        """One room as the board shows it."""
        store = self.owner.store
        online = await store.online(state.id)
        stats = await store.stats(state.id)
        helped = logs.open_help(await store.entries(state.id, "help"))
        board = views.board_payload(state, online, stats, helped, self.owner.now(), self.rules)
        return next((r for r in board["rooms"] if r["id"] == room_id), None)

    @acked(Empty)
    async def on_leave_room(self, sid: str, body: Empty) -> dict[str, Any]:
        """Leave the room's call this page joined (its members are told)."""
        return await self.leave(sid)

    async def leave(self, sid: str) -> dict[str, Any]:
        """Take this page out of the call it joined, if any: ``{room}`` it left."""
        self.visiting.pop(sid, None)
        staff_id, event_id = self.me(sid).id, self.ref(sid).event_id
        outcome = await self.owner.apply(
            event_id, lambda s, c: engine.leave_room(s, staff_id, c.now)
        )
        return outcome.result

    async def relabelled(self, sid: str, staff: StaffPage) -> None:
        """A moderator in a call: its members see the new name on the tile."""
        room = self.visiting.get(sid)
        if room is not None:
            await self.owner.apply(
                self.ref(sid).event_id, lambda s, c: engine.join_room(s, room, staff, c.now)
            )

    @acked(Signal)
    async def on_signal(self, sid: str, body: Signal) -> dict[str, Any]:
        """Relay a description or candidate to a member of the room whose call this page
        joined, nobody else."""
        await self.signaling.relay(self.ref(sid).event_id, self.me(sid).id, body.to, body.data)
        return {}

    @acked(ChatText)
    async def on_chat(self, sid: str, body: ChatText) -> dict[str, Any]:
        """Write to the members of the room whose call this page joined (kept nowhere)."""
        text, me = self.limits.chat_text(body.text), self.me(sid)
        event_id = self.ref(sid).event_id
        return await self.chat.send(event_id, me.id, body.room, text, engine.staff_payload(me))

    async def on_disconnect(self, sid: str, reason: Any = None) -> None:
        """A page that goes leaves the call it was in (it joins again when it is back)."""
        if sid in self.visiting and sid in self.who:
            try:
                await self.leave(sid)
            except Exception as exc:  # the top of this handler: log, and forget the socket anyway
                log.warning("a moderator's leaving a call was not recorded: %r", exc)
        self.visiting.pop(sid, None)
        await super().on_disconnect(sid, reason)


def _clock_command(command: ClockCommand) -> Callable[..., Awaitable[dict[str, Any]]]:
    async def handler(self: HostNamespace, sid: str, body: Empty) -> dict[str, Any]:
        return await self.clock(sid, command)

    handler.__name__ = f"on_{command.value}"
    handler.__doc__ = f"``{command.value}``: move the clock."
    return acked(Empty)(handler)


class HostNamespace(Staff):
    """``/host``: the commands that run the event."""

    role = "host"

    def __init__(
        self,
        owner: Owner,
        metrics: Metrics,
        limits: SocketLimits,
        base_url: str,
        new_token: Callable[[], str],
    ) -> None:
        super().__init__(owner, metrics, limits)
        self.base_url = base_url
        self.new_token = new_token

    async def clock(self, sid: str, command: ClockCommand, seconds: int = 0) -> dict[str, Any]:
        """Apply a clock command and answer with the new clock."""
        outcome = await self.owner.apply(
            self.ref(sid).event_id,
            lambda s, c: engine.move_clock(s, command, c.now, c.online, "host", seconds, c.plan),
            needs=(ONLINE, PLAN),
        )
        return outcome.result

    on_open = _clock_command(ClockCommand.OPEN)
    on_start = _clock_command(ClockCommand.START)
    on_pause = _clock_command(ClockCommand.PAUSE)
    on_resume = _clock_command(ClockCommand.RESUME)
    on_end_round = _clock_command(ClockCommand.END_ROUND)
    on_next = _clock_command(ClockCommand.NEXT)
    on_end = _clock_command(ClockCommand.END)

    @acked(Extend)
    async def on_extend(self, sid: str, body: Extend) -> dict[str, Any]:
        """Give the current round or break more time."""
        return await self.clock(sid, ClockCommand.EXTEND, body.seconds)

    @acked(Notice)
    async def on_notice(self, sid: str, body: Notice) -> dict[str, Any]:
        """Broadcast a notice to every participant."""
        await self.owner.apply(
            self.ref(sid).event_id, lambda s, c: engine.notice(s, body.text, c.now, "host")
        )
        return {}

    @acked(Move)
    async def on_move(self, sid: str, body: Move) -> dict[str, Any]:
        """Place one participant in a room (or the waiting list) by hand."""
        outcome = await self.owner.apply(
            self.ref(sid).event_id,
            lambda s, c: engine.move(s, body.participant, body.room, c.now, "host"),
        )
        return outcome.result

    @acked(Reissue)
    async def on_reissue(self, sid: str, body: Reissue) -> dict[str, Any]:
        """A new link for someone (the old one stops working at once): ``{url}``."""
        event_id, token = self.ref(sid).event_id, self.new_token()
        new_hash = links.token_hash(token)
        await self.owner.apply(
            event_id, lambda s, c: engine.reissue_link(s, body.who, new_hash, c.now, "host")
        )
        return {"who": body.who, "url": self.base_url + links.path(event_id, body.who, token)}

    @acked(Rejoin)
    async def on_rejoin(self, sid: str, body: Rejoin) -> dict[str, Any]:
        """Undo someone's "I have to leave": paired again (at once if someone is free)."""
        outcome = await self.owner.apply(
            self.ref(sid).event_id,
            lambda s, c: engine.rejoin(s, body.participant, c.online, c.now, "host"),
            needs=(ONLINE,),
        )
        return outcome.result

    @acked(Empty)
    async def on_repair(self, sid: str, body: Empty) -> dict[str, Any]:
        """Pair the people left alone this round."""
        outcome = await self.owner.apply(
            self.ref(sid).event_id,
            lambda s, c: engine.repair(s, c.online, c.now, "host"),
            needs=(ONLINE,),
        )
        return outcome.result


class Namespaces:
    """The three namespaces of this process, and what they do when the feed comes and goes."""

    def __init__(
        self,
        participants: ParticipantNamespace,
        host: HostNamespace,
        moderators: ModeratorNamespace,
        sio: socketio.AsyncServer,
    ) -> None:
        self.participants = participants
        self.all: tuple[Role, ...] = (participants, host, moderators)
        self._sio = sio

    async def on_note(self, note: Note) -> None:
        """Close this process's sockets of a link that was just re-issued (``Delivery`` sends
        everything else)."""
        for m in note.messages:
            if m.to == engine.LINKS and m.event == "revoked":
                await self.revoke(str(m.data["token_hash"]))

    async def revoke(self, token_hash: str) -> None:
        """Tell the sockets that came with this link it was replaced, and close them."""
        told = {"code": "link_revoked", "message": "This link was replaced by a new one."}
        for ns in self.all:
            for sid in [sid for sid, key in ns.keys.items() if key == token_hash]:
                await ns.tell(sid, "revoked", told)
                await self._sio.disconnect(sid, namespace=ns.namespace, ignore_queue=True)

    async def on_link(self, up: bool) -> None:
        """The feed is back: send every client its state again (notes may have been lost)."""
        if up:
            for ns in self.all:
                await ns.resync()

    async def status(self, degraded: bool, restarting: bool = False) -> None:
        """Tell every client of this process whether the event is degraded (or the process is
        going away: they reconnect, to another process or once it is back)."""
        body = {"degraded": degraded, "restarting": restarting}
        for ns in self.all:
            await self._sio.emit("status", body, namespace=ns.namespace, ignore_queue=True)

    async def close(self) -> None:
        """Stop the greetings still waiting."""
        for ns in self.all:
            await ns.greetings.close()
