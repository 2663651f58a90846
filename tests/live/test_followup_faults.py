"""Follow-up moves on a store that fails: a pick or a cancel whose write went through but whose
answer was lost (a store that timed out after writing) is sent again by the page; it is answered
as the first, and its e-mails go (they had not)."""

from __future__ import annotations

import msgspec

from server.core.model import Feedback, FollowUpCancelled, FollowUpPicked
from server.errors import Unavailable
from server.live.owner import Owner
from server.mail.followups import FollowUps
from server.mail.outbox import Outbox
from server.metrics import Metrics
from server.settings import load
from tests.core.states import checked, event, in_break, in_round
from tests.live.faults import T0, FakeClock, Faulty

HOUR = 3_600_000


async def test_a_pick_and_a_cancel_sent_again_after_a_lost_answer() -> None:
    clock = FakeClock(T0)
    store = Faulty()
    await store.open()
    owner = Owner(store, clock, Metrics())
    settings = load(None, env={}, smtp_host="127.0.0.1", smtp_from="sm@example.org")
    outbox = Outbox(settings, owner, clock)
    service = FollowUps(owner, outbox, "http://x", new_token=lambda: "room-tok")
    state = in_break(checked(in_round(event(["c1", "s1"]), [["c1", "s1"]])))
    await store.create(msgspec.structs.replace(state, version=1))
    said = [("c1", "s1"), ("s1", "c1")]
    await owner.append(
        state.id,
        [Feedback(participant=a, room="r1-1", rating=4, peer=b, follow_up=True) for a, b in said],
    )
    start = T0 + 30 * HOUR
    await service.propose(state.id, "c1", "s1", [start], "Europe/Paris")
    assert outbox.pending() == 1  # the proposal, to s1
    store.fail("commit", Unavailable("unavailable", "the store timed out"), after=True)
    try:
        await service.pick(state.id, "s1", "c1", start, "")
    except Unavailable:
        pass
    else:
        raise AssertionError("the fault was not raised")
    assert outbox.pending() == 1  # booked, but nobody heard of it
    booked = await service.pick(state.id, "s1", "c1", start, "")  # the page sends it again
    assert (booked.status, booked.start) == ("booked", start)
    assert outbox.pending() == 3  # the booking's .ics to both, now
    store.fail("commit", Unavailable("unavailable", "the store timed out"), after=True)
    try:
        await service.cancel(state.id, "c1", "s1")
    except Unavailable:
        pass
    cancelled = await service.cancel(state.id, "c1", "s1")
    assert (cancelled.status, cancelled.start) == ("cancelled", start)
    assert outbox.pending() == 5  # its cancellation to both
    log = await store.entries(state.id, "followups")
    assert [type(e) for e in log if isinstance(e, FollowUpPicked | FollowUpCancelled)] == [
        FollowUpPicked,
        FollowUpCancelled,
    ]
    await store.close()
