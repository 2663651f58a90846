"""Typed application state (aiohttp ``AppKey``s), shared by the routes and the app factory."""

from __future__ import annotations

import time
from collections.abc import Callable

from aiohttp import web

from ..limits import Rate, client_address
from ..live.feed import Feed
from ..live.leases import Leases
from ..live.owner import Owner
from ..live.purge import Purge
from ..live.turn import IceServers
from ..mail.followups import FollowUps
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
FOLLOWUPS = web.AppKey("followups", FollowUps)


class Signups:
    """How many sign-ups the registration links take: per event and per client address. An
    address's bucket is a town hall's crowd at once (``signups_per_address_burst``), then a few
    a minute, far smaller than the event's: a few addresses cannot use up the event's budget
    and crowd out everyone else's sign-ups."""

    def __init__(self, per_event: Rate, per_address: Rate, trust_forwarded: bool) -> None:
        self.per_event = per_event
        self.per_address = per_address
        self.trust_forwarded = trust_forwarded

    @classmethod
    def of(cls, settings: Settings, clock: Callable[[], float] = time.monotonic) -> Signups:
        """The limits ``settings`` set (``clock``: seconds, for the buckets' refill)."""
        return cls(
            Rate(settings.signups_per_minute / 60, settings.signups_per_minute, clock),
            Rate(
                settings.signups_per_address_per_minute / 60,
                settings.signups_per_address_burst,
                clock,
            ),
            settings.trust_forwarded_for,
        )

    def admit(self, who: str, event_id: str) -> None:
        """Raise ``RateLimited`` (``scope``: ``address`` or ``event``) when ``who`` or this event
        signs up too many; an address refused uses none of the event's budget."""
        self.per_address.check(who, "sign-ups from your connection", scope="address")
        self.per_event.check(event_id, "sign-ups for this event", scope="event")

    def check(self, request: web.Request, event_id: str) -> None:
        """``admit`` the request's client address."""
        forwarded = request.headers.get("X-Forwarded-For")
        self.admit(client_address(request.remote, forwarded, self.trust_forwarded), event_id)


SIGNUPS = web.AppKey("signups", Signups)
