"""Settings: ``config.yaml`` read once into a frozen object; ``SPEEDMEET_<KEY>`` overrides."""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import UTC, tzinfo
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import msgspec
import yaml

from .core import bidi
from .core.model import MediaRules

ENV_PREFIX = "SPEEDMEET_"
CHAT_MAX_CHARS = 4000  # the most chat_max_chars may allow (the payload's own bound)


class IceServer(msgspec.Struct, frozen=True, omit_defaults=True):
    """One STUN or TURN server handed to the browsers (an ``RTCIceServer``)."""

    urls: list[str]
    username: str | None = None
    credential: str | None = None


class Settings(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Every setting of the server; ``config.yaml`` documents each one."""

    host: str = "127.0.0.1"
    port: int = 8080
    public_url: str = ""
    admin_token: str = ""
    metrics_token: str = ""  # empty: /metrics asks for the admin token
    store: Literal["memory", "redis"] = "memory"
    data_dir: str = "data"
    redis_url: str = "redis://127.0.0.1:6379/0"
    redis_prefix: str = "speedmeet"
    data_key: str = ""
    workers: int = 1
    lease_seconds: float = 4.0
    presence_timeout_seconds: float = 5.0
    max_participants: int = 3000
    rate_events_per_second: float = 10.0
    rate_events_burst: int = 40
    rate_signals_per_second: float = 60.0
    rate_signals_burst: int = 300
    rate_signal_bytes_per_second: int = 64 * 1024
    rate_signal_bytes_burst: int = 512 * 1024
    rate_person_edits_per_second: float = 1.0
    rate_person_edits_burst: int = 30
    rate_person_stats_per_second: float = 2.0
    rate_person_stats_burst: int = 40
    help_every_seconds: float = 20.0
    pages_per_link: int = 4
    outbound_limit: int = 500
    outbound_limit_bytes: int = 8_000_000
    signups_per_minute: int = 300
    signups_per_address_burst: int = 20
    signups_per_address_per_minute: float = 3.0
    selftests: int = 8
    selftests_per_address: int = 2
    selftests_per_event: int = 4
    selftest_connect_seconds: float = 20.0
    selftest_seconds: float = 120.0
    selftest_measure_seconds: float = 30.0
    trust_forwarded_for: bool = False
    connections_per_address: int = 200
    header_timeout_seconds: float = 10.0
    ice_servers: list[IceServer] = msgspec.field(default_factory=list)
    turn_urls: list[str] = msgspec.field(default_factory=list)
    turn_secret: str = ""
    turn_ttl_seconds: int = 3600
    ice_transport_policy: Literal["all", "relay"] = "all"
    rate_chat_per_second: float = 1.0
    rate_chat_burst: int = 10
    chat_max_chars: int = 1000
    language: Literal["en", "fr"] = "en"
    no_show_seconds: int = 45
    odd: Literal["trio", "wait"] = "trio"
    restart_grace_seconds: float = 10.0
    board_interval_ms: int = 250
    media_grace_seconds: float = 15.0
    no_video_seconds: float = 10.0
    no_audio_seconds: float = 20.0
    log_level: str = "INFO"
    data_policy: str = ""
    retention_days: int = 90
    timezone: str = "UTC"
    reminder_minutes: int = 1440
    summary_mail: bool = True
    summary_mail_minutes: int = 15
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_security: Literal["starttls", "tls", "none"] = "starttls"
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_from: str = ""
    smtp_concurrency: int = 4
    smtp_timeout_seconds: float = 30.0
    photo_max_bytes: int = 4_000_000
    photo_pixels: int = 512

    def __post_init__(self) -> None:
        if self.workers < 1:
            raise ValueError("workers must be at least 1")
        if self.workers > 1 and self.store != "redis":
            raise ValueError(
                "workers above 1 need store: redis (the embedded store is one process's)"
            )
        if not 0.5 <= self.lease_seconds <= 60:
            raise ValueError("lease_seconds must be between 0.5 and 60")
        if not 0.5 <= self.presence_timeout_seconds <= 120:
            raise ValueError("presence_timeout_seconds must be between 0.5 and 120")
        if self.max_participants < 2:
            raise ValueError("max_participants must be at least 2")
        if self.signups_per_minute < 1 or self.signups_per_address_burst < 1:
            raise ValueError("signups_per_minute and signups_per_address_burst must be at least 1")
        if not 0 < self.signups_per_address_per_minute <= self.signups_per_minute:
            raise ValueError(
                "signups_per_address_per_minute must be above 0 and at most signups_per_minute"
            )
        if not 0 <= self.connections_per_address <= 100_000:
            raise ValueError("connections_per_address must be between 0 (no limit) and 100000")
        if not 0.1 <= self.header_timeout_seconds <= 300:
            raise ValueError("header_timeout_seconds must be between 0.1 and 300")
        if self.smtp_host and not self.smtp_from:
            raise ValueError("smtp_from is needed with smtp_host (the sender of invitations)")
        if not 1 <= self.smtp_concurrency <= 50:
            raise ValueError("smtp_concurrency must be between 1 and 50")
        if not 10_000 <= self.photo_max_bytes <= 5 * 1024 * 1024:
            raise ValueError("photo_max_bytes must be between 10000 and 5242880 (5 MiB)")
        if not 64 <= self.photo_pixels <= 2048:
            raise ValueError("photo_pixels must be between 64 and 2048")
        if not 0 <= self.reminder_minutes <= 20160:
            raise ValueError("reminder_minutes must be between 0 and 20160 (two weeks)")
        if not 0 <= self.summary_mail_minutes <= 1440:
            raise ValueError("summary_mail_minutes must be between 0 and 1440 (a day)")
        if not 20 <= self.board_interval_ms <= 60_000:
            raise ValueError("board_interval_ms must be between 20 and 60000")
        for key in ("media_grace_seconds", "no_video_seconds", "no_audio_seconds"):
            if not 0 <= getattr(self, key) <= 3600:
                raise ValueError(f"{key} must be between 0 and 3600")
        for key in ("selftests", "selftests_per_address", "selftests_per_event"):
            if getattr(self, key) < 1:
                raise ValueError(f"{key} must be at least 1")
        if not 1 <= self.selftest_measure_seconds < self.selftest_seconds:
            raise ValueError(
                "selftest_measure_seconds must be at least 1 and less than selftest_seconds"
            )
        if self.turn_urls and not self.turn_secret:
            raise ValueError("turn_urls need turn_secret (coturn's static-auth-secret)")
        if self.turn_secret and not self.turn_urls:
            raise ValueError("turn_secret needs turn_urls (e.g. turn:turn.example.org:3478)")
        for key, url in [("public_url", self.public_url)] + [
            ("turn_urls", u) for u in self.turn_urls
        ]:
            if bidi.controls_in(url):
                raise ValueError(
                    f"{key}: {url.encode('unicode_escape').decode()} holds invisible direction "
                    "marks (such as U+202E) that disguise an address; type it again"
                )
        for url in self.turn_urls:
            if not url.startswith(("turn:", "turns:")):
                raise ValueError(f"turn_urls: {url!r} is not a turn: or turns: URL")
        if not 60 <= self.turn_ttl_seconds <= 7 * 86400:
            raise ValueError("turn_ttl_seconds must be between 60 and 604800 (a week)")
        if self.ice_transport_policy == "relay" and not self.has_turn():
            raise ValueError(
                "ice_transport_policy: relay needs a TURN relay: set turn_urls and turn_secret "
                "(or list a turn: server with its username and credential in ice_servers)"
            )
        if not 1 <= self.pages_per_link <= 50:
            raise ValueError("pages_per_link must be between 1 and 50")
        if not 1 <= self.chat_max_chars <= CHAT_MAX_CHARS:
            raise ValueError(f"chat_max_chars must be between 1 and {CHAT_MAX_CHARS}")
        if not 0 <= self.retention_days <= 3650:
            raise ValueError(
                "retention_days must be between 0 (keep until deleted by hand) and 3650"
            )
        zone(self.timezone)  # a name the time zone database knows

    def has_turn(self) -> bool:
        """Whether a TURN relay is configured (``turn_urls``, or a ``turn:``/``turns:`` server
        in ``ice_servers``): what relay-only calls need."""
        static = [u for server in self.ice_servers for u in server.urls]
        return any(u.startswith(("turn:", "turns:")) for u in [*self.turn_urls, *static])

    def media_rules(self) -> MediaRules:
        """When rooms are flagged for media that does not arrive."""
        return MediaRules(
            grace_ms=int(self.media_grace_seconds * 1000),
            no_video_ms=int(self.no_video_seconds * 1000),
            no_audio_ms=int(self.no_audio_seconds * 1000),
        )

    def tz(self) -> tzinfo:
        """The time zone of the times in the results and the report (``timezone``)."""
        return zone(self.timezone)

    def base_url(self) -> str:
        """Where people reach this server: ``public_url`` or ``http://host:port``."""
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")


def zone(name: str) -> tzinfo:
    """A time zone by its IANA name (``UTC``, ``Europe/Paris``)."""
    if name.upper() == "UTC":
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"timezone {name!r} is not a time zone name such as Europe/Paris") from exc


