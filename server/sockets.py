"""Socket.IO transport: one namespace a role, thin handlers named after their wire events."""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import msgspec
import socketio

from . import engine, views
from .clock import ClockCommand
from .errors import ProtocolError, SpeedmeetError, UserError
from .metrics import Metrics
from .model import EventState, LinkStats, Phase, TokenRef
from .payloads import (
    MAX_SIGNAL_BYTES,
    Empty,
    Extend,
    Feedback,
    Help,
    JoinRoom,
    Move,
    Notice,
    ResolveHelp,
    SetWish,
    Signal,
    Stats,
    parse,
)
from .service import Events
from .settings import Settings

log = logging.getLogger(__name__)

P = TypeVar("P")
Handler = Callable[[Any, str, P], Awaitable[dict[str, Any] | None]]

INTERNAL = {
    "code": "internal",
    "message": "Something went wrong on the server; it has been logged. Please try again.",
}


def event_room(event_id: str) -> str:
    """The Socket.IO room of every client of one event in a namespace."""
    return f"ev:{event_id}"


def person_room(event_id: str, pid: str) -> str:
    """The Socket.IO room of one participant's sockets."""
    return f"p:{event_id}:{pid}"


def acked(kind: type[P]) -> Callable[[Handler[P]], Callable[..., Awaitable[dict[str, Any]]]]:
    """Validate the one payload, run the handler, answer through the ack: ``{ok, ...}``."""

    def wrap(fn: Handler[P]) -> Callable[..., Awaitable[dict[str, Any]]]:
        @functools.wraps(fn)
        async def handler(self: Role, sid: str, *args: Any) -> dict[str, Any]:
            started = time.perf_counter()
            outcome = "ok"
            try:
                if len(args) != 1:
                    raise ProtocolError(
                        "bad_payload", "Send exactly one JSON object ({} when there is nothing)."
                    )
                result = await fn(self, sid, parse(args[0], kind))
                return {"ok": True, **(result or {})}
            except SpeedmeetError as exc:
                outcome = exc.code
                return {"ok": False, "error": exc.to_wire()}
            except Exception:
                outcome = "internal"
                log.exception("handler %s failed", fn.__name__)
                return {"ok": False, "error": INTERNAL}
            finally:
                event = fn.__name__.removeprefix("on_")
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
    """What every namespace shares: token auth at connect, ``time``, the acked contract."""

    role: str = ""

    def __init__(self, events: Events, settings: Settings, metrics: Metrics) -> None:
        super().__init__(f"/{self.role}")
        self.events = events
        self.settings = settings
        self.metrics = metrics
        self.who: dict[str, TokenRef] = {}

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
        """Accept the connection only with a token of this namespace's role."""
        token = auth.get("token") if isinstance(auth, dict) else None
        ref = await self.events.store.resolve(token) if isinstance(token, str) else None
        if ref is None:
            self.metrics.refused.labels("bad_token").inc()
            raise _refused("bad_token", "This link is not valid. Ask the organiser.")
        if ref.role != self.role:
            self.metrics.refused.labels("wrong_role").inc()
            raise _refused(
                "wrong_role", f"This is a {ref.role} link; it cannot open {self.namespace}."
            )
        self.who[sid] = ref

    async def greet(self, sid: str) -> None:
        """Right after the connection is accepted: join rooms and send the current state."""
        ref = self.who.get(sid)
        if ref is None:
            return
        self.metrics.sockets.labels(self.namespace).inc()
        await self.enter_room(sid, event_room(ref.event_id))
        await self.welcome(sid, ref, await self.events.get(ref.event_id))

    async def welcome(self, sid: str, ref: TokenRef, state: EventState) -> None:
        """Send what a client of this role needs on (re)connect."""

    async def on_disconnect(self, sid: str, reason: Any = None) -> None:
        """Forget the socket."""
        if self.who.pop(sid, None) is not None:
            self.metrics.sockets.labels(self.namespace).dec()

    def ref(self, sid: str) -> TokenRef:
        """Who this socket is (set at connect)."""
        return self.who[sid]

    @acked(Empty)
    async def on_time(self, sid: str, body: Empty) -> dict[str, Any]:
        """Clock sync: the server's time in epoch milliseconds."""
        return {"server_ms": self.events.now()}


