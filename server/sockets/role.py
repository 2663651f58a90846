"""What every namespace shares: token auth at connect, the greeting once the connection is
accepted, ``time``, and the acks (``acked``: one payload validated, errors translated once)."""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import socketio

from ..core.model import EventState, TokenRef
from ..errors import ProtocolError, SpeedmeetError
from ..live.owner import Owner
from ..live.targets import event_room
from ..metrics import Metrics
from ..people import links
from ..tasks import Tasks
from .inputs import (
    Empty,
    parse,
)
from .quotas import SocketLimits

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
                person = (ref.event_id, ref.participant_id) if ref and ref.participant_id else None
                self.limits.check(sid, event, person)
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


def refused(code: str, message: str, **params: Any) -> socketio.exceptions.ConnectionRefusedError:
    """A connection refused with ``{code, message, ...params}`` (a page says it in its words)."""
    # Two arguments: the packet is {message, data}; socket.io-client shows ``message`` as the
    # error and ``data`` as ``err.data`` (one argument would arrive as a Python repr string).
    return socketio.exceptions.ConnectionRefusedError(
        message, {"code": code, "message": message, **params}
    )


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
            raise refused(
                "bad_token",
                "This link is not valid (it may have been replaced by a new one). "
                "Ask the organiser for yours.",
            )
        if ref.role != self.role:
            self.metrics.refused.labels("wrong_role").inc()
            raise refused(
                "wrong_role", f"This is a {ref.role} link; it cannot open {self.namespace}."
            )
        await self.admit(sid, ref)  # nothing awaited between this and the socket counted
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
            for room in self.rooms_of(sid, ref):
                await self.enter_room(sid, room)
            latest = await self.owner.get(ref.event_id)
            if latest.version != state.version and sid in self.who:
                await self.welcome(sid, ref, latest)
        except Exception:
            log.exception("greeting %s on %s failed", sid, self.namespace)

    async def admit(self, sid: str, ref: TokenRef) -> None:
        """Raise ``refused`` when this link may not open one more socket (by default it may);
        the check's last step must not await, so that no other connection slips in between."""

    def rooms(self, ref: TokenRef) -> list[str]:
        """The Socket.IO rooms a socket of this role hears."""
        return [event_room(ref.event_id)]

    def rooms_of(self, sid: str, ref: TokenRef) -> list[str]:
        """The Socket.IO rooms this socket hears (by default, its role's: ``rooms``)."""
        return self.rooms(ref)

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
