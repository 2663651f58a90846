"""The follow-up rules: a pair's log adds up to where its follow-up stands; commands refused with
a reason a person can act on."""

from __future__ import annotations

import pytest

from server.core import followups as fu
from server.core.model import FollowUpCall, FollowUpPicked, FollowUpReminded

HOUR = 3_600_000
NOW = 1_800_000_000_000
PAIR = fu.pair_key("p2", "p1")


def test_a_pair_is_the_same_either_way_round() -> None:
    assert PAIR == fu.pair_key("p1", "p2") == "p1~p2"
    assert fu.members(PAIR) == ("p1", "p2")
    assert fu.other(PAIR, "p1") == "p2" and fu.other(PAIR, "p2") == "p1"
    with pytest.raises(ValueError):
        fu.pair_key("p1", "p1")


def test_propose_pick_then_the_call_and_the_reminder_count() -> None:
    times = (NOW + 50 * HOUR, NOW + 26 * HOUR, NOW + 26 * HOUR)
    proposed = fu.propose(PAIR, "p1", times, NOW, tz="Europe/Paris")
    assert proposed.times == (NOW + 26 * HOUR, NOW + 50 * HOUR)  # sorted, once each
    log: list = [proposed]
    current = fu.fold(log)[PAIR]
    assert (current.status, current.by, current.tz) == ("proposed", "p1", {"p1": "Europe/Paris"})
    picked = fu.pick(current, "p2", NOW + 26 * HOUR, NOW + HOUR, tz="America/Montreal")
    log.append(picked)
    booked = fu.fold(log)[PAIR]
    assert (booked.status, booked.start, booked.proposer, booked.by) == (
        "booked", NOW + 26 * HOUR, "p1", "p2",
    )  # fmt: skip
    assert booked.tz == {"p1": "Europe/Paris", "p2": "America/Montreal"}
    assert not booked.held
    log += [
        FollowUpReminded(pair=PAIR, start=NOW + 26 * HOUR, at=NOW + 2 * HOUR),
        FollowUpCall(pair=PAIR, start=NOW + 26 * HOUR, connected_ms=60_000, at=NOW + 26 * HOUR),
        FollowUpCall(pair=PAIR, start=NOW + 26 * HOUR, connected_ms=90_000, at=NOW + 27 * HOUR),
    ]
    done = fu.fold(log)[PAIR]
    assert done.held and done.connected_ms == 150_000 and done.reminded


def test_new_times_replace_a_booking_and_its_call_time() -> None:
    first = fu.propose(PAIR, "p1", [NOW + 30 * HOUR], NOW)
    log: list = [first, fu.pick(fu.fold([first])[PAIR], "p2", NOW + 30 * HOUR, NOW)]
    log.append(FollowUpCall(pair=PAIR, start=NOW + 30 * HOUR, connected_ms=5_000, at=NOW))
    log.append(fu.propose(PAIR, "p2", [NOW + 40 * HOUR, NOW + 41 * HOUR], NOW + HOUR))
    current = fu.fold(log)[PAIR]
    assert (current.status, current.by, current.start, current.connected_ms) == (
        "proposed", "p2", None, 0,
    )  # fmt: skip
    # a late report of the old booking's call counts for nothing now
    log.append(FollowUpCall(pair=PAIR, start=NOW + 30 * HOUR, connected_ms=5_000, at=NOW))
    assert fu.fold(log)[PAIR].connected_ms == 0


def test_cancel_keeps_what_was_cancelled() -> None:
    log: list = [fu.propose(PAIR, "p1", [NOW + 30 * HOUR], NOW)]
    log.append(fu.pick(fu.fold(log)[PAIR], "p2", NOW + 30 * HOUR, NOW))
    log.append(fu.cancel(fu.fold(log)[PAIR], "p1", NOW + HOUR))
    cancelled = fu.fold(log)[PAIR]
    assert (cancelled.status, cancelled.by, cancelled.start) == ("cancelled", "p1", NOW + 30 * HOUR)
    with pytest.raises(fu.Refused) as refused:
        fu.cancel(cancelled, "p2", NOW + HOUR)
    assert refused.value.code == "nothing"


@pytest.mark.parametrize(
    ("times", "code"),
    [
        ([], "times"),
        ([NOW + 20 * HOUR, NOW + 21 * HOUR, NOW + 22 * HOUR, NOW + 23 * HOUR], "times"),
        ([NOW + 10 * 60_000], "too_soon"),
        ([NOW + 181 * 24 * HOUR], "too_far"),
        ([NOW + 20 * HOUR, NOW + 20 * HOUR + 29 * 60_000], "overlap"),
    ],
)
def test_times_that_cannot_be_proposed(times: list[int], code: str) -> None:
    with pytest.raises(fu.Refused) as refused:
        fu.propose(PAIR, "p1", times, NOW)
    assert refused.value.code == code and refused.value.message


