"""What the host and moderator pages share: the board on connect, help requests, writing to a
room or a person; each socket is one staff page with a label of its own."""

from __future__ import annotations

import logging
import secrets
from typing import Any

import msgspec

from ..core import event, help, logs, overview, payloads
from ..core.model import DEFAULT_RULES, EventState, MediaRules, StaffRole, TokenRef
from ..core.model import Staff as StaffPage
from ..core.staff import write
from ..errors import SpeedmeetError
from ..live.owner import Owner
from ..live.targets import staff_room
from ..metrics import Metrics
from .inputs import (
    ClaimHelp,
    Empty,
    Label,
    ResolveHelp,
    Write,
)
from .quotas import SocketLimits
from .role import Role, acked

log = logging.getLogger(__name__)


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
        staff_id = f"{role[0]}-{secrets.token_hex(6)}"
        number = 0
        if role == "moderator":  # the lowest number no moderator page of the event holds
            number = await self.owner.store.staff_join(ref.event_id, staff_id)
        self.staff[sid] = StaffPage(id=staff_id, role=role, number=number)

    async def arrive(self, sid: str, ref: TokenRef) -> None:
        """Hear what is meant for this page alone (the calls it joins)."""
        staff = self.staff.get(sid)
        if staff is not None:
            await self.enter_room(sid, staff_room(ref.event_id, staff.id))

    async def on_disconnect(self, sid: str, reason: Any = None) -> None:
        """Forget the socket and its label (a moderator's number is free again)."""
        ref = self.who.get(sid)
        await super().on_disconnect(sid, reason)
        staff = self.staff.pop(sid, None)
        if ref is not None and staff is not None and staff.number:
            try:
                await self.owner.store.staff_leave(ref.event_id, staff.id)
            except SpeedmeetError as exc:  # swept with this process if it is lost
                log.warning("a moderator page's number was not freed: %s", exc.message)

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
        now = self.owner.now()
        return await self.owner.pools.work(
            overview.board_payload, state, online, stats, helped, now, self.rules
        )

    async def welcome(self, sid: str, ref: TokenRef, state: EventState) -> None:
        """Send the clock and the whole board, as of this version of the event (or later), and
        the page's own label (``me``)."""
        clock = payloads.clock_payload(state, self.owner.now())
        await self.tell(sid, "clock", clock)
        board = await self.whole_board(state.id, state)
        snapshot = {**board, "clock": clock, "event": event.event_payload(state)}
        staff = self.staff.get(sid)
        if staff is not None:
            snapshot["me"] = payloads.staff_payload(staff)
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
        return {"me": payloads.staff_payload(staff)}

    async def relabelled(self, sid: str, staff: StaffPage) -> None:
        """The page's label changed (a moderator in a call tells its members)."""

    @acked(ClaimHelp)
    async def on_claim_help(self, sid: str, body: ClaimHelp) -> dict[str, Any]:
        """Take a participant's help request: the other staff see who, the participant that
        someone is coming."""
        by = self.me(sid)
        await self.owner.apply(
            self.ref(sid).event_id,
            lambda s, c: help.claim_help(
                s, c.logs["help"], body.participant, c.now, by, body.take_over
            ),
            needs=("help",),
        )
        return {"by": payloads.staff_payload(by)}

    @acked(ResolveHelp)
    async def on_resolve_help(self, sid: str, body: ResolveHelp) -> dict[str, Any]:
        """Mark a participant's help request as dealt with."""
        actor, by = self.role, self.me(sid)
        await self.owner.apply(
            self.ref(sid).event_id,
            lambda s, c: help.resolve_help(s, c.logs["help"], body.participant, c.now, actor, by),
            needs=("help",),
        )
        return {}

    @acked(Write)
    async def on_message(self, sid: str, body: Write) -> dict[str, Any]:
        """Write to the members of one room of this round, or to one participant."""
        by = self.me(sid)
        outcome = await self.owner.apply(
            self.ref(sid).event_id,
            lambda s, c: write(s, body.text, c.now, by, body.room, body.participant),
        )
        return outcome.result
