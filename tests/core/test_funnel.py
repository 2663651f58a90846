"""The report's funnel: meetings, mutual yes, follow-ups proposed, booked and held, counted on
the scripted event (tests/core/scripted.py) with a follow-ups log made by the pure rules."""

from __future__ import annotations

import msgspec

from server.core import followups as fu
from server.core.model import Entry, FollowUpCall
from server.results import figures, funnel
from tests.core.scripted import scripted
from tests.core.states import T0

HOUR = 3_600_000
NOW = T0 + 700_000  # after the event
C1S1 = fu.pair_key("c1", "s1")  # mutual in round 1
C1S2 = fu.pair_key("c1", "s2")  # mutual in round 2
C2S2 = fu.pair_key("c2", "s2")  # one-sided in round 1: no follow-up of theirs counts


def _book(log: list[Entry], pair: str, by: str, start: int, now: int) -> None:
    """``by`` proposes ``start`` and the other picks it."""
    log.append(fu.propose(pair, by, [start], now))
    log.append(fu.pick(fu.fold(log)[pair], fu.other(pair, by), start, now))


def followups_log() -> list[Entry]:
    """c1~s1 booked, then s1 proposes other times and c1 picks one: one pair, booked, held 25
    minutes (two call reports). c1~s2 booked, then cancelled. c2~s2 (not mutual) a stray
    proposal."""
    log: list[Entry] = []
    _book(log, C1S1, "c1", NOW + 48 * HOUR, NOW)
    later = NOW + 72 * HOUR
    _book(log, C1S1, "s1", later, NOW + HOUR)
    log.append(FollowUpCall(pair=C1S1, start=later, connected_ms=20 * 60_000, at=later))
    log.append(FollowUpCall(pair=C1S1, start=later, connected_ms=5 * 60_000, at=later))
    _book(log, C1S2, "s2", NOW + 30 * HOUR, NOW)
    log.append(fu.cancel(fu.fold(log)[C1S2], "c1", NOW + 2 * HOUR))
    log.append(fu.propose(C2S2, "c2", [NOW + 30 * HOUR], NOW))
    return log


def _report(log: list[Entry], tags: dict[str, tuple[str, ...]] | None = None) -> dict:  # type: ignore[type-arg]
    state, entries, counters = scripted()
    if tags:
        people = {
            pid: msgspec.structs.replace(p, tags=tags.get(pid, ()))
            for pid, p in state.participants.items()
        }
        state = msgspec.structs.replace(state, participants=people)
    return figures.report(state, entries, counters, log)


def _stages(row: dict) -> tuple:  # type: ignore[type-arg]
    return tuple(row[k] for k in (*funnel.STAGES, "connected_minutes"))


def test_the_funnel_in_total_a_cancelled_booking_and_a_new_proposal() -> None:
    f = _report(followups_log())["funnel"]
    # 7 meetings; 2 mutual pairs; both proposed; c1~s2's booking cancelled: 1 booked; c1~s1,
    # booked twice (new times replaced the first booking), counts once, held 25 minutes
    assert _stages(f) == (7, 2, 2, 1, 1, 25.0)


def test_the_funnel_by_round_follows_the_round_of_the_mutual_yes() -> None:
    r1, r2 = _report(followups_log())["funnel"]["by_round"]
    assert (r1["round"], *_stages(r1)) == (1, 4, 1, 1, 1, 1, 25.0)  # c1~s1
    assert (r2["round"], *_stages(r2)) == (2, 3, 1, 1, 0, 0, 0.0)  # c1~s2, cancelled


def test_the_funnel_by_side_counts_each_pair_once_per_side() -> None:
    commune, solution = _report(followups_log())["funnel"]["by_side"]
    assert (commune["group"], commune["participants"], *_stages(commune)) == (
        "commune", 3, 6, 2, 2, 1, 1, 25.0,
    )  # fmt: skip
    # s2~s3 met too (a room of three): a meeting of the solutions', no pair of theirs mutual
    assert (solution["group"], solution["participants"], *_stages(solution)) == (
        "solution", 4, 7, 2, 2, 1, 1, 25.0,
    )  # fmt: skip


def test_the_funnel_by_tag_counts_a_pair_of_one_tag_once() -> None:
    tags = {"c1": ("mobilité",), "s1": ("mobilité", "eau"), "s2": ("eau",)}
    eau, mobilite = _report(followups_log(), tags)["funnel"]["by_tag"]
    # eau (s1, s2): c1-s1, c2-s2, s2-s3, c1-s2, c2-s1
    assert (eau["group"], eau["participants"], *_stages(eau)) == ("eau", 2, 5, 2, 2, 1, 1, 25.0)
    # mobilité (c1, s1): c1~s1 is one pair of the tag though both carry it
    assert (mobilite["group"], *_stages(mobilite)) == ("mobilité", 3, 2, 2, 1, 1, 25.0)


def test_a_booking_not_held_and_a_proposal_not_picked() -> None:
    log: list[Entry] = []
    _book(log, C1S1, "c1", NOW + 48 * HOUR, NOW)  # booked, its call never connected
    log.append(FollowUpCall(pair=C1S1, start=NOW + 48 * HOUR, connected_ms=0, at=NOW))
    log.append(fu.propose(C1S2, "s2", [NOW + 30 * HOUR, NOW + 31 * HOUR], NOW))  # not picked
    assert _stages(_report(log)["funnel"]) == (7, 2, 2, 1, 0, 0.0)
    # then c1~s1 proposes other times: no longer booked, still one pair that proposed
    log.append(fu.propose(C1S1, "s1", [NOW + 50 * HOUR], NOW + HOUR))
    assert _stages(_report(log)["funnel"]) == (7, 2, 2, 0, 0, 0.0)


def test_no_follow_ups_yet_and_no_figure_names_anyone() -> None:
    report = _report([])
    f = report["funnel"]
    assert _stages(f) == (7, 2, 0, 0, 0, 0.0)
    assert [_stages(r) for r in f["by_round"]] == [(4, 1, 0, 0, 0, 0.0), (3, 1, 0, 0, 0, 0.0)]
    text = msgspec.json.encode(_report(followups_log())["funnel"]).decode()
    for pid in scripted()[0].participants:
        assert f'"{pid}' not in text and f"{pid}~" not in text
