"""The STUN/TURN servers handed to browsers (and to the self-test's aiortc peer): the configured
``ice_servers``, plus, when ``turn_secret`` is set, the ``turn_urls`` with short-lived credentials
of the coturn REST scheme (coturn's ``use-auth-secret``): username ``"<expiry>:<id>"``, credential
``base64(HMAC-SHA1(secret, username))``. The TURN server checks them with the same secret and
refuses a username whose expiry (Unix seconds) has passed; nothing is shared with it per person.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable, Sequence
from typing import Any

import msgspec

from ..core.model import IcePolicy
from ..settings import IceServer, Settings

SELFTEST = "check"  # the id in the self-test's usernames
# Credentials handed out for a call last at least its round's rest and this much more (an
# extension, a pause): coturn checks the expiry at every request that refreshes an allocation or
# a permission, so a call must never outlive them.
COVER_MARGIN_S = 900
MAX_TTL_S = 7 * 86400


def ice_policy(server: str, event: str | None) -> IcePolicy:
    """The ICE transport policy of an event's calls: ``relay`` when the server's settings or
    the event's say so (an event may make the server's stricter, never looser), else ``all``."""
    return "relay" if "relay" in (server, event) else "all"


def credential(secret: str, username: str) -> str:
    """The password coturn expects for ``username``: base64(HMAC-SHA1(secret, username))."""
    digest = hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def username(expiry_s: int, who: str) -> str:
    """``"<expiry>:<id>"``: valid until ``expiry_s`` (Unix seconds). Colons in ``who`` would
    confuse servers that split on the first one: they become dashes."""
    return f"{expiry_s}:{who.replace(':', '-')}"


def turn_server(urls: Sequence[str], secret: str, who: str, now_ms: int, ttl_s: int) -> IceServer:
    """One ``RTCIceServer`` for ``who`` with credentials valid ``ttl_s`` from ``now_ms``."""
    name = username(now_ms // 1000 + ttl_s, who)
    return IceServer(urls=list(urls), username=name, credential=credential(secret, name))


class IceServers:
    """What every assignment, staff call and self-test gets: fresh TURN credentials each time."""

    def __init__(
        self,
        static: Sequence[IceServer],
        now_ms: Callable[[], int],
        turn_urls: Sequence[str] = (),
        turn_secret: str = "",
        turn_ttl_s: int = 3600,
    ) -> None:
        self._static = list(static)
        self._now = now_ms
        self._urls = list(turn_urls)
        self._secret = turn_secret
        self._ttl = turn_ttl_s

    @classmethod
    def of(cls, settings: Settings, now_ms: Callable[[], int]) -> IceServers:
        """The servers ``settings`` configure, on the server's clock ``now_ms``."""
        return cls(
            settings.ice_servers,
            now_ms,
            settings.turn_urls,
            settings.turn_secret,
            settings.turn_ttl_seconds,
        )

    def servers(self, who: str, cover_ms: int = 0) -> list[IceServer]:
        """The servers for ``who`` (a participant id, a staff id, ``check``), as of now, with
        credentials valid ``turn_ttl_seconds``, or longer when a call of ``cover_ms`` (the rest
        of the round) needs it (plus ``COVER_MARGIN_S``)."""
        if not (self._urls and self._secret):
            return list(self._static)
        ttl = self._ttl
        if cover_ms > 0:
            ttl = min(max(ttl, -(-cover_ms // 1000) + COVER_MARGIN_S), MAX_TTL_S)
        fresh = turn_server(self._urls, self._secret, who, self._now(), ttl)
        return [*self._static, fresh]

    def wire(self, who: str, cover_ms: int = 0) -> list[dict[str, Any]]:
        """The same, as ``RTCIceServer`` dictionaries for a browser."""
        return [msgspec.to_builtins(s) for s in self.servers(who, cover_ms)]