def test_who_may_pick_what() -> None:
    proposal = fu.fold([fu.propose(PAIR, "p1", [NOW + 30 * HOUR], NOW)])[PAIR]
    cases = [
        (None, "p2", NOW + 30 * HOUR, NOW, "no_proposal"),
        (proposal, "p1", NOW + 30 * HOUR, NOW, "own_proposal"),
        (proposal, "p3", NOW + 30 * HOUR, NOW, "not_yours"),
        (proposal, "p2", NOW + 31 * HOUR, NOW, "not_proposed"),
        (proposal, "p2", NOW + 30 * HOUR, NOW + 31 * HOUR, "past"),
    ]
    for current, by, start, now, code in cases:
        with pytest.raises(fu.Refused) as refused:
            fu.pick(current, by, start, now)
        assert refused.value.code == code
    with pytest.raises(fu.Refused):
        fu.propose(PAIR, "p3", [NOW + 30 * HOUR], NOW)


def test_the_room_opens_ten_minutes_before_and_closes_thirty_after_the_end() -> None:
    start = NOW + 30 * HOUR
    log: list = [fu.propose(PAIR, "p1", [start], NOW)]
    assert not fu.room_open(fu.fold(log)[PAIR], start)  # not booked yet
    log.append(fu.pick(fu.fold(log)[PAIR], "p2", start, NOW))
    booked = fu.fold(log)[PAIR]
    minute = 60_000
    assert not fu.room_open(booked, start - 10 * minute - 1)
    assert fu.room_open(booked, start - 10 * minute)
    assert fu.room_open(booked, start + 60 * minute)
    assert not fu.room_open(booked, start + 60 * minute + 1)


def test_a_reminder_the_day_before_once_and_not_for_a_late_booking() -> None:
    start = NOW + 72 * HOUR
    early: list = [fu.propose(PAIR, "p1", [start], NOW)]
    early.append(fu.pick(fu.fold(early)[PAIR], "p2", start, NOW))
    booked = fu.fold(early)[PAIR]
    assert fu.reminders_due([booked], start - 25 * HOUR) == []
    assert fu.reminders_due([booked], start - 24 * HOUR) == [booked]
    assert fu.reminders_due([booked], start) == []  # started: too late to remind
    early.append(FollowUpReminded(pair=PAIR, start=start, at=start - 24 * HOUR))
    assert fu.reminders_due([fu.fold(early)[PAIR]], start - 23 * HOUR) == []
    late: list = [fu.propose(PAIR, "p1", [start], start - 5 * HOUR)]
    late.append(fu.pick(fu.fold(late)[PAIR], "p2", start, start - 4 * HOUR))
    assert fu.reminders_due([fu.fold(late)[PAIR]], start - 3 * HOUR) == []


def test_both_pages_report_the_one_call_the_longer_side_counts() -> None:
    start = NOW + 30 * HOUR
    log: list = [fu.propose(PAIR, "p1", [start], NOW)]
    log.append(fu.pick(fu.fold(log)[PAIR], "p2", start, NOW))
    for by, ms in [("p1", 60_000), ("p2", 50_000), ("p1", 60_000), ("p2", 80_000)]:
        log.append(FollowUpCall(pair=PAIR, start=start, connected_ms=ms, at=start, by=by))
    done = fu.fold(log)[PAIR]
    assert done.connected_ms == 130_000 and done.held  # p2's 130 s, not 250 s
    assert done.calls == {"p1": 120_000, "p2": 130_000}


def test_times_are_written_in_the_readers_zone_else_the_proposers_else_utc() -> None:
    proposal = fu.fold([fu.propose(PAIR, "p1", [NOW + 30 * HOUR], NOW, tz="Europe/Paris")])[PAIR]
    assert fu.zone_of(proposal, "p1") == "Europe/Paris"
    assert fu.zone_of(proposal, "p2") == "Europe/Paris"  # theirs is not known yet
    booked = fu.fold(
        [
            fu.propose(PAIR, "p1", [NOW + 30 * HOUR], NOW, tz="Europe/Paris"),
            FollowUpPicked(pair=PAIR, by="p2", start=NOW + 30 * HOUR, at=NOW, tz="Asia/Tokyo"),
        ]
    )[PAIR]
    assert fu.zone_of(booked, "p2") == "Asia/Tokyo" and fu.zone_of(booked, "p1") == "Europe/Paris"
    silent = fu.fold([fu.propose(PAIR, "p1", [NOW + 30 * HOUR], NOW)])[PAIR]
    assert fu.zone_of(silent, "p2") == ""  # UTC, said so


