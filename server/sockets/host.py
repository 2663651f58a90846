"""``/host``: the commands that run the event: the clock, notices, moves, re-pairing, new links."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from ..core import rounds, staff
from ..core.clock import ClockCommand
from ..live.owner import ONLINE, PLAN, Owner
from ..metrics import Metrics
from ..people import links
from .inputs import (
    Empty,
    Extend,
    Move,
    Notice,
    Reissue,
    Rejoin,
)
from .quotas import SocketLimits
from .role import acked
from .staff import Staff

log = logging.getLogger(__name__)


def _clock_command(command: ClockCommand) -> Callable[..., Awaitable[dict[str, Any]]]:
    async def handler(self: HostNamespace, sid: str, body: Empty) -> dict[str, Any]:
        return await self.clock(sid, command)

    handler.__name__ = f"on_{command.value}"
    handler.__doc__ = f"``{command.value}``: move the clock."
    return acked(Empty)(handler)


class HostNamespace(Staff):
    """``/host``: the commands that run the event."""

    role = "host"

    def __init__(
        self,
        owner: Owner,
        metrics: Metrics,
        limits: SocketLimits,
        base_url: str,
        new_token: Callable[[], str],
    ) -> None:
        super().__init__(owner, metrics, limits)
        self.base_url = base_url
        self.new_token = new_token

    async def clock(self, sid: str, command: ClockCommand, seconds: int = 0) -> dict[str, Any]:
        """Apply a clock command and answer with the new clock."""
        outcome = await self.owner.apply(
            self.ref(sid).event_id,
            lambda s, c: rounds.move_clock(s, command, c.now, c.online, "host", seconds, c.plan),
            needs=(ONLINE, PLAN),
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
        await self.owner.apply(
            self.ref(sid).event_id, lambda s, c: staff.notice(s, body.text, c.now, "host")
        )
        return {}

    @acked(Move)
    async def on_move(self, sid: str, body: Move) -> dict[str, Any]:
        """Place one participant in a room (or the waiting list) by hand."""
        outcome = await self.owner.apply(
            self.ref(sid).event_id,
            lambda s, c: rounds.move(
                s, body.participant, body.room, c.now, "host", c.online, body.trio
            ),
            needs=(ONLINE,),
        )
        return outcome.result

    @acked(Reissue)
    async def on_reissue(self, sid: str, body: Reissue) -> dict[str, Any]:
        """A new link for someone (the old one stops working at once): ``{url}``."""
        event_id, token = self.ref(sid).event_id, self.new_token()
        await self.owner.apply(
            event_id,
            lambda s, c: links.reissue(s, {body.who: token}, c.now, "host", "reissue_link"),
        )
        return {"who": body.who, "url": self.base_url + links.path(event_id, body.who, token)}

    @acked(Rejoin)
    async def on_rejoin(self, sid: str, body: Rejoin) -> dict[str, Any]:
        """Undo someone's "I have to leave": paired again (at once if someone is free)."""
        outcome = await self.owner.apply(
            self.ref(sid).event_id,
            lambda s, c: rounds.rejoin(s, body.participant, c.online, c.now, "host"),
            needs=(ONLINE,),
        )
        return outcome.result

    @acked(Empty)
    async def on_repair(self, sid: str, body: Empty) -> dict[str, Any]:
        """Pair the people left alone this round."""
        outcome = await self.owner.apply(
            self.ref(sid).event_id,
            lambda s, c: rounds.repair(s, c.online, c.now, "host"),
            needs=(ONLINE,),
        )
        return outcome.result
