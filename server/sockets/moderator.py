"""``/moderator``: watch every room, step into one's call (a third video), write to its members."""

from __future__ import annotations

import logging
from typing import Any

from ..core import clock as clk
from ..core import logs, overview, payloads
from ..core.model import EventState
from ..core.model import Staff as StaffPage
from ..core.staff import join_room, leave_room
from ..live.chat import Chat
from ..live.owner import Owner
from ..metrics import Metrics
from ..signaling import Signaling
from .inputs import (
    ChatText,
    Empty,
    JoinRoom,
    Signal,
)
from .quotas import SocketLimits
from .role import acked
from .staff import Staff

log = logging.getLogger(__name__)


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
            self.ref(sid).event_id, lambda s, c: join_room(s, body.room, by, c.now)
        )
        self.visiting[sid] = body.room
        room = await self.board_room(outcome.state, body.room)
        state = outcome.state
        left = clk.remaining(state.clock, self.owner.now()) or 0  # the call lasts the round
        policy = state.settings.ice_transport_policy
        call = self.signaling.staff_call(outcome.result["peers"], by.id, policy, left)
        return {"room": room, "staff": payloads.staff_payload(by), **call}

    async def board_room(self, state: EventState, room_id: str) -> dict[str, Any] | None:
        """One room as the board shows it."""
        store = self.owner.store
        online = await store.online(state.id)
        stats = await store.stats(state.id)
        helped = logs.open_help(await store.entries(state.id, "help"))
        board = overview.board_payload(state, online, stats, helped, self.owner.now(), self.rules)
        return next((r for r in board["rooms"] if r["id"] == room_id), None)

    @acked(Empty)
    async def on_leave_room(self, sid: str, body: Empty) -> dict[str, Any]:
        """Leave the room's call this page joined (its members are told)."""
        return await self.leave(sid)

    async def leave(self, sid: str) -> dict[str, Any]:
        """Take this page out of the call it joined, if any: ``{room}`` it left."""
        self.visiting.pop(sid, None)
        staff_id, event_id = self.me(sid).id, self.ref(sid).event_id
        outcome = await self.owner.apply(event_id, lambda s, c: leave_room(s, staff_id, c.now))
        return outcome.result

    async def relabelled(self, sid: str, staff: StaffPage) -> None:
        """A moderator in a call: its members see the new name on the tile."""
        room = self.visiting.get(sid)
        if room is not None:
            await self.owner.apply(
                self.ref(sid).event_id, lambda s, c: join_room(s, room, staff, c.now)
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
        return await self.chat.send(event_id, me.id, body.room, text, payloads.staff_payload(me))

    async def on_disconnect(self, sid: str, reason: Any = None) -> None:
        """A page that goes leaves the call it was in (it joins again when it is back)."""
        if sid in self.visiting and sid in self.who:
            try:
                await self.leave(sid)
            except Exception as exc:  # the top of this handler: log, and forget the socket anyway
                log.warning("a moderator's leaving a call was not recorded: %r", exc)
        self.visiting.pop(sid, None)
        await super().on_disconnect(sid, reason)
