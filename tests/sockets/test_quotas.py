"""What one socket may ask: token buckets, and the rule that disconnects a client that keeps
sending while refused — on a fake clock."""

from __future__ import annotations

import pytest

from server.limits import Rate, RateLimited
from server.metrics import Metrics
from server.sockets.quotas import FLOOD, QUIET_S, SocketLimits


class Clock:
    def __init__(self) -> None:
        self.s = 1000.0

    def __call__(self) -> float:
        return self.s


def limits(clock: Clock) -> SocketLimits:
    return SocketLimits(
        Rate(5, 10, clock=clock), Rate(60, 300, clock=clock), 20, Metrics(), clock=clock
    )


def test_a_burst_then_the_rate() -> None:
    clock = Clock()
    q = limits(clock)
    for _ in range(10):
        q.check("s1", "stats", "p1")
    with pytest.raises(RateLimited):
        q.check("s1", "stats", "p1")
    clock.s += 0.2  # one token back at 5 a second
    q.check("s1", "stats", "p1")


def test_a_client_that_never_stops_is_flooding_even_when_some_calls_get_through() -> None:
    clock = Clock()
    q = limits(clock)
    accepted = refused = 0
    while not q.flooding("s1"):
        clock.s += 0.02  # 50 calls a second against 5 allowed: one in ten gets through
        try:
            q.check("s1", "stats", "p1")
            accepted += 1
        except RateLimited:
            refused += 1
        assert refused <= FLOOD
    assert refused == FLOOD and accepted > 10


def test_a_pause_starts_the_count_again() -> None:
    clock = Clock()
    q = limits(clock)
    for _ in range(10):
        q.check("s1", "stats", "p1")
    for _ in range(FLOOD - 1):
        with pytest.raises(RateLimited):
            q.check("s1", "stats", "p1")
    clock.s += QUIET_S + 0.1  # the client waited; its bucket is full again
    for _ in range(10):
        q.check("s1", "stats", "p1")
    with pytest.raises(RateLimited):
        q.check("s1", "stats", "p1")
    assert not q.flooding("s1")
    q.forget("s1")
    assert not q.flooding("s1")


def test_a_person_s_budget_is_theirs_in_their_event_only() -> None:
    """Help and chat are limited per person: ``p1`` of one event is not ``p1`` of another (on
    main they shared one budget)."""
    clock = Clock()
    q = SocketLimits(
        Rate(5, 10, clock=clock),
        Rate(60, 300, clock=clock),
        20,
        Metrics(),
        chat=Rate(1, 1, clock=clock),
        clock=clock,
    )
    q.check("s1", "help", ("event-a", "p1"))
    q.check("s2", "help", ("event-b", "p1"))  # another person
    with pytest.raises(RateLimited):
        q.check("s3", "help", ("event-a", "p1"))  # the same person, from another tab
    q.check("s1", "chat", ("event-a", "p1"))
    q.check("s2", "chat", ("event-b", "p1"))
    with pytest.raises(RateLimited):
        q.check("s3", "chat", ("event-a", "p1"))


def test_a_persons_sockets_share_one_budget_of_edits_and_of_reports() -> None:
    clock = Clock()
    q = SocketLimits(
        Rate(100, 100, clock=clock),
        Rate(60, 300, clock=clock),
        20,
        Metrics(),
        clock=clock,
        edits=Rate(1, 3, clock=clock),
        reports=Rate(1, 2, clock=clock),
    )
    me, other = ("ev", "p1"), ("ev", "p2")
    for sid, event in (("s1", "profile"), ("s2", "wish"), ("s3", "feedback")):
        q.check(sid, event, me)  # three sockets, one budget
    with pytest.raises(RateLimited):
        q.check("s4", "take", me)
    q.check("s4", "time", me)  # what writes nothing is each socket's own
    q.check("s5", "profile", other)  # someone else's budget is theirs
    q.check("s1", "stats", me)
    q.check("s2", "stats", me)
    with pytest.raises(RateLimited):
        q.check("s3", "stats", me)
    clock.s += 1.0  # one token back for each
    q.check("s3", "stats", me)
    q.check("s4", "stop", me)
