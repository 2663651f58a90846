"""TURN credentials of the coturn REST scheme (``use-auth-secret``), against known vectors."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest

from server.live.turn import IceServers, credential, turn_server, username
from server.settings import IceServer, SettingsError, load


@pytest.mark.parametrize(
    ("secret", "name", "digest_hex"),
    [
        # RFC 2202 (HMAC-SHA1 test cases 1 and 2): the credential is their digest in base64
        ("\x0b" * 20, "Hi There", "b617318655057264e28bc0b6fb378c8ef146be00"),
        ("Jefe", "what do ya want for nothing?", "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"),
    ],
)
def test_the_credential_is_base64_of_hmac_sha1(secret: str, name: str, digest_hex: str) -> None:
    assert credential(secret, name) == base64.b64encode(bytes.fromhex(digest_hex)).decode()


def test_a_coturn_username_and_its_credential() -> None:
    # computed apart: printf '%s' 1700003600:p3 | openssl dgst -sha1 -hmac north -binary | base64
    server = turn_server(["turn:turn.example.org:3478"], "north", "p3", 1_700_000_000_123, 3600)
    assert server.username == "1700003600:p3"
    assert server.credential == "N4t3eapwTUClFTZCexoZCqNaLAM="
    assert server.urls == ["turn:turn.example.org:3478"]


def test_a_colon_in_the_id_cannot_move_the_expiry() -> None:
    assert username(1700003600, "m:99") == "1700003600:m-99"


def test_servers_are_fresh_each_time_and_follow_the_static_ones() -> None:
    now = [1_700_000_000_000]
    stun = IceServer(urls=["stun:stun.example.org:3478"])
    ice = IceServers([stun], lambda: now[0], ["turns:t.example.org:443"], "s3cret", 600)
    first = ice.servers("p1")
    assert first[0] == stun and first[1].username == "1700000600:p1"
    now[0] += 60_000
    later = ice.wire("p1")[1]
    assert later["username"] == "1700000660:p1"
    expected = base64.b64encode(
        hmac.new(b"s3cret", b"1700000660:p1", hashlib.sha1).digest()
    ).decode()
    assert later["credential"] == expected and later["urls"] == ["turns:t.example.org:443"]


def test_without_a_secret_only_the_static_servers() -> None:
    stun = IceServer(urls=["stun:stun.example.org:3478"])
    assert IceServers([stun], lambda: 0).servers("p1") == [stun]


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"SPEEDMEET_TURN_URLS": '["turn:t.example.org"]'}, "turn_secret"),
        ({"SPEEDMEET_TURN_SECRET": "x"}, "turn_urls"),
        (
            {"SPEEDMEET_TURN_URLS": '["stun:t.example.org"]', "SPEEDMEET_TURN_SECRET": "x"},
            "turn_urls",
        ),
        (
            {
                "SPEEDMEET_TURN_URLS": '["turn:t.example.org"]',
                "SPEEDMEET_TURN_SECRET": "x",
                "SPEEDMEET_TURN_TTL_SECONDS": "5",
            },
            "turn_ttl_seconds",
        ),
    ],
)
def test_turn_settings_that_cannot_work_are_refused(env: dict[str, str], named: str) -> None:
    with pytest.raises(SettingsError) as info:
        load(None, env=env)
    assert named in str(info.value)


def test_a_numeric_secret_stays_text() -> None:
    env = {"SPEEDMEET_TURN_URLS": '["turn:t.example.org"]', "SPEEDMEET_TURN_SECRET": "0123"}
    assert load(None, env=env).turn_secret == "0123"


def test_credentials_outlast_the_rest_of_a_long_round() -> None:
    """A two-hour round with credentials of one hour would lose its relay halfway: coturn checks
    the expiry whenever the browser refreshes its allocation or permissions."""
    from server.live.turn import COVER_MARGIN_S, MAX_TTL_S

    now = 1_700_000_000_000
    ice = IceServers([], lambda: now, ["turn:t.example.org:3478"], "s", 3600)

    def expiry(cover_ms: int) -> int:
        name = ice.servers("p1", cover_ms)[-1].username
        assert name is not None
        return int(name.split(":")[0]) - now // 1000

    assert expiry(0) == 3600  # no call: turn_ttl_seconds
    assert expiry(300_000) == 3600  # a short round: turn_ttl_seconds cover it
    assert expiry(7200_000) == 7200 + COVER_MARGIN_S
    assert expiry(7200_001) == 7201 + COVER_MARGIN_S  # a started second counts
    assert expiry(30 * 86400_000) == MAX_TTL_S
