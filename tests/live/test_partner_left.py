"""A partner who leaves mid-meeting, on the fake clock: the call's connected time is counted
from the pages' reports as time passes, and at the no-show check a partner who came and left
(a laptop closed 40 s into the round) is not a no-show: the other is not told "your partner has
not arrived", and the meeting counts as held, with its connected time.

On main the no-show check saw only who was online at that moment: the partner who had left was
``absent``, the other was left ``alone`` and told so, and the report counted a no-show.
"""

from __future__ import annotations

import msgspec

from server.core.model import EventState
from server.live.calls import CallMeter
from server.results import figures
from tests.core.states import T0, event, in_round
from tests.live.faults import eventually
from tests.live.test_leases import Live, live

__all__ = ["live"]  # the fixture

SIDS = {"c1": "sid-c1", "s1": "sid-s1", "c2": "sid-c2", "s2": "sid-s2"}
NO_SHOW_S = 45  # the event's grace (the settings' default)


def planned(state: EventState) -> EventState:
    """The round as paired at its start (``planned``: what the no-show check measures)."""
    record = state.current()
    assert record is not None
    paired = msgspec.structs.replace(record, planned=tuple(r.members for r in record.rooms))
    return msgspec.structs.replace(state, history=(*state.history[:-1], paired))


async def report(live: Live, meter: CallMeter, pid: str, room: str, peer: str) -> None:
    """``pid``'s page reports its call with ``peer`` up."""
    await meter.reported("ev1", pid, SIDS[pid], room, "connected", [(peer, "connected")])


async def test_a_partner_who_left_after_40_s_was_met_and_the_call_counted(live: Live) -> None:
    state = planned(in_round(event(["c1", "c2", "s1", "s2"]), [["c1", "s1"], ["c2", "s2"]]))
    await live.store.create(state)
    await live.leases.renew()
    for pid, sid in SIDS.items():
        await live.store.connect("ev1", pid, sid, f"tab-{pid}")
    meter = CallMeter(live.store, live.clock)
    # both pages of r1-1 report their call every 5 s for 40 s (and one page of r1-2)
    for second in range(0, 41, 5):
        live.clock.ms = T0 + second * 1000
        await report(live, meter, "c1", "r1-1", "s1")
        await report(live, meter, "s1", "r1-1", "c1")
        await report(live, meter, "c2", "r1-2", "s2")
    counters = await live.store.connected("ev1")
    assert counters[("r1-1", "c1", "s1")] == 40_000  # accumulated on the fake clock
    assert counters[("r1-1", "s1", "c1")] == 40_000
    # s1 closes the laptop at 40 s: their socket goes (the presence sweep, or its close)
    await live.store.disconnect("ev1", "s1", SIDS["s1"], "tab-s1")
    # c1 stays, alone, until the no-show check
    live.clock.ms = T0 + NO_SHOW_S * 1000
    live.conductor.poke()
    checked = await eventually(lambda: _checked(live))
    record = checked.current()
    assert record is not None
    assert record.absent == ()  # s1 came: no no-show
    assert record.alone == ()  # c1 is not told "your partner has not arrived"
    assert [r.members for r in record.rooms] == [("c1", "s1"), ("c2", "s2")]  # nobody moved
    # the round ends: the meeting of c1 and s1 was held, 40 s of call
    live.clock.ms = T0 + 300_000
    live.conductor.poke()
    ended = await eventually(lambda: _in_break(live))
    feedback = await live.store.entries("ev1", "feedback")
    counters = await live.store.connected("ev1")
    met = {(m.a, m.b): m for m in figures.meetings(ended, feedback, counters, missed=True)}
    assert met[("c1", "s1")].took_place and met[("c1", "s1")].connected_ms == 40_000
    totals = figures.report(ended, feedback, counters)["totals"]
    assert totals["held"] == 2  # and r1-2's, though only c2's page reported it
    assert totals["no_shows"] == 0


async def _checked(live: Live) -> EventState | None:
    state = await live.store.load("ev1")
    record = state.current() if state is not None else None
    return state if record is not None and record.no_shows_checked else None


async def _in_break(live: Live) -> EventState | None:
    state = await live.store.load("ev1")
    return state if state is not None and state.clock.phase.value == "break" else None
