"""Profiles in the core: each field's rules, tags normalised to the event's spelling, who may
browse the directory and whose profile one may see."""

from __future__ import annotations

import msgspec
import pytest

from server.core import bidi
from server.core.model import (
    Clock,
    EventState,
    Matching,
    Participant,
    Phase,
    Room,
    RoundRecord,
    Settings,
)
from server.errors import UserError
from server.people import directory, profiles


@pytest.mark.parametrize(
    ("given", "known", "stored"),
    [
        ("Mobilité, énergie", (), ("mobilité", "énergie")),
        ("#mobilité #Énergie", (), ("mobilité", "énergie")),
        ("  e-santé ;  SANTÉ  publique|vélo", (), ("e-santé", "santé publique", "vélo")),
        ("mobilite, MOBILITÉ, Mobilité", ("mobilité",), ("mobilité",)),  # the event's spelling
        (["Énergie", "energie", "  "], ("énergie",), ("énergie",)),
        ("", ("mobilité",), ()),
    ],
)
def test_tags_are_normalised(
    given: str | list[str], known: tuple[str, ...], stored: tuple[str, ...]
) -> None:
    assert profiles.normal_tags(given, known) == stored


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("https://lumio.example/en?x=1#top", "https://lumio.example/en?x=1#top"),
        ("HTTP://Lumio.example", "http://Lumio.example"),
        ("www.lumio.example", "https://www.lumio.example"),
        ("lumio.example/produits", "https://lumio.example/produits"),
        ("http://localhost:8080/x", "http://localhost:8080/x"),
        ("", ""),
        ("javascript:alert(1)", None),
        ("JavaScript://%0aalert(1)", None),
        ("data:text/html,<b>hi</b>", None),
        ("mailto:lea@mobilis.example", None),
        ("ftp://files.example", None),
        ("https://user:secret@bank.example", None),
        ("https://exa mple.org", None),
        ("https://nodot", None),
        ("https://lumio.example:99999", None),
        ("https:///path-only", None),
    ],
)
def test_websites_are_http_or_https_only(given: str, stored: str | None) -> None:
    assert profiles.normal_website(given) == stored
    code = profiles.check("website", given)[0]
    assert (code == "bad_website") == (stored is None)


@pytest.mark.parametrize(
    ("given", "marks"),
    [
        ("https://lyon.example/\u202egpj.exe", ["U+202E"]),  # shown as …exe.jpg
        ("https://lyon.example/\u202a\u202b\u202c\u202d", ["U+202A", "U+202B", "U+202C", "U+202D"]),
        ("\u2066www.lyon.example\u2069\u2066", ["U+2066", "U+2069"]),
        ("https://lyon.example/\u2067\u2068", ["U+2067", "U+2068"]),
        ("\u200ewww.lyon.example\u200f", ["U+200E", "U+200F"]),
        ("https://lyon.example/\u061c", ["U+061C"]),
        ("https://lyon.example/été", []),
        ("https://مثال.example/", []),  # right-to-left letters themselves are fine
    ],
)
def test_direction_marks_are_refused_in_a_website(given: str, marks: list[str]) -> None:
    assert bidi.controls_in(given) == marks
    code, message, params = profiles.check("website", given)
    if marks:
        assert code == "website_direction_marks" and params == {"marks": ", ".join(marks)}
        assert "disguise" in message and not bidi.controls_in(message)
    else:
        assert code == ""


@pytest.mark.parametrize(
    ("name", "value", "code"),
    [
        ("pitch", "x" * 500, ""),
        ("pitch", "x" * 501, "too_long"),
        ("label", "x" * 81, "too_long"),
        ("tags", ", ".join(f"t{i}" for i in range(8)), ""),
        ("tags", ", ".join(f"t{i}" for i in range(9)), "too_many_tags"),
        ("tags", "x" * 41, "too_long"),
        ("website", "https://" + "x" * 300 + ".org", "too_long"),
    ],
)
def test_each_field_has_its_limit(name: str, value: str, code: str) -> None:
    assert profiles.check(name, value)[0] == code


def person(pid: str, side: str, **kw: object) -> Participant:
    return Participant(id=pid, name=f"Name {pid}", token_hash=pid, side=side, **kw)  # type: ignore[arg-type]


