"""Keeps the host and moderator boards, and each participant's "next partner" card, up to date."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import socketio

from . import engine, matching, rooms, views
from .model import EventState, Phase
from .service import Events, guarded
from .sockets import event_room, person_room

log = logging.getLogger(__name__)


class Board:
    """Collects changes and pushes at most one ``rooms`` update per event per interval.

    Presence and link stats change often; the boards only need to be fresh to a second.
    """

    def __init__(self, events: Events, sio: socketio.AsyncServer, interval_ms: int) -> None:
        self._events = events
        self._sio = sio
        self._interval = interval_ms / 1000
        self._dirty: set[str] = set()
        self._wake = asyncio.Event()
        self._previews: dict[str, dict[str, Any]] = {}

    def changed(self, state: EventState) -> None:
        """The event changed: mark it for the next push."""
        self.touched(state.id)

    def touched(self, event_id: str) -> None:
        """Presence or link stats changed: mark the event for the next push."""
        self._dirty.add(event_id)
        self._wake.set()

    async def run(self) -> None:
        """Push updates until cancelled."""
        while True:
            await self._wake.wait()
            self._wake.clear()
            dirty, self._dirty = self._dirty, set()
            for event_id in dirty:
                await guarded(f"board of {event_id}", lambda e=event_id: self.push(e))  # type: ignore[misc]
            await asyncio.sleep(self._interval)  # at most one push per interval

    async def push(self, event_id: str) -> None:
        """Send the board to the staff and refresh the previews of the next round."""
        state = await self._events.store.load(event_id)
        if state is None:
            return
        online = await self._events.store.online(event_id)
        stats = await self._events.store.stats(event_id)
        payload = views.board_payload(state, online, stats, self._events.now())
        for ns in ("/host", "/moderator"):
            await self._sio.emit("rooms", payload, room=event_room(event_id), namespace=ns)
        if state.clock.phase in (Phase.LOBBY, Phase.BREAK):
            await self._preview(state, online)

    async def _preview(self, state: EventState, online: frozenset[str]) -> None:
        loop = asyncio.get_running_loop()
        left = state.settings.rounds - state.clock.round
        plan = await loop.run_in_executor(
            None, lambda: matching.pair_round(rooms.match_input(state, online, left))
        )
        sent = self._previews.setdefault(state.id, {})
        payloads = engine.preview_payloads(state, plan)
        nobody = {"round": state.clock.round + 1, "peers": [], "reason": None}
        for pid in online:
            payload = payloads.get(pid, nobody)  # e.g. someone who asked to stop
            if sent.get(pid) != payload:
                sent[pid] = payload
                await self._sio.emit(
                    "next", payload, room=person_room(state.id, pid), namespace="/participant"
                )

    def forget(self, event_id: str, pid: str) -> None:
        """A participant (re)connected: their ``next`` card goes out again on the next push."""
        self._previews.get(event_id, {}).pop(pid, None)
