"""Settings: config.yaml documents every key; SPEEDMEET_* variables override; errors name the key."""

from __future__ import annotations

from pathlib import Path

import msgspec
import pytest
import yaml

from server.settings import Settings, SettingsError, load

CONFIG = Path(__file__).resolve().parents[2] / "config.yaml"


def test_config_yaml_documents_every_setting_with_its_default() -> None:
    written = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
    fields = {f.name: f.default for f in msgspec.structs.fields(Settings)}
    assert set(written) == set(fields)
    defaults = load(None, env={})
    for key, value in written.items():
        assert getattr(load(CONFIG, env={}), key) == getattr(defaults, key), key
        assert value is not None, key


def test_environment_overrides_the_file() -> None:
    env = {"SPEEDMEET_STORE": "redis", "SPEEDMEET_WORKERS": "3", "SPEEDMEET_LEASE_SECONDS": "2.5",
           "SPEEDMEET_REDIS_PREFIX": "0123", "SPEEDMEET_REQUIRE_BROWSER": "1"}  # fmt: skip
    s = load(CONFIG, env=env)
    assert (s.store, s.workers, s.lease_seconds, s.redis_prefix) == ("redis", 3, 2.5, "0123")


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"SPEEDMEET_PORT": "eighty"}, "port"),
        ({"SPEEDMEET_WORKERS": "2"}, "workers above 1 need store: redis"),
        ({"SPEEDMEET_LEASE_SECONDS": "0.1"}, "lease_seconds"),
        ({"SPEEDMEET_MAX_PARTICIPANTS": "1"}, "max_participants"),
        ({"SPEEDMEET_STORE": "postgres"}, "store"),
        ({"SPEEDMEET_PUBLIC_URL": "https://meet.example/\u202egro"}, "public_url"),
        ({"SPEEDMEET_CONNECTIONS_PER_ADDRESS": "-1"}, "connections_per_address"),
        ({"SPEEDMEET_HEADER_TIMEOUT_SECONDS": "0"}, "header_timeout_seconds"),
    ],
)
def test_a_bad_value_names_its_key(env: dict[str, str], named: str) -> None:
    with pytest.raises(SettingsError) as info:
        load(CONFIG, env=env)
    assert named in str(info.value)


def test_an_unknown_key_in_the_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("port: 9000\nlease_secs: 3\n", encoding="utf-8")
    with pytest.raises(SettingsError) as info:
        load(path, env={})
    assert "lease_secs" in str(info.value)


def test_media_thresholds_come_from_the_file_and_the_environment() -> None:
    rules = load(CONFIG, env={}).media_rules()
    assert (rules.grace_ms, rules.no_video_ms, rules.no_audio_ms) == (15_000, 10_000, 20_000)
    env = {"SPEEDMEET_NO_AUDIO_SECONDS": "4.5", "SPEEDMEET_MEDIA_GRACE_SECONDS": "0"}
    rules = load(CONFIG, env=env).media_rules()
    assert (rules.grace_ms, rules.no_video_ms, rules.no_audio_ms) == (0, 10_000, 4_500)
    with pytest.raises(SettingsError, match="no_video_seconds"):
        load(None, env={"SPEEDMEET_NO_VIDEO_SECONDS": "-1"})


def test_relay_only_calls_need_a_turn_relay() -> None:
    with pytest.raises(SettingsError) as info:
        load(CONFIG, env={"SPEEDMEET_ICE_TRANSPORT_POLICY": "relay"})
    assert "ice_transport_policy: relay needs a TURN relay: set turn_urls" in str(info.value)
    turn = {"SPEEDMEET_TURN_URLS": '["turn:turn.example.org:3478"]', "SPEEDMEET_TURN_SECRET": "s"}
    s = load(CONFIG, env={"SPEEDMEET_ICE_TRANSPORT_POLICY": "relay", **turn})
    assert s.ice_transport_policy == "relay" and s.has_turn()
    fixed = '[{"urls": ["turns:turn.example.org:443"], "username": "u", "credential": "p"}]'
    env = {"SPEEDMEET_ICE_TRANSPORT_POLICY": "relay", "SPEEDMEET_ICE_SERVERS": fixed}
    assert load(CONFIG, env=env).ice_transport_policy == "relay"
    stun = '[{"urls": ["stun:stun.example.org:3478"]}]'
    with pytest.raises(SettingsError):
        load(CONFIG, env={"SPEEDMEET_ICE_TRANSPORT_POLICY": "relay", "SPEEDMEET_ICE_SERVERS": stun})