class ParticipantNamespace(Role):
    """``/participant``: signaling, link stats, help, feedback."""

    role = "participant"
    #: Called with (event id, participant id) on every (re)connect; the board re-sends "next".
    on_greeted: Callable[[str, str], None] | None = None

    def pid(self, sid: str) -> str:
        """The participant id of a socket."""
        pid = self.ref(sid).participant_id
        assert pid is not None
        return pid

    async def welcome(self, sid: str, ref: TokenRef, state: EventState) -> None:
        """Join the personal room, go online, send clock, assignment, summary."""
        pid = ref.participant_id
        assert pid is not None
        await self.enter_room(sid, person_room(state.id, pid))
        # Online first: a round that starts from now on pairs this person.
        came = await self.events.store.connect(state.id, pid, sid)
        now = self.events.now()
        await self.emit("clock", engine.clock_payload(state, now), to=sid)
        await self.emit("assignment", self._with_ice(engine.assignment_payload(state, pid)), to=sid)
        if state.clock.phase is Phase.ENDED:
            await self.emit("summary", engine.summary_payload(state, pid), to=sid)
        if came:
            await self._announce(state, pid, online=True)
        if self.on_greeted is not None:
            self.on_greeted(state.id, pid)
        self.events.touch(state.id)

    def _with_ice(self, payload: dict[str, Any]) -> dict[str, Any]:
        return {**payload, "ice_servers": msgspec.to_builtins(self.settings.ice_servers)}

    async def _announce(self, state: EventState, pid: str, online: bool) -> None:
        room = state.room_of(pid)
        for other in room.members if room else ():
            if other != pid:
                await self.emit(
                    "peer", {"id": pid, "online": online}, room=person_room(state.id, other)
                )

    async def on_disconnect(self, sid: str, reason: Any = None) -> None:
        """Go offline when the last socket of this participant closes."""
        ref = self.who.get(sid)
        await super().on_disconnect(sid, reason)
        if ref is None or ref.participant_id is None:
            return
        if await self.events.store.disconnect(ref.event_id, ref.participant_id, sid):
            state = await self.events.store.load(ref.event_id)
            if state is not None:
                await self._announce(state, ref.participant_id, online=False)
            self.events.touch(ref.event_id)

    @acked(Signal)
    async def on_signal(self, sid: str, body: Signal) -> dict[str, Any]:
        """Relay an SDP description or ICE candidate to a peer of the same room, nobody else."""
        ref, pid = self.ref(sid), self.pid(sid)
        state = await self.events.get(ref.event_id)
        if state.clock.phase is not Phase.ROUND:
            raise UserError("no_round", "No round is running: there is nobody to call.")
        room = state.room_of(pid)
        if room is None:
            raise UserError("not_in_room", "You are not in a room this round.")
        if body.to == pid or body.to not in room.members:
            raise UserError("not_your_peer", f"{body.to!r} is not in your room {room.id}.")
        if len(msgspec.json.encode(body.data)) > MAX_SIGNAL_BYTES:
            raise ProtocolError("too_big", f"Signal data is limited to {MAX_SIGNAL_BYTES} bytes.")
        await self.emit(
            "signal", {"from": pid, "data": body.data}, room=person_room(state.id, body.to)
        )
        self.metrics.signals.inc()
        return {}

    @acked(Stats)
    async def on_stats(self, sid: str, body: Stats) -> dict[str, Any]:
        """Keep the browser's link report for the moderator board."""
        ref = self.ref(sid)
        stats = LinkStats(
            room=body.room,
            ice=body.ice,
            rtt_ms=body.rtt_ms,
            loss=body.loss,
            kbps=body.kbps,
            at=self.events.now(),
        )
        await self.events.store.put_stats(ref.event_id, self.pid(sid), stats)
        self.events.touch(ref.event_id)
        return {}

    @acked(Help)
    async def on_help(self, sid: str, body: Help) -> dict[str, Any]:
        """Ask the moderators for help."""
        pid = self.pid(sid)
        await self.events.apply(
            self.ref(sid).event_id, lambda s, now, _o: engine.ask_help(s, pid, body.text, now)
        )
        return {}

    @acked(Feedback)
    async def on_feedback(self, sid: str, body: Feedback) -> dict[str, Any]:
        """Rate a meeting and say whether to follow up."""
        pid = self.pid(sid)
        await self.events.apply(
            self.ref(sid).event_id,
            lambda s, now, _o: engine.give_feedback(
                s, pid, body.room, body.rating, body.follow_up, body.note, now
            ),
        )
        return {}

    @acked(Empty)
    async def on_wishes(self, sid: str, body: Empty) -> dict[str, Any]:
        """Whom I may wish to meet, and my wishes so far."""
        pid = self.pid(sid)
        state = await self.events.get(self.ref(sid).event_id)
        return {
            "candidates": engine.wish_candidates(state, pid),
            "wishes": engine.own_wishes(state, pid),
        }

    @acked(SetWish)
    async def on_wish(self, sid: str, body: SetWish) -> dict[str, Any]:
        """Set or clear my wish about one person."""
        pid = self.pid(sid)
        outcome = await self.events.apply(
            self.ref(sid).event_id, lambda s, _n, _o: engine.set_wish(s, pid, body.to, body.level)
        )
        return outcome.result

    @acked(Empty)
    async def on_stop(self, sid: str, body: Empty) -> dict[str, Any]:
        """Ask not to be paired again (the current meeting goes on)."""
        pid = self.pid(sid)
        await self.events.apply(self.ref(sid).event_id, lambda s, now, _o: engine.stop(s, pid, now))
        return {}