def test_when_the_next_reminder_falls_due() -> None:
    start = NOW + 72 * HOUR
    log: list = [fu.propose(PAIR, "p1", [start], NOW)]
    assert fu.next_reminder(fu.fold(log).values(), NOW) is None  # not booked
    log.append(fu.pick(fu.fold(log)[PAIR], "p2", start, NOW))
    booked = fu.fold(log).values()
    assert fu.next_reminder(booked, NOW) == start - 24 * HOUR
    assert fu.next_reminder(booked, start - 2 * HOUR) == start - 2 * HOUR  # overdue: now
    assert fu.next_reminder(booked, start) is None
    log.append(FollowUpReminded(pair=PAIR, start=start, at=start - 24 * HOUR))
    assert fu.next_reminder(fu.fold(log).values(), NOW) is None


def test_a_late_call_report_counts_for_a_minute_after_the_room_closed() -> None:
    start = NOW + 30 * HOUR
    log: list = [fu.propose(PAIR, "p1", [start], NOW)]
    log.append(fu.pick(fu.fold(log)[PAIR], "p2", start, NOW))
    booked = fu.fold(log)[PAIR]
    closes = fu.closes_at(start)
    assert closes == start + 60 * 60_000
    assert fu.reported(booked, closes + 60_000) and not fu.reported(booked, closes + 60_001)
    assert not fu.reported(booked, start - 11 * 60_000)


def test_what_each_page_shows() -> None:
    start = NOW + 30 * HOUR
    assert fu.view(None, "p1", "p2")["status"] == "none"
    log: list = [fu.propose(PAIR, "p1", [start, start + HOUR], NOW)]
    mine, theirs = fu.view(fu.fold(log)[PAIR], "p1", "p2"), fu.view(fu.fold(log)[PAIR], "p2", "p1")
    assert (mine["mine"], theirs["mine"], theirs["times"]) == (True, False, [start, start + HOUR])
    log.append(fu.pick(fu.fold(log)[PAIR], "p2", start, NOW))
    booked = fu.view(fu.fold(log)[PAIR], "p1", "p2")
    assert booked["times"] == [] and booked["start"] == start
    assert (booked["opens_at"], booked["closes_at"]) == (start - 10 * 60_000, start + HOUR)


def test_no_time_after_the_event_is_forgotten() -> None:
    latest = NOW + 40 * HOUR
    assert fu.check_times([NOW + 40 * HOUR], NOW, latest) == (NOW + 40 * HOUR,)
    with pytest.raises(fu.Refused) as refused:
        fu.propose(PAIR, "p1", [NOW + 20 * HOUR, NOW + 41 * HOUR], NOW, latest=latest)
    assert refused.value.code == "after_retention" and refused.value.detail == {"latest": latest}
    assert "forgotten" in refused.value.message


def test_a_pages_reports_add_up_to_the_rooms_hours_at_most() -> None:
    """Reports of one page never count more than the room was open (70 minutes), however many."""
    start = NOW + 30 * HOUR
    log: list = [fu.propose(PAIR, "p1", [start], NOW)]
    log.append(fu.pick(fu.fold(log)[PAIR], "p2", start, NOW))
    log += [
        FollowUpCall(pair=PAIR, start=start, connected_ms=fu.MAX_REPORT_MS, at=start, by="p1")
        for _ in range(100)
    ]
    assert fu.fold(log)[PAIR].connected_ms == fu.MAX_REPORT_MS == 70 * 60_000


def test_the_same_move_again_is_known() -> None:
    start = NOW + 30 * HOUR
    log: list = [fu.propose(PAIR, "p1", [start], NOW)]
    assert not fu.done_already(fu.fold(log)[PAIR], "p2", start)  # proposed, not picked
    log.append(fu.pick(fu.fold(log)[PAIR], "p2", start, NOW))
    booked = fu.fold(log)[PAIR]
    assert fu.done_already(booked, "p2", start)
    assert not fu.done_already(booked, "p2", start + HOUR) and not fu.done_already(
        booked, "p1", start
    )
    assert not fu.done_already(booked, "p2")  # not cancelled
    log.append(fu.cancel(booked, "p1", NOW))
    assert fu.done_already(fu.fold(log)[PAIR], "p1") and not fu.done_already(
        fu.fold(log)[PAIR], "p2"
    )
    assert not fu.done_already(None, "p1")
