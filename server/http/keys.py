"""Typed application state (aiohttp ``AppKey``s), shared by the routes and the app factory."""

from __future__ import annotations

from collections.abc import Callable

from aiohttp import web

from ..limits import Rate, client_address
from ..live.feed import Feed
from ..live.leases import Leases
from ..live.owner import Owner
from ..live.purge import Purge
from ..live.turn import IceServers
from ..mail.outbox import Outbox
from ..mail.summaries import Summaries
from ..metrics import Metrics
from ..settings import Settings

SETTINGS = web.AppKey("settings", Settings)
OWNER = web.AppKey("owner", Owner)
LEASES = web.AppKey("leases", Leases)
METRICS = web.AppKey("metrics", Metrics)
ADMIN_TOKEN = web.AppKey("admin_token", str)
NEW_TOKEN: web.AppKey[Callable[[], str]] = web.AppKey("new_token")
OUTBOX = web.AppKey("outbox", Outbox)
ICE = web.AppKey("ice", IceServers)
PURGE = web.AppKey("purge", Purge)
SUMMARIES = web.AppKey("summaries", Summaries)
FEED = web.AppKey("feed", Feed)


class Signups:
    """How many sign-ups the registration links take: per event and per client address."""

    def __init__(self, per_event: Rate, per_address: Rate, trust_forwarded: bool) -> None:
        self.per_event = per_event
        self.per_address = per_address
        self.trust_forwarded = trust_forwarded

    def check(self, request: web.Request, event_id: str) -> None:
        """Raise ``RateLimited`` when this event or this address signs up too many."""
        who = client_address(
            request.remote, request.headers.get("X-Forwarded-For"), self.trust_forwarded
        )
        self.per_address.check(who, "sign-ups from your connection")
        self.per_event.check(event_id, "sign-ups for this event")


SIGNUPS = web.AppKey("signups", Signups)