class Staff(Role):
    """What the host and moderators share: the snapshot on connect."""

    async def welcome(self, sid: str, ref: TokenRef, state: EventState) -> None:
        """Send the whole board."""
        online = await self.events.store.online(state.id)
        stats = await self.events.store.stats(state.id)
        now = self.events.now()
        await self.emit("clock", engine.clock_payload(state, now), to=sid)
        await self.emit("snapshot", views.snapshot_payload(state, online, stats, now), to=sid)

    @acked(ResolveHelp)
    async def on_resolve_help(self, sid: str, body: ResolveHelp) -> dict[str, Any]:
        """Mark a participant's help request as dealt with."""
        actor = self.role
        await self.events.apply(
            self.ref(sid).event_id,
            lambda s, now, _o: engine.resolve_help(s, body.participant, now, actor),
        )
        return {}


class ModeratorNamespace(Staff):
    """``/moderator``: watch every room, step into one."""

    role = "moderator"

    @acked(JoinRoom)
    async def on_join_room(self, sid: str, body: JoinRoom) -> dict[str, Any]:
        """Step into a room: its details now, and its members are told a moderator is coming."""
        ref = self.ref(sid)
        state = await self.events.get(ref.event_id)
        online = await self.events.store.online(state.id)
        stats = await self.events.store.stats(state.id)
        board = views.board_payload(state, online, stats, self.events.now())
        room = next((r for r in board["rooms"] if r["id"] == body.room), None)
        if room is None:
            raise UserError("unknown_room", f"No room {body.room!r} in the current round.")
        notice = {
            "text": "",
            "at": self.events.now(),
            "from": "moderator",
            "kind": "moderator_joining",
        }
        for member in room["members"]:
            await self.server.emit(
                "notice", notice, room=person_room(state.id, member["id"]), namespace="/participant"
            )
        return {"room": room}


def _clock_command(command: ClockCommand) -> Callable[..., Awaitable[dict[str, Any]]]:
    async def handler(self: HostNamespace, sid: str, body: Empty) -> dict[str, Any]:
        return await self.clock(sid, command)

    handler.__name__ = f"on_{command.value}"
    handler.__doc__ = f"``{command.value}``: move the clock."
    return acked(Empty)(handler)


class HostNamespace(Staff):
    """``/host``: the commands that run the event."""

    role = "host"

    async def clock(self, sid: str, command: ClockCommand, seconds: int = 0) -> dict[str, Any]:
        """Apply a clock command and answer with the new clock."""
        outcome = await self.events.apply(
            self.ref(sid).event_id,
            lambda s, now, online: engine.move_clock(s, command, now, online, "host", seconds),
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
        await self.events.apply(
            self.ref(sid).event_id, lambda s, now, _o: engine.notice(s, body.text, now, "host")
        )
        return {}

    @acked(Move)
    async def on_move(self, sid: str, body: Move) -> dict[str, Any]:
        """Place one participant in a room (or the waiting list) by hand."""
        outcome = await self.events.apply(
            self.ref(sid).event_id,
            lambda s, now, _o: engine.move(s, body.participant, body.room, now, "host"),
        )
        return outcome.result

    @acked(Empty)
    async def on_repair(self, sid: str, body: Empty) -> dict[str, Any]:
        """Pair the people left alone this round."""
        outcome = await self.events.apply(
            self.ref(sid).event_id, lambda s, now, online: engine.repair(s, online, now, "host")
        )
        return outcome.result


class SocketEmitter:
    """Delivers the core's messages over Socket.IO rooms."""

    def __init__(self, sio: socketio.AsyncServer, settings: Settings) -> None:
        self._sio = sio
        self._ice = msgspec.to_builtins(settings.ice_servers)

    async def deliver(self, event_id: str, messages: list[engine.Message]) -> None:
        """Send each message to its target namespace and room."""
        for m in messages:
            data = {**m.data, "ice_servers": self._ice} if m.event == "assignment" else m.data
            if m.to == engine.PARTICIPANTS:
                await self._sio.emit(
                    m.event, data, room=event_room(event_id), namespace="/participant"
                )
            elif m.to == engine.STAFF:
                for ns in ("/host", "/moderator"):
                    await self._sio.emit(m.event, data, room=event_room(event_id), namespace=ns)
            else:
                pid = m.to.removeprefix("p:")
                await self._sio.emit(
                    m.event, data, room=person_room(event_id, pid), namespace="/participant"
                )


class GreetingManager(socketio.AsyncManager):  # type: ignore[misc]
    """The default manager, plus a call to the namespace's ``greet`` once a client is connected.

    python-socketio sends the CONNECT packet after the connect handler returns, so anything the
    handler emitted would be lost; ``connect`` here runs after that packet.
    """

    async def connect(self, sid: str, namespace: str) -> str:
        """Register the connection, then greet it."""
        sid = await super().connect(sid, namespace)
        handler = self.server.namespace_handlers.get(namespace)
        if isinstance(handler, Role):
            try:
                await handler.greet(sid)
            except Exception:
                log.exception("greeting %s on %s failed", sid, namespace)
        return sid