class SettingsError(Exception):
    """A setting has a bad value; the message names the key."""


# Keys whose variables are taken as they are (a secret is text, even when it looks like a number).
TEXT_KEYS: tuple[str, ...] = ("admin_token", "metrics_token", "public_url", "redis_url")
TEXT_KEYS += ("redis_prefix",)
TEXT_KEYS += ("data_dir", "data_key", "turn_secret", "data_policy", "timezone")
TEXT_KEYS += ("smtp_host", "smtp_username", "smtp_password", "smtp_from")


def _env_value(raw: str) -> Any:
    # YAML parses numbers, booleans and lists (``[...]``) the way config.yaml would.
    return yaml.safe_load(raw) if raw.strip() else ""


def load(
    path: str | Path | None = None,
    env: Mapping[str, str] | None = None,
    **overrides: Any,
) -> Settings:
    """Read ``path`` (if any), apply ``SPEEDMEET_*`` variables, then ``overrides``."""
    env = os.environ if env is None else env
    data: dict[str, Any] = {}
    if path is not None:
        p = Path(path)
        if not p.exists():
            raise SettingsError(f"config file {p} does not exist")
        loaded = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
        if not isinstance(loaded, dict):
            raise SettingsError(f"{p}: expected a mapping of settings at the top level")
        data.update(loaded)
    known = {f.name for f in msgspec.structs.fields(Settings)}
    for key, raw in env.items():
        if not key.startswith(ENV_PREFIX):
            continue
        name = key[len(ENV_PREFIX) :].lower()
        if name not in known:
            continue  # other tools may use the prefix (e.g. SPEEDMEET_REQUIRE_BROWSER)
        data[name] = raw if name in TEXT_KEYS else _env_value(raw)
    data.update({k: v for k, v in overrides.items() if v is not None})
    try:
        return msgspec.convert(data, Settings, strict=False)
    except msgspec.ValidationError as exc:
        raise SettingsError(
            f"bad setting: {exc} (see config.yaml for what each key takes)"
        ) from exc
