"""Relay-only signaling (server/core/candidates.py): what passes to a partner, as tables."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from server.core.candidates import candidate_type, relay_lines, relayed_only
from server.live.turn import ice_policy
from server.signaling import RoomIndex
from tests.core.states import event, in_round

HOST = "candidate:1 1 udp 2122260223 192.168.1.20 54321 typ host generation 0 ufrag ab"
MDNS = "candidate:2 1 udp 2122260223 4f1c.local 54321 typ host generation 0"
SRFLX = "candidate:3 1 udp 1686052607 203.0.113.7 40000 typ srflx raddr 192.168.1.20 rport 1"
PRFLX = "candidate:4 1 udp 1845501695 203.0.113.7 40001 typ prflx raddr 0.0.0.0 rport 0"
TCP_HOST = "candidate:5 1 tcp 1518280447 192.168.1.20 9 typ host tcptype active"
RELAY = "candidate:6 1 udp 41885439 198.51.100.9 50000 typ relay raddr 0.0.0.0 rport 0"
RELAY_RADDR = "candidate:7 1 udp 41885439 198.51.100.9 50002 typ relay raddr 203.0.113.7 rport 9"


@pytest.mark.parametrize(
    ("line", "kind"),
    [
        (HOST, "host"),
        (MDNS, "host"),
        (SRFLX, "srflx"),
        (PRFLX, "prflx"),
        (TCP_HOST, "host"),
        (RELAY, "relay"),
        ("a=" + RELAY, "relay"),
        ("", None),
        ("candidate:1 1 udp 1 typ", None),  # no value after typ
        ("typ relay", None),  # not where a candidate's type is
    ],
)
def test_the_type_of_a_candidate_line(line: str, kind: str | None) -> None:
    assert candidate_type(line) == kind


def _trickled(line: str) -> dict[str, Any]:
    return {"candidate": {"candidate": line, "sdpMid": "0", "sdpMLineIndex": 0}, "session": "s"}


@pytest.mark.parametrize("line", [HOST, MDNS, SRFLX, PRFLX, TCP_HOST, "candidate:garbage"])
def test_a_trickled_candidate_other_than_relay_is_not_passed_on(line: str) -> None:
    passed, dropped = relayed_only(_trickled(line))
    assert passed is None
    assert sum(dropped.values()) == 1


def test_relay_candidates_and_the_end_of_candidates_pass() -> None:
    assert relayed_only(_trickled(RELAY)) == (_trickled(RELAY), {})
    assert relayed_only(_trickled("")) == (_trickled(""), {})
    for data in ({"hello": True, "session": "s"}, {"bye": True}, {"screen": True}):
        assert relayed_only(data) == (data, {})


def test_a_relay_candidate_loses_its_related_address() -> None:
    passed, dropped = relayed_only(_trickled(RELAY_RADDR))
    assert passed is not None
    assert passed["candidate"]["candidate"] == RELAY_RADDR.replace(
        "raddr 203.0.113.7 rport 9", "raddr 0.0.0.0 rport 0"
    )
    assert passed["candidate"]["sdpMid"] == "0"
    assert dropped == {"related": 1}


def test_a_candidate_that_is_not_an_object_is_not_passed_on() -> None:
    passed, dropped = relayed_only({"candidate": HOST})
    assert passed is None and dropped == {"unknown": 1}


SDP = (
    "v=0\r\n"
    "o=- 46117 2 IN IP4 127.0.0.1\r\n"
    "s=-\r\n"
    "m=video 50000 UDP/TLS/RTP/SAVPF 96\r\n"
    "c=IN IP4 192.168.1.20\r\n"
    "a=rtcp:9 IN IP4 192.168.1.20\r\n"
    f"a={HOST}\r\n"
    f"a={SRFLX}\r\n"
    f"a={RELAY}\r\n"
    f"a={RELAY_RADDR}\r\n"
    "a=end-of-candidates\r\n"
)


def test_a_description_keeps_only_its_relay_candidates_and_masks_addresses() -> None:
    data = {"description": {"type": "offer", "sdp": SDP}, "session": "s"}
    passed, dropped = relayed_only(data)
    assert passed is not None and passed["session"] == "s"
    sdp = passed["description"]["sdp"]
    assert passed["description"]["type"] == "offer"
    assert "192.168.1.20" not in sdp and "203.0.113.7" not in sdp
    assert "c=IN IP4 0.0.0.0\r\n" in sdp and "a=rtcp:9 IN IP4 0.0.0.0\r\n" in sdp
    assert f"a={RELAY}\r\n" in sdp and "a=end-of-candidates\r\n" in sdp
    assert [candidate_type(x) for x in sdp.splitlines() if x.startswith("a=candidate")] == [
        "relay",
        "relay",
    ]
    assert dropped == {"host": 1, "srflx": 1, "address": 2, "related": 1}
    # what is clean already passes as it is
    again, none = relayed_only(passed)
    assert again == passed and not none


def test_ipv6_default_addresses_are_masked_too() -> None:
    sdp, dropped = relay_lines("c=IN IP6 2001:db8::5\r\n")
    assert sdp == "c=IN IP6 ::\r\n" and dropped == {"address": 1}


@pytest.mark.parametrize(
    ("server", "event", "policy"),
    [("all", "all", "all"), ("all", "relay", "relay"), ("relay", "all", "relay"),
     ("relay", None, "relay"), ("all", None, "all")],
)  # fmt: skip
def test_an_event_makes_the_servers_policy_stricter_never_looser(
    server: str, event: str | None, policy: str
) -> None:
    assert ice_policy(server, event) == policy


def test_the_room_index_knows_whether_the_event_is_relay_only() -> None:
    state = in_round(event(["c1", "s1"]), [("c1", "s1")])
    assert RoomIndex.of(state).relay_only is False
    assert RoomIndex.of(state, "relay").relay_only is True
    settings = msgspec.structs.replace(state.settings, ice_transport_policy="relay")
    relay = msgspec.structs.replace(state, settings=settings)
    assert RoomIndex.of(relay).relay_only is True
