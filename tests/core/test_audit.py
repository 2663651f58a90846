"""The audit log keeps at most ``OWN_ENTRIES`` entries of what one person did themself: the
first ones as they came, one ``capped`` entry, then only a count on their record."""

from __future__ import annotations

import msgspec
import pytest

from server.core import rounds
from server.core.model import AuditEntry, Participant
from server.core.outcome import CAPPED, OWN_ENTRIES, own_audit
from server.people import profiles
from tests.core.states import event


@pytest.mark.parametrize(
    ("acted", "written"),
    [
        (0, [("stop", "why")]),
        (OWN_ENTRIES - 2, [("stop", "why")]),  # the last one as it came
        (OWN_ENTRIES - 1, [(CAPPED, "stop")]),  # the bound: says which action reached it
        (OWN_ENTRIES, []),  # then only counted
        (10 * OWN_ENTRIES, []),
    ],
)
def test_own_audit(acted: int, written: list[tuple[str, str]]) -> None:
    person = Participant(id="p1", name="Ana", token_hash="h", acted=acted)
    counted, entries = own_audit(person, 5, "stop", "why")
    assert counted.acted == acted + 1
    assert [(e.action, e.detail) for e in entries if isinstance(e, AuditEntry)] == written
    assert all(e.actor == "p1" and e.at == 5 for e in entries if isinstance(e, AuditEntry))


def test_leaving_and_coming_back_again_and_again_keeps_a_bounded_log() -> None:
    state, logged = event(["c1", "s1"]), 0
    for n in range(OWN_ENTRIES):  # twice the bound, in stops and rejoins
        for step in (rounds.stop, lambda s, p, at: rounds.rejoin(s, p, frozenset(), at, p)):
            outcome = step(state, "c1", n)
            state, logged = outcome.state, logged + len(outcome.entries)
    assert logged == OWN_ENTRIES and state.participants["c1"].acted == 2 * OWN_ENTRIES
    # the host's rejoin on their behalf is the host's, logged as it comes
    stopped = rounds.stop(state, "c1", 99).state
    host = rounds.rejoin(stopped, "c1", frozenset(), 99, "host")
    assert [e.actor for e in host.entries if isinstance(e, AuditEntry)] == ["host"]


def test_the_organisers_edit_is_logged_whatever_the_persons_count() -> None:
    state = event(["c1", "s1"])
    busy = msgspec.structs.replace(state.participants["c1"], acted=500)
    state = msgspec.structs.replace(state, participants={**state.participants, "c1": busy})
    own = profiles.edit_own(state, "c1", {"pitch": "New"}, 7)
    assert own.entries == [] and own.state.participants["c1"].acted == 501
    photo = profiles.set_photo(state, "c1", "d" * 64, 7, "admin")
    assert [(e.actor, e.action) for e in photo.entries if isinstance(e, AuditEntry)] == [
        ("admin", "set_photo")
    ]
