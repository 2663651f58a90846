"""The conductor on its own: a deadline whose note was lost is armed again by the periodic
check, and a failing deadline is retried, never dropped."""

from __future__ import annotations

from server.core.clock import ClockCommand
from server.core.model import Phase
from server.core.rounds import move_clock
from server.store import Note
from tests.core.states import ROUND_S, T0
from tests.live.faults import eventually
from tests.live.test_leases import Live, in_a_round, live, phase

__all__ = ["live"]  # the fixture


class Deaf:
    """A subscriber that hears nothing: the notes published meanwhile are lost to this process."""

    async def on_note(self, note: Note) -> None:
        pass

    async def on_link(self, up: bool) -> None:
        pass


async def clock_command(live: Live, event_id: str, command: ClockCommand) -> None:
    await live.owner.apply(
        event_id, lambda s, c: move_clock(s, command, c.now, c.online, "host", 0)
    )


async def test_a_deadline_whose_note_was_lost_is_armed_again_by_the_check(live: Live) -> None:
    event_id = await in_a_round(live)
    await clock_command(live, event_id, ClockCommand.PAUSE)  # heard: no deadline to arm
    live.store.subscribe(Deaf())
    await clock_command(live, event_id, ClockCommand.RESUME)  # not heard
    live.store.subscribe(live.conductor)
    live.clock.ms = T0 + ROUND_S * 1000 + 5_000
    live.conductor.poke()
    assert await phase(live, event_id) is Phase.ROUND  # nothing armed the resumed deadline
    await live.conductor.check()
    await eventually(lambda: _in_break(live, event_id))


async def test_a_deadline_that_fails_is_tried_again(live: Live) -> None:
    event_id = await in_a_round(live)
    live.store.fail("commit", OSError("the disk is away"), times=2)
    live.clock.ms = T0 + ROUND_S * 1000
    live.conductor.poke()

    async def later() -> bool:  # each retry is due a little later (500 ms, then 1 s)
        live.clock.ms += 250
        live.conductor.poke()
        return await _in_break(live, event_id)

    await eventually(later)
    assert live.store.calls["commit"] == 3


async def _in_break(live: Live, event_id: str) -> bool:
    return await phase(live, event_id) is Phase.BREAK
