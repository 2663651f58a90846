"""How long each call was connected, counted as this process's sockets report their calls.

Each page reports its room's connections every few seconds (``stats``); the time between two
reports of one socket counts for every connection up in both (``meter``). The last report of
each socket is kept here, on the process that holds the socket: crediting loads nothing, and
the store only adds to its counters. The time comes from the owner's clock (a test's fake one).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from ..results import meter
from ..store import Store


class CallMeter:
    """Credits connected call time from each socket's link reports."""

    def __init__(self, store: Store, now: Callable[[], int]) -> None:
        self._store = store
        self._now = now
        self._readings: dict[str, meter.Reading] = {}  # each socket's last link report

    async def reported(
        self,
        event_id: str,
        pid: str,
        sid: str,
        room: str | None,
        ice: str,
        peers: Iterable[tuple[str, str]],
    ) -> None:
        """A socket's report of its calls: ``peers`` the ``(id, state)`` of each connection."""
        # read and replace the socket's last report with no await between: one client's events
        # may run concurrently, and an interval must be counted once
        reading = meter.reading(room, ice, peers, self._now())
        credits = meter.credit(self._readings.get(sid), reading, pid)
        if reading is None:
            self._readings.pop(sid, None)
        else:
            self._readings[sid] = reading
        if credits:
            await self._store.add_connected(event_id, credits)

    def forget(self, sid: str) -> None:
        """The socket closed, or its page left the call: nothing more to count of it."""
        self._readings.pop(sid, None)
