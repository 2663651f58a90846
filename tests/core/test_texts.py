"""Texts without control characters (``core.texts``): the one rule for every text that enters,
and what leaves from an older record that still holds some (a workbook, an e-mail)."""

from __future__ import annotations

import email
import email.policy
import io
from typing import Any

import msgspec
import openpyxl
import pytest

from server.core import texts
from server.core.model import Participant
from server.http import inputs
from server.mail import compose
from server.people import fields
from server.results import dialects
from server.settings import load
from server.sockets import inputs as socket_inputs
from tests.core.states import event


@pytest.mark.parametrize(
    ("given", "line", "lines"),
    [
        ("Mayors meet innovators", "Mayors meet innovators", "Mayors meet innovators"),
        ("Ti\x01tle", "Title", "Title"),
        ("one\r\ntwo", "one two", "one\ntwo"),
        ("one\rtwo\nthree", "one two three", "one\ntwo\nthree"),
        ("a\tb", "a b", "a\tb"),
        ("nul\x00 del\x7f c1\x85\x9b", "nul del c1 ", "nul del c1\n"),
        ("www.example.org/\u202egnp.exe", "www.example.org/gnp.exe", "www.example.org/gnp.exe"),
        ("\u2066isolated\u2069", "isolated", "isolated"),
        ("para\u2028graph", "para graph", "para\ngraph"),
        ("lone \ud800 surrogate", "lone  surrogate", "lone  surrogate"),
        ("Élodie d’Aubigné «\u202fOK\u202f»", "Élodie d’Aubigné «\u202fOK\u202f»", None),
        ("👩\u200d💻 zero-width joiner kept", "👩\u200d💻 zero-width joiner kept", None),
    ],
)
def test_single_and_multi_line_texts(given: str, line: str, lines: str | None) -> None:
    assert texts.line(given) == line
    assert texts.lines(given) == (line if lines is None else lines)
    for out in (texts.line(given), texts.lines(given)):
        assert texts.line(out) == texts.line(given)  # cleaning twice changes nothing


def test_payloads_are_cleaned_as_they_arrive() -> None:
    event_in = msgspec.convert(
        {"title": "Maires\x01\r\net innovateurs", "round_seconds": 60, "rounds": 2,
         "signup": {"policy": "Line one\r\nline two\x00"}, "tags": ["mobi\tlité"]},
        inputs.EventIn,
    )  # fmt: skip
    assert event_in.title == "Maires et innovateurs"
    assert event_in.signup.policy == "Line one\nline two"  # a text of several lines keeps them
    assert event_in.tags == ["mobi lité"]
    patch = msgspec.convert({"title": "New\ntitle"}, inputs.EventPatch)
    assert inputs.given_fields(patch) == {"title": "New title"}
    notice = msgspec.convert({"text": "Break\r\nis over\u202e"}, socket_inputs.Notice)
    assert notice.text == "Break is over"
    help_ = msgspec.convert({"text": "No sound\r\nat all\x07"}, socket_inputs.Help)
    assert help_.text == "No sound\nat all"
    feedback = msgspec.convert(
        {"room": "r1", "rating": 4, "note": "a\tb\r\nc"}, socket_inputs.Feedback
    )
    assert feedback.note == "a\tb\nc"
    stats = msgspec.convert(
        {"ice": "conn\x00ected", "peers": [{"id": "p2", "ice": "new\r\n"}]}, socket_inputs.Stats
    )
    assert (stats.ice, stats.peers[0].ice) == ("connected", "new ")  # kept for the board
    signal: dict[str, Any] = {"type": "offer", "sdp": "v=0\r\no=- 1 2 IN IP4 0.0.0.0\r\n"}
    assert msgspec.convert({"to": "p2", "data": signal}, socket_inputs.Signal).data == signal
    with pytest.raises(msgspec.ValidationError, match="only control characters"):
        msgspec.convert({"title": "\x01\x02", "round_seconds": 60, "rounds": 2}, inputs.EventIn)


@pytest.mark.parametrize(
    ("address", "ok"),
    [
        ("claire@lyon.example", True),
        ("first.last+tag@sub.example.co.uk", True),
        ("élodie@mairie-lyon.fr", True),
        ("o'brien@example.ie", True),
        ("me@example.org,", False),
        ("a@x.org, b@y.org", False),
        ("a@x.org,b@y.org", False),
        ("a@x.org;b@y.org", False),
        ("Name <me@example.org>", False),
        ("me@example.org.", False),
        ("me@localhost", False),
        ("a..b@example.org", False),
        ("me@-example.org", False),
        ("me@exa\x00mple.org", False),
        ("me@example.org\n", False),
        ("x" * 65 + "@example.org", False),
    ],
)
def test_one_address_rule(address: str, ok: bool) -> None:
    assert fields.valid_email(address) is ok
    code = fields.check_value(event(["c1"]), "email", address)[0]
    assert code == ("" if ok else "bad_email")


def test_fields_of_people_are_cleaned_before_their_checks() -> None:
    assert fields.cleaned("name", " Claire\r\nMartin\x00 ") == "Claire Martin"
    assert fields.cleaned("pitch", "Line one\r\nline two\x1b") == "Line one\nline two"
    assert fields.cleaned("email", "\u202eme@example.org") == "me@example.org"


def test_a_workbook_from_an_old_record_with_control_characters_opens() -> None:
    sheet = dialects.Sheet("Meetings", ["name\x01", "note"], [["A\x01B", "one\r\ntwo\x0b"]])
    data = dialects.to_xlsx(dialects.ENGLISH, [sheet], "Title\x01\r\nwith\x00 controls")
    book = openpyxl.load_workbook(io.BytesIO(data))
    rows = list(book.active.iter_rows(values_only=True))  # type: ignore[union-attr]
    assert rows == [("name", "note"), ("AB", "one\ntwo\n")]
    assert book.properties.title == "Title with controls"


def test_an_email_from_an_old_record_with_control_characters_is_sent() -> None:
    state = event(["c1"])
    state = msgspec.structs.replace(
        state,
        settings=msgspec.structs.replace(
            state.settings, title="Old\r\ntitle\x01", starts_at=1_900_000_000_000
        ),
    )
    person: Participant = msgspec.structs.replace(
        state.participants["c1"], name="Claire\r\nBcc: x@evil.example"
    )
    settings = load(env={}, smtp_from="Speedmeet <events@example.org>")
    message = compose.compose(settings, state, person, "http://x/e/1/p/t", "invitation", 0)
    again = email.message_from_bytes(message.as_bytes(), policy=email.policy.default)
    assert again["Subject"] == "Your personal link for “Old title”"
    assert again["Bcc"] is None and again["To"].addresses[0].addr_spec == "c1@example.org"
    cal = compose.ics(state, "Line one\r\nline two", 0)
    assert "SUMMARY:Old title\r\n" in cal and "DESCRIPTION:Line one\\nline two\r\n" in cal
