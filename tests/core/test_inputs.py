"""A refused request body says what a page needs to word it beside its field: the field's path
(nested ones dotted), why, and the limit (``inputs.problem_of``), read from msgspec's errors."""

from __future__ import annotations

from typing import Any

import pytest

from server.errors import ProtocolError
from server.http.inputs import EventIn, EventPatch, convert_one, synonym_lines

GOOD = {"title": "Élus et innovateurs", "round_seconds": 300, "rounds": 6}


@pytest.mark.parametrize(
    ("change", "said"),
    [
        ({"title": ""}, {"field": "title", "why": "empty", "limit": 1}),
        ({"title": "x" * 201}, {"field": "title", "why": "too_long", "limit": 200}),
        ({"title": "\x01"}, {"field": "title", "why": "control_only"}),
        ({"rounds": 201}, {"field": "rounds", "why": "too_high", "limit": 200}),
        ({"round_seconds": 5}, {"field": "round_seconds", "why": "too_low", "limit": 10}),
        ({"round_seconds": "300"}, {"field": "round_seconds", "why": "bad_type"}),
        ({"starts_at": -1}, {"field": "starts_at", "why": "too_low", "limit": 0}),
        ({"language": "de"}, {"field": "language", "why": "bad_value"}),
        ({"colour": "blue"}, {"field": "colour", "why": "unknown_field"}),
        (
            {"matching": {"mode": "bipartite", "sides": ["commune", ""]}},
            {"field": "matching.sides", "index": 1, "why": "empty", "limit": 1},
        ),
        ({"matching": {"mode": "random"}}, {"field": "matching.mode", "why": "bad_value"}),
        ({"signup": {"cap": 0}}, {"field": "signup.cap", "why": "too_low", "limit": 1}),
        ({"signup": {"cap": "ten"}}, {"field": "signup.cap", "why": "bad_type"}),
        ({"signup": {"policy": "\x02"}}, {"field": "signup.policy", "why": "control_only"}),
        ({"signup": {"places": 3}}, {"field": "signup.places", "why": "unknown_field"}),
        ({"tags": ["x" * 41]}, {"field": "tags", "index": 0, "why": "too_long", "limit": 40}),
        ({"tags": ["x"] * 101}, {"field": "tags", "why": "too_many", "limit": 100}),
    ],
)
def test_a_refusal_names_its_field_why_and_limit(
    change: dict[str, Any], said: dict[str, Any]
) -> None:
    for kind, body in ((EventIn, {**GOOD, **change}), (EventPatch, change)):
        with pytest.raises(ProtocolError) as refused:
            convert_one(body, kind, "event")
        wire = refused.value.to_wire()
        assert wire["code"] == "bad_request"
        assert {k: v for k, v in wire.items() if k not in ("code", "message")} == said


def test_a_missing_field_and_a_body_that_is_no_object() -> None:
    with pytest.raises(ProtocolError) as refused:
        convert_one({"rounds": 6, "round_seconds": 300}, EventIn, "event")
    assert (refused.value.detail["field"], refused.value.detail["why"]) == ("title", "missing")
    with pytest.raises(ProtocolError) as refused:
        convert_one([], EventIn, "event")
    assert refused.value.detail == {"why": "bad_type"}


def test_a_synonym_line_names_its_line_and_value() -> None:
    with pytest.raises(ProtocolError) as refused:
        synonym_lines(["mobilité ~ transports", "", "énergie  solaire"])
    assert refused.value.detail == {
        "field": "synonyms",
        "index": 1,
        "why": "one_term",
        "line": 2,
        "value": "énergie solaire",
    }
