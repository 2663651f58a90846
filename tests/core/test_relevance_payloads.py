"""The reason of a meeting and the suggestions as the pages get them: ``why`` on peers met
without a wish (in the reader's words), none with a wish or with relevance off; the
directory's ``suggested`` without anyone declined."""

from __future__ import annotations

import msgspec

from server.core.matching import PlannedRoom, RoundPlan
from server.core.model import EventState, Matching, Participant, Settings, Wish
from server.core.payloads import preview_payloads
from server.people import directory

SETTINGS = Settings(
    title="t", round_seconds=60, break_seconds=0, rounds=2,
    matching=Matching(mode="bipartite", sides=("commune", "solution")),
)  # fmt: skip
PEOPLE = {
    "p1": Participant(id="p1", name="Claire", token_hash="a", side="commune",
                      tags=("énergie", "bâtiments scolaires")),
    "p2": Participant(id="p2", name="Hugo", token_hash="b", side="commune", tags=("mobilité",)),
    "p3": Participant(id="p3", name="Léa", token_hash="c", side="solution", tags=("transports",)),
    "p4": Participant(id="p4", name="Thomas", token_hash="d", side="solution",
                      tags=("energy", "écoles"), pitch="Isolation pour écoles."),
}  # fmt: skip


def state(**changes: object) -> EventState:
    base = EventState(
        id="e-payloads", settings=SETTINGS, participants=PEOPLE, host_token_hash="h",
        moderator_token_hash="m", created_at=0,
    )  # fmt: skip
    return msgspec.structs.replace(base, **changes)


PLAN = RoundPlan(
    rooms=(
        PlannedRoom(members=("p1", "p4"), reason="fill"),
        PlannedRoom(members=("p2", "p3"), reason="wish"),
    ),
    waiting=(),
)


def test_why_on_a_meeting_made_by_relevance() -> None:
    cards = preview_payloads(state(), PLAN)
    assert cards["p1"]["peers"][0]["why"] == {
        "tags": ["énergie", "bâtiments scolaires"],
        "words": [],
    }
    assert cards["p4"]["peers"][0]["why"]["tags"] == ["energy", "écoles"]  # his words
    assert "why" not in cards["p2"]["peers"][0]  # a wish made it: the wish is the reason


def test_no_why_when_relevance_is_off() -> None:
    off = state(settings=msgspec.structs.replace(SETTINGS, relevance=False), version=1)
    assert "why" not in preview_payloads(off, PLAN)["p1"]["peers"][0]
    assert directory.payload(off, "p1")["suggested"] == []


def test_the_directory_suggests_without_the_declined() -> None:
    got = directory.payload(state(), "p2")["suggested"]
    assert got == [{"id": "p3", "why": {"tags": ["mobilité"], "words": []}}]
    declined = state(wishes={"p3>p2": Wish(source="p3", target="p2", level="no")}, version=2)
    assert directory.payload(declined, "p2")["suggested"] == []
