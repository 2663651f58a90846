"""How long personal data is kept: when an event is due to be forgotten, and what stays."""

from __future__ import annotations

import msgspec

from server.core.model import Clock, Phase
from server.results import figures, retention
from tests.core.scripted import NAMES, scripted
from tests.core.states import T0, event

DAY = retention.DAY_MS


def test_an_ended_event_is_due_its_retention_days_after_its_end() -> None:
    state, _, _ = scripted()  # ended at T0 + 660 s
    end = T0 + 660_000
    assert retention.ended_at(state) == end
    assert retention.forget_at(state, 30) == end + 30 * DAY
    assert not retention.due(state, end + 30 * DAY - 1, 30)
    assert retention.due(state, end + 30 * DAY, 30)
    assert not retention.due(state, end + 10_000 * DAY, 0)  # 0: kept until deleted by hand


def test_an_event_ended_by_an_earlier_version_counts_from_its_last_round() -> None:
    state, _, _ = scripted()
    old = msgspec.structs.replace(state, clock=msgspec.structs.replace(state.clock, ended_at=None))
    assert retention.ended_at(old) == max(r.ended_at or 0 for r in state.history)
    never_played = event(["c1", "s1"])
    ended = msgspec.structs.replace(never_played, clock=Clock(phase=Phase.ENDED))
    assert retention.ended_at(ended) == never_played.created_at


def test_an_event_not_ended_counts_from_its_announced_start_if_any() -> None:
    prepared = event(["c1", "s1"])
    assert retention.ended_at(prepared) is None
    assert retention.forget_at(prepared, 30) is None  # no start time: never by itself
    announced = msgspec.structs.replace(
        prepared, settings=msgspec.structs.replace(prepared.settings, starts_at=T0 + DAY)
    )
    assert retention.forget_at(announced, 30) == T0 + 31 * DAY


def test_what_is_kept_has_every_figure_and_no_person() -> None:
    state, entries, counters = scripted()
    report = figures.report(state, entries, counters)
    kept = retention.anonymised(report, state, T0 + 40 * DAY)
    assert kept["totals"] == report["totals"] and kept["by_round"] == report["by_round"]
    assert kept["by_side"] == report["by_side"] and kept["follow_ups"] == report["follow_ups"]
    assert kept["sides_met"] == report["sides_met"]
    assert kept["by_participant"] == [] and kept["forgotten_at"] == T0 + 40 * DAY
    assert kept["event"]["ended_at"] == T0 + 660_000
    text = msgspec.json.encode(kept).decode()
    for name in NAMES.values():
        assert name not in text
    for pid in state.participants:
        assert f'"{pid}"' not in text


def test_groups_too_small_to_hide_their_people_are_not_kept() -> None:
    state, entries, counters = scripted()
    tags = {"c1": ("eau",), "s1": ("eau", "Projet de Claire"), "s2": ("eau",), "c2": ("eau",)}
    people = {
        pid: msgspec.structs.replace(p, tags=tags.get(pid, ()))
        for pid, p in state.participants.items()
    }
    state = msgspec.structs.replace(state, participants=people)
    report = figures.report(state, entries, counters)
    assert {g["group"] for g in report["by_tag"]} == {"eau", "Projet de Claire"}
    kept = retention.anonymised(report, state, T0)
    assert [g["group"] for g in kept["by_tag"]] == ["eau"]  # four people carry it
    assert {(b["a"], b["b"]) for b in kept["tags_met"]} == {("eau", "eau")}
    assert "claire" not in msgspec.json.encode(kept).decode().lower()


def test_the_funnel_is_kept_but_for_groups_too_small() -> None:
    from tests.core.test_funnel import followups_log

    state, entries, counters = scripted()
    tags = {"c1": ("eau",), "s1": ("eau", "Projet de Claire"), "s2": ("eau",), "c2": ("eau",)}
    people = {
        pid: msgspec.structs.replace(p, tags=tags.get(pid, ()))
        for pid, p in state.participants.items()
    }
    state = msgspec.structs.replace(state, participants=people)
    report = figures.report(state, entries, counters, followups_log())
    kept = retention.anonymised(report, state, T0)["funnel"]
    f = report["funnel"]
    assert {k: v for k, v in kept.items() if k != "by_tag"} == {
        k: v for k, v in f.items() if k != "by_tag"
    }  # the totals, rounds and sides (three people or more each)
    assert (kept["booked"], kept["held"], len(kept["by_side"])) == (1, 1, 2)
    assert [g["group"] for g in f["by_tag"]] == ["Projet de Claire", "eau"]
    assert [g["group"] for g in kept["by_tag"]] == ["eau"]
    # a report kept by an earlier version has no funnel, and gains none
    old = {k: v for k, v in report.items() if k != "funnel"}
    assert "funnel" not in retention.anonymised(old, state, T0)


def test_a_follow_up_may_be_booked_until_its_room_closes_before_the_event_is_forgotten() -> None:
    state, _, _ = scripted()  # ended at T0 + 660 s
    end = T0 + 660_000
    room_after_start = 60 * 60_000  # 30 minutes of follow-up, then 30 of grace
    assert retention.followups_until(state, 30, T0) == end + 30 * DAY - room_after_start
    assert retention.followups_until(state, 0, T0) is None  # kept until deleted: no limit
    # not ended: from its announced start, else from now (it ends now at the earliest)
    prepared = event(["c1", "s1"])
    assert retention.followups_until(prepared, 30, T0) == T0 + 30 * DAY - room_after_start
    announced = msgspec.structs.replace(
        prepared, settings=msgspec.structs.replace(prepared.settings, starts_at=T0 - DAY)
    )
    assert retention.followups_until(announced, 30, T0) == T0 + 29 * DAY - room_after_start
