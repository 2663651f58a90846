"""The records a process keeps in memory between two reads of them (the Redis store's cache),
bounded by their size: the least recently used go first."""

from __future__ import annotations

from collections import OrderedDict

from ..core.model import EventState

PARTS = 100_000  # about 17 MB: a record costs some 170 bytes a part (a person, a room, a wish)


def weight(state: EventState) -> int:
    """What keeping ``state`` costs, in parts: its people, wishes and rooms, and one."""
    return (
        1 + len(state.participants) + len(state.wishes) + sum(len(r.rooms) for r in state.history)
    )


class Records:
    """At most ``parts`` parts of records, by event id (one version each)."""

    def __init__(self, parts: int = PARTS) -> None:
        self._bound = parts
        self._kept: OrderedDict[str, tuple[EventState, int]] = OrderedDict()
        self.parts = 0

    def get(self, event_id: str) -> EventState | None:
        """The record kept of an event, now the most recently used."""
        found = self._kept.get(event_id)
        if found is None:
            return None
        self._kept.move_to_end(event_id)
        return found[0]

    def put(self, state: EventState) -> None:
        """Keep ``state`` as its event's record (a record bigger than the bound is not kept)."""
        self.drop(state.id)
        size = weight(state)
        if size > self._bound:
            return
        self._kept[state.id] = (state, size)
        self.parts += size
        while self.parts > self._bound:
            _, (_, gone) = self._kept.popitem(last=False)
            self.parts -= gone

    def drop(self, event_id: str) -> None:
        """Forget the record of an event (nothing happens if none is kept)."""
        found = self._kept.pop(event_id, None)
        if found is not None:
            self.parts -= found[1]

    def clear(self) -> None:
        """Forget every record (anything may have changed)."""
        self._kept.clear()
        self.parts = 0

    def __len__(self) -> int:
        return len(self._kept)
