"""Presence per process: a heartbeat, and a sweep of the sockets of processes that died.

A participant is online while a socket of theirs is on a live process. When a process stops
beating (crash, kill -9, a lost machine), the next sweep of any other process forgets its sockets
within ``presence_timeout``: the others of their rooms are told, the boards and the no-show
check see them gone.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Protocol

from ..core.model import EventState
from ..core.staff import leave_room
from .owner import Owner, guarded

log = logging.getLogger(__name__)


class Sockets(Protocol):
    """This process's participant sockets (the ``/participant`` namespace)."""

    async def present_again(self) -> None:
        """Record every participant socket of this process again."""

    async def announce(self, state: EventState, pid: str, online: bool) -> None:
        """Tell the others of ``pid``'s room that they came or went."""


class Presence:
    """The heartbeat loop of this process."""

    def __init__(self, owner: Owner, timeout_s: float, participants: Sockets) -> None:
        self._owner = owner
        self._store = owner.store
        self._timeout = timeout_s
        self._interval = timeout_s / 4
        self._participants = participants
        self._beating_since: float | None = None

    async def run(self) -> None:
        """Beat and sweep until cancelled."""
        while True:
            await guarded("presence", self.beat)
            await asyncio.sleep(self._interval)

    async def beat(self) -> None:
        """One heartbeat, then forget the dead processes' sockets.

        Only after beating without a miss for a whole timeout: when the store comes back after
        an outage every process missed its beats, and each must get the time to beat again.
        """
        now = time.monotonic()
        try:
            alive = await self._store.heartbeat()
        except Exception:
            self._beating_since = None
            raise
        if self._beating_since is None:
            self._beating_since = now
        if not alive:
            log.warning("this process had been given up for dead: recording its sockets again")
            await self._participants.present_again()
        if now - self._beating_since < self._timeout:
            return
        swept = await self._store.sweep()
        for event_id, pid in swept.people:
            state = await self._store.load(event_id)
            if state is not None:
                await self._participants.announce(state, pid, online=False)
        for event_id, staff_id in swept.staff:  # a moderator's call left by a dead process
            await guarded(
                f"the call of a staff page gone in {event_id}",
                lambda e=event_id, s=staff_id: self._owner.apply(  # type: ignore[misc]
                    e, lambda state, c: leave_room(state, s, c.now)
                ),
            )