def event(
    access: str = "everyone", phase: Phase = Phase.LOBBY, history: tuple[RoundRecord, ...] = ()
) -> EventState:
    people = [
        person("c1", "commune"),
        person("c2", "commune"),
        person("c3", "commune", signed_up=True),
        person("s1", "solution", pitch="Shuttles", tags=("mobilité",), photo="abcd"),
        person("s2", "solution", stopped=True),
        person("s3", "solution", signed_up=True, tags=("énergie",)),
    ]
    settings = Settings(
        title="t", round_seconds=60, break_seconds=0, rounds=3,
        matching=Matching(mode="bipartite", sides=("commune", "solution")),
        directory=access, tags=("santé",),  # type: ignore[arg-type]
    )  # fmt: skip
    return EventState(
        id="e", settings=settings, host_token_hash="h", moderator_token_hash="m", created_at=0,
        participants={p.id: p for p in people}, clock=Clock(phase=phase, rounds=3, round=len(history)),
        history=history,
    )  # fmt: skip


# who browses, with what: (setting, viewer) -> "profile" | "names" | None (closed)
ACCESS = [
    ("everyone", "c1", "profile"),
    ("everyone", "c3", "profile"),
    ("names", "c1", "profile"),
    ("names", "c3", "names"),
    ("invited_only", "c1", "profile"),
    ("invited_only", "c3", None),
    ("none", "c1", None),
    ("none", "c3", None),
]


@pytest.mark.parametrize(("access", "viewer", "fields"), ACCESS)
def test_what_the_directory_shows(access: str, viewer: str, fields: str | None) -> None:
    state = event(access)
    if fields is None:
        with pytest.raises(UserError) as refused:
            directory.payload(state, viewer)
        assert refused.value.code == "directory_closed" and refused.value.detail["why"] == access
        return
    shown = directory.payload(state, viewer)
    assert shown["fields"] == fields
    assert [p["id"] for p in shown["people"]] == ["s1", "s3"]  # the other side, not who stopped
    if fields == "names":
        assert set(shown["people"][0]) == {"id", "name", "organization", "side"}
        assert shown["known_tags"] == ["santé"]  # not the tags others use
    else:
        assert shown["people"][0]["pitch"] == "Shuttles"
        assert shown["known_tags"] == ["santé", "mobilité", "énergie"]


@pytest.mark.parametrize(("access", "viewer", "fields"), ACCESS)
def test_whose_photo_one_may_see(access: str, viewer: str, fields: str | None) -> None:
    state = event(access)
    assert directory.may_see(state, viewer, "s1") == (fields == "profile")
    assert directory.may_see(state, viewer, viewer)  # oneself, always
    assert directory.may_see(state, viewer, "s1", upcoming=["s1"])  # the next partner
    assert not directory.may_see(state, viewer, "c2")  # one's own side: never met
    assert not directory.may_see(state, viewer, "nobody")


def test_whom_one_met_stays_visible() -> None:
    met = RoundRecord(
        round=1, started_at=0, rooms=(Room(id="r1-1", round=1, members=("c3", "s1")),)
    )
    state = event("none", Phase.BREAK, (met,))
    assert directory.may_see(state, "c3", "s1") and directory.may_see(state, "s1", "c3")
    assert not directory.may_see(state, "c1", "s1")


def test_own_edits_close_when_the_event_starts() -> None:
    state = event()
    out = profiles.edit_own(state, "c1", {"pitch": "Hello", "tags": "Santé, vélo"}, 5)
    assert out.state.participants["c1"].tags == ("santé", "vélo")
    assert out.state.version == state.version + 1
    assert profiles.edit_own(out.state, "c1", {"pitch": "Hello"}, 6).state is out.state  # no change
    with pytest.raises(UserError) as refused:
        profiles.edit_own(state, "c1", {"label": "Best"}, 5)
    assert refused.value.code == "not_yours"
    started = msgspec.structs.replace(state, clock=Clock(phase=Phase.ROUND, round=1, rounds=3))
    with pytest.raises(UserError) as refused:
        profiles.edit_own(started, "c1", {"pitch": "Late"}, 5)
    assert refused.value.code == "profile_closed"
    with pytest.raises(UserError):
        profiles.set_photo(started, "c1", "0123", 5, "c1")
    assert (
        profiles.set_photo(started, "c1", "0123", 5, "admin").state.participants["c1"].photo
        == "0123"
    )
