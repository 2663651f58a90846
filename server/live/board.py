"""The staff boards and everyone's next-partner card, computed once per event by the process that
holds its lease and published on the feed: the board at most once per ``board_interval_ms``, as
its changes (``rooms_delta``, see ``deltas``) or whole (``rooms``: the first after taking the
event or a lost feed, a new round), and kept in the store for late staff and gaps; the
cards (a whole pairing of everyone present) at once when a break or the lobby begins, then, while
people come and go, at most every few intervals. The pairing made for the cards is kept: the
round that starts with the same state and people uses it instead of pairing again."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Any

from .. import rooms
from ..core import deltas, logs, matching, overview
from ..core.model import DEFAULT_RULES, Entry, EventState, HelpRequest, MediaRules, Phase
from ..core.outcome import STAFF, Message, to_participant
from ..core.payloads import preview_payloads
from ..store import Note
from .owner import Owner, guarded

log = logging.getLogger(__name__)

OWN = frozenset({"rooms", "rooms_delta", "next"})  # what the board itself publishes
PREVIEW_EVERY = 3  # board intervals between two pairings for the cards, as people come and go
# A holder's boards are numbered from its lease's fencing version times this: a new holder's
# run is above every number of the one before (a client's delta chain never mixes the two).
RUN = 1_000_000


@dataclass
class _Watch:
    """What the board keeps of one event it holds."""

    dirty: bool = True
    board: dict[str, Any] | None = None  # the last board sent: the base of the next delta
    sent: dict[str, dict[str, Any]] = field(default_factory=dict)  # the last `next` of each
    help_log: list[Entry] = field(default_factory=list)  # read incrementally
    previewed: tuple[int, frozenset[str]] | None = None  # (version, online) of the last cards
    stage: tuple[str, int] | None = None  # (phase, round) of the last cards
    preview_at: float = 0.0  # loop time of the last pairing for the cards
    preview_owed: bool = False  # the cards are out of date and wait for their turn


class Board:
    """Pushes ``rooms`` to the staff and ``next`` to the participants of the events it holds."""

    def __init__(self, owner: Owner, interval_ms: int, rules: MediaRules = DEFAULT_RULES) -> None:
        self._owner = owner
        self._interval = interval_ms / 1000
        self._rules = rules
        self._watched: dict[str, _Watch] = {}
        self._numbers: dict[str, int] = {}  # event → the number of the last board sent

    async def gained(self, event_id: str, fence: int) -> None:
        """Start pushing the event's board, whole first (every preview goes out again)."""
        self._watched[event_id] = _Watch()
        self._numbers[event_id] = fence * RUN

    def lost(self, event_id: str) -> None:
        """Another process pushes it now."""
        self._watched.pop(event_id, None)
        self._numbers.pop(event_id, None)

    async def ended(self, event_id: str) -> None:
        """The event ended: its last board goes out whole (nobody in a room any more), even
        when the lease is let go before the next interval; then the event is forgotten."""
        watch = self._watched.get(event_id)
        if watch is not None:
            watch.board = None
            await self.push(event_id, watch)
        self.lost(event_id)

    async def on_note(self, note: Note) -> None:
        """The event changed: push at the next interval."""
        watch = self._watched.get(note.event_id)
        # anything but the board's own pushes (help asked or resolved, a notice) may show on it
        if watch is not None and (note.changed or any(m.event not in OWN for m in note.messages)):
            watch.dirty = True

    async def on_link(self, up: bool) -> None:
        """Notes may have been missed: push everything again."""
        for event_id in self._watched:
            self._watched[event_id] = _Watch()

    async def run(self) -> None:
        """Push until cancelled."""
        while True:
            for event_id, watch in list(self._watched.items()):
                await guarded(f"board of {event_id}", lambda e=event_id, w=watch: self._maybe(e, w))  # type: ignore[misc]
            await asyncio.sleep(self._interval)

    async def _maybe(self, event_id: str, watch: _Watch) -> None:
        touched = await self._owner.store.take_touched(event_id)
        owed = watch.preview_owed and self._since(watch) >= PREVIEW_EVERY * self._interval
        if watch.dirty or touched or owed:
            watch.dirty = False  # a change heard while this push runs makes it dirty again
            try:
                await self.push(event_id, watch)
            except BaseException:
                watch.dirty = True  # not pushed (the store is away): again at the next interval
                raise

    def _since(self, watch: _Watch) -> float:
        return asyncio.get_running_loop().time() - watch.preview_at

    async def open_help(self, event_id: str, watch: _Watch) -> list[HelpRequest]:
        """Open help requests, reading only the entries added since last time."""
        watch.help_log += await self._owner.store.entries(event_id, "help", len(watch.help_log))
        return logs.open_help(watch.help_log)

    async def push(self, event_id: str, watch: _Watch) -> None:
        """Send the board to the staff and refresh the previews of the next round."""
        store = self._owner.store
        state = await store.load(event_id)
        if state is None:
            return
        online = await store.online(event_id)
        stats = await store.stats(event_id)
        pages = {
            pid: overview.PageView(tabs=p.tabs, switched_at=p.switched_at)
            for pid, p in (await store.pages(event_id)).items()
        }
        helped = await self.open_help(event_id, watch)
        now = self._owner.now()
        payload = await self._owner.pools.work(
            overview.board_payload, state, online, stats, helped, now, self._rules, pages
        )
        messages = await self._board(event_id, watch, payload)
        waiting = _waiting_for_a_round(state, online, payload["waiting"])
        if state.clock.phase not in (Phase.LOBBY, Phase.BREAK) and not waiting:
            # cards are for the lobby and breaks, and for who waits during a round
            watch.preview_owed = False
        elif self._preview_due(state, online, watch):
            messages += await self._previews(state, online, watch, waiting)
        await self._owner.publish(state, messages)

    async def _board(self, event_id: str, watch: _Watch, payload: dict[str, Any]) -> list[Message]:
        """What the staff are sent of a new board: nothing when it shows what the last did, its
        changes when they are fewer than half of it, else the whole board. The whole board is
        kept in the store first (a late or lost client asks for it)."""
        base = watch.board
        delta = None if base is None else deltas.diff(base, payload)
        if base is not None and delta is None:
            if base["seq"] != payload["seq"]:  # the same board, of a later version: say so
                number = self._numbers.get(event_id, 0)
                await self._owner.store.put_board(event_id, {**payload, "board_seq": number})
                watch.board = payload
            return []
        number = self._numbers.get(event_id, 0) + 1
        self._numbers[event_id] = number
        whole = {**payload, "board_seq": number}
        await self._owner.store.put_board(event_id, whole)
        watch.board = payload
        if delta is None or not deltas.worth_sending(delta, payload):
            return [Message(STAFF, "rooms", whole)]
        head = {"seq": payload["seq"], "board_seq": number, "base_seq": number - 1}
        return [Message(STAFF, "rooms_delta", {**head, **delta})]

    def _preview_due(self, state: EventState, online: frozenset[str], watch: _Watch) -> bool:
        inputs = (state.version, online)
        if watch.previewed == inputs:
            watch.preview_owed = False
            return False
        stage = (state.clock.phase.value, state.clock.round)
        if watch.stage == stage and self._since(watch) < PREVIEW_EVERY * self._interval:
            watch.preview_owed = True  # its turn comes in a few intervals
            return False
        watch.previewed, watch.stage, watch.preview_owed = inputs, stage, False
        watch.preview_at = asyncio.get_running_loop().time()
        return True

    async def _previews(
        self,
        state: EventState,
        online: frozenset[str],
        watch: _Watch,
        only: frozenset[str] = frozenset(),
    ) -> list[Message]:
        """Everyone's card for the next round (``only`` them, when given: who waits during a
        round; the others get theirs in the break)."""
        left = state.settings.rounds - state.clock.round
        plan = await self._owner.pools.work(
            lambda: matching.pair_round(rooms.match_input(state, online, left))
        )
        store = self._owner.store
        current = await store.load(state.id)
        if current is None or current.version != state.version:
            return []  # the event moved on while pairing (a round started): cards of the past
        # the round that starts with this very state and these people is paired already
        await store.put_plan(state.id, rooms.plan_key(state, online), plan)
        payloads = preview_payloads(state, plan)
        nobody = {"round": state.clock.round + 1, "peers": [], "reason": None}
        changed: dict[str, dict[str, Any]] = {}
        for pid in only or online:
            payload = payloads.get(pid, nobody)  # nobody: e.g. someone who stopped
            if watch.sent.get(pid) != payload:
                watch.sent[pid] = payload
                changed[pid] = {**payload, "seq": state.version}
        if changed:
            await self._owner.store.put_previews(state.id, dict(changed))
        return [Message(to_participant(pid), "next", p) for pid, p in changed.items()]


def _waiting_for_a_round(
    state: EventState, online: frozenset[str], waiting: list[dict[str, Any]]
) -> frozenset[str]:
    """During a round that another follows, who waits online (and gets a card for it)."""
    c = state.clock
    if c.phase is not Phase.ROUND or c.round >= c.rounds:
        return frozenset()
    return frozenset(w["id"] for w in waiting if w["id"] in online)
