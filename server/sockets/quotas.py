"""What one socket may ask, and hold, at most: its events, signals, help requests and chat
messages (token buckets, ``rates``), a person's edits and link reports whatever the number of
their sockets, the text of a chat message, and a cap on what waits to be
sent to it (a client that stops reading is disconnected, not buffered forever)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

import socketio

from ..core import texts
from ..errors import UserError
from ..limits import Rate, RateLimited
from ..metrics import Metrics

log = logging.getLogger(__name__)


# What a participant's event writes to the event or its logs: one budget a person, however
# many sockets they open (``rate_person_edits_*``); help and chat have their own.
EDITS = frozenset({"profile", "wish", "feedback", "stop", "rejoin", "take"})

FLOOD = 200  # refusals in a row that get a socket disconnected
QUIET_S = 2.0  # a pause in the refusals this long, and the row starts again


class SocketLimits:
    """Every client event a socket sends goes through here first."""

    def __init__(
        self,
        events: Rate,
        signals: Rate,
        help_every_s: float,
        metrics: Metrics,
        chat: Rate | None = None,
        chat_chars: int = 1000,
        clock: Callable[[], float] = time.monotonic,
        pages: int = 4,
        edits: Rate | None = None,
        reports: Rate | None = None,
    ) -> None:
        self._events = events
        self._signals = signals
        self._help = Rate(1 / help_every_s, 1) if help_every_s > 0 else None
        self._chat = chat
        self._chat_chars = chat_chars
        self._metrics = metrics
        self._refused: dict[str, tuple[int, float]] = {}  # sid → (refusals, the last's time)
        self._clock = clock
        self.pages = pages  # pages one participant link may have open at once (every process)
        self._edits = edits  # what writes to the event, per person: every socket of theirs
        self._reports = reports  # link reports (``stats``), per person likewise

    def check(self, sid: str, event: str, person: tuple[str, str] | None) -> None:
        """Raise ``RateLimited`` when this socket, or this person (``(event, participant)``:
        every tab of theirs), asks too much."""
        try:
            if event == "signal":
                self._signals.check(sid, "signals")
            else:
                self._events.check(sid, "requests")
            if event == "help" and person is not None and self._help is not None:
                self._help.check(person, "help requests (one is enough: a moderator is coming)")
            if event == "chat" and self._chat is not None:
                # per person (all their tabs), or per staff page
                self._chat.check(("person", person) if person else sid, "chat messages")
            if person is not None:
                self._per_person(event, person)
        except RateLimited:
            count, last = self._refused.get(sid, (0, 0.0))
            now = self._clock()
            self._refused[sid] = (1 if now - last > QUIET_S else count + 1, now)
            self._metrics.rate_limited.inc()
            raise

    def _per_person(self, event: str, person: tuple[str, str]) -> None:
        """One budget for all the sockets of a person (a link opens several): what writes to
        the event, and link reports."""
        if event in EDITS and self._edits is not None:
            self._edits.check(("edits", person), "changes from all your pages together")
        elif event == "stats" and self._reports is not None:
            self._reports.check(("stats", person), "link reports from all your pages together")

    def chat_text(self, text: str) -> str:
        """A chat message as it is relayed: every line end a newline, unprintable characters
        dropped, trimmed; ``chat_empty`` if nothing is left, ``chat_too_long`` (with
        ``max_chars``) past ``chat_max_chars``."""
        clean = texts.lines(text).strip()
        if not clean:
            raise UserError("chat_empty", "Write something before sending.")
        if len(clean) > self._chat_chars:
            raise UserError(
                "chat_too_long",
                f"A chat message holds at most {self._chat_chars} characters; "
                f"this one has {len(clean)}.",
                max_chars=self._chat_chars,
            )
        return clean

    def flooding(self, sid: str) -> bool:
        """Whether the socket keeps sending while refused (it gets disconnected): ``FLOOD``
        refusals with no pause of ``QUIET_S`` between two, whatever got through meanwhile (a
        bucket refills a little between two calls of a client that never stops)."""
        return self._refused.get(sid, (0, 0.0))[0] >= FLOOD

    def forget(self, sid: str) -> None:
        """The socket is gone."""
        self._events.forget(sid)
        self._signals.forget(sid)
        if self._chat is not None:
            self._chat.forget(sid)
        self._refused.pop(sid, None)


class Outbound:
    """Disconnects the sockets of this process that stop reading: what waits to be sent to a
    socket (python-engineio's per-socket queue) may not pass ``limit`` messages nor
    ``limit_bytes`` bytes. Checked as each packet is queued, so the bound holds however fast
    the others send; the packet that would cross it is dropped and the socket closed."""

    def __init__(
        self, sio: socketio.AsyncServer, limit: int, limit_bytes: int, metrics: Metrics
    ) -> None:
        self._sio = sio
        self._limit = limit
        self._limit_bytes = limit_bytes
        self._metrics = metrics
        self._closing: dict[str, asyncio.Task[None]] = {}

    def install(self) -> None:
        """Put the check in front of python-engineio's ``send_packet`` (every packet to a
        client goes through it)."""
        eio = self._sio.eio
        send_packet = eio.send_packet

        async def guarded(sid: str, pkt: Any) -> None:
            if self.admits(sid, pkt):
                await send_packet(sid, pkt)

        eio.send_packet = guarded

    def admits(self, eio_sid: str, pkt: Any) -> bool:
        """Whether ``pkt`` may join what waits for ``eio_sid``; if not, the socket is closed."""
        if eio_sid in self._closing:
            return False
        sock = getattr(self._sio.eio, "sockets", {}).get(eio_sid)
        queue = getattr(sock, "queue", None)
        if queue is None or queue.qsize() == 0:
            return True
        waiting, size = backlog_of(queue)
        size += len(getattr(pkt, "data", "") or "")
        if waiting < self._limit and size <= self._limit_bytes:
            return True
        log.warning(
            "a client stopped reading (%d messages, %d bytes waiting for it): disconnected",
            waiting,
            size,
        )
        self._metrics.slow_consumers.inc()
        task = asyncio.get_running_loop().create_task(self._close(eio_sid))
        self._closing[eio_sid] = task
        return False

    async def _close(self, eio_sid: str) -> None:
        try:
            await self._sio.eio.disconnect(eio_sid)
        finally:
            self._closing.pop(eio_sid, None)

    def backlog(self) -> dict[str, tuple[int, int]]:
        """(messages, bytes) waiting to be sent, per engine.io socket of this process."""
        sockets: dict[str, Any] = getattr(self._sio.eio, "sockets", {})
        out = {}
        for eio_sid, sock in list(sockets.items()):
            queue = getattr(sock, "queue", None)
            if queue is not None:
                out[eio_sid] = backlog_of(queue)
        return out


def backlog_of(queue: asyncio.Queue[Any]) -> tuple[int, int]:
    """(messages, bytes) in one socket's queue: asyncio.Queue keeps its items in a deque."""
    items = getattr(queue, "_queue", ())
    return queue.qsize(), sum(len(getattr(p, "data", "") or "") for p in list(items))
