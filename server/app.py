"""The application factory: wires the store, the owner, the transports and the background tasks."""

from __future__ import annotations

import asyncio
import gc
import logging
import secrets
import time
import uuid
from collections.abc import AsyncIterator, Callable

import socketio
from aiohttp import web

from . import store as stores
from .assets import WEB
from .http import (
    api,
    followups,
    guard,
    join,
    mailing,
    pages,
    people,
    photos,
    results,
    selftest,
    status,
)
from .http.connections import CONNECTIONS, Connections, by_forwarded, close_unread, handler_args
from .http.keys import (
    ADMIN_TOKEN,
    FEED,
    FOLLOWUPS,
    ICE,
    LEASES,
    METRICS,
    NEW_TOKEN,
    OUTBOX,
    OWNER,
    PURGE,
    SETTINGS,
    SIGNUPS,
    SUMMARIES,
    Signups,
)
from .http.selftest import ECHO, Echo
from .limits import Gate, Rate
from .live.board import Board
from .live.conductor import Conductor
from .live.delivery import Delivery
from .live.feed import Feed
from .live.leases import Leases
from .live.owner import Owner
from .live.presence import Presence
from .live.purge import Purge
from .live.turn import SELFTEST, IceServers
from .mail.followups import FollowUps
from .mail.outbox import Outbox
from .mail.reminders import Reminders
from .mail.summaries import Summaries
from .metrics import Metrics
from .settings import Settings
from .signaling import Signaling
from .sockets import codec, manager
from .sockets.followup import FollowUpNamespace
from .sockets.host import HostNamespace
from .sockets.moderator import ModeratorNamespace
from .sockets.namespaces import Namespaces
from .sockets.participant import ParticipantNamespace
from .sockets.quotas import Outbound, SocketLimits
from .store import Store
from .tasks import Tasks

log = logging.getLogger(__name__)

CONDUCTOR = web.AppKey("conductor", Conductor)
BOARD = web.AppKey("board", Board)
REMINDERS = web.AppKey("reminders", Reminders)
SIO = web.AppKey("sio", socketio.AsyncServer)
GOODBYE_S = 5  # how long the clients' sockets may take to close at shutdown
NAMESPACES = web.AppKey("namespaces", Namespaces)
PRESENCE = web.AppKey("presence", Presence)
OUTBOUND = web.AppKey("outbound", Outbound)
MAX_PACKET = 256 * 1024  # a signal's data is at most 64 KiB


def wall_clock_ms() -> int:
    """Server epoch milliseconds."""
    return time.time_ns() // 1_000_000


def new_token() -> str:
    """A secret for a link (128 bits, URL-safe)."""
    return secrets.token_urlsafe(16)


def create_app(
    settings: Settings,
    *,
    store: Store | None = None,
    now: Callable[[], int] = wall_clock_ms,
) -> web.Application:
    """Build the server; nothing runs until aiohttp starts the app."""
    proc = uuid.uuid4().hex[:12]
    guard.quiet_client_mistakes()
    app = web.Application(
        middlewares=[
            close_unread,
            by_forwarded,
            guard.headers,
            api.errors,
            pages.page_errors,
        ],
        client_max_size=api.MAX_BODY,
        handler_args=handler_args(settings.header_timeout_seconds),
    )
    app[CONNECTIONS] = Connections(
        settings.connections_per_address, by_peer=not settings.trust_forwarded_for
    )
    metrics = Metrics()
    store = store or stores.make(settings, proc)
    owner = Owner(store, now, metrics)
    sio = socketio.AsyncServer(
        async_mode="aiohttp",
        client_manager=manager.make(settings, proc),
        cors_allowed_origins=guard.origins(settings.public_url),
        logger=False,
        engineio_logger=False,
        json=codec.Json,
        serializer=codec.Packet,
        # several processes: websocket only, so that no sticky balancing is needed
        transports=["websocket"] if settings.store == "redis" else ["polling", "websocket"],
        max_http_buffer_size=MAX_PACKET,
    )
    sio.attach(app)
    codec.guard(sio)
    ice = IceServers.of(settings, now)
    signaling = Signaling(store, sio, settings, metrics, ice)
    delivery = Delivery(sio, signaling)
    limits = SocketLimits(
        Rate(settings.rate_events_per_second, settings.rate_events_burst),
        Rate(settings.rate_signals_per_second, settings.rate_signals_burst),
        settings.help_every_seconds,
        metrics,
        chat=Rate(settings.rate_chat_per_second, settings.rate_chat_burst),
        chat_chars=settings.chat_max_chars,
        pages=settings.pages_per_link,
        edits=Rate(settings.rate_person_edits_per_second, settings.rate_person_edits_burst),
        reports=Rate(settings.rate_person_stats_per_second, settings.rate_person_stats_burst),
    )
    participants = ParticipantNamespace(owner, metrics, limits, signaling, delivery)
    host = HostNamespace(owner, metrics, limits, settings.base_url(), new_token)
    moderators = ModeratorNamespace(owner, metrics, limits, signaling)
    host.rules = moderators.rules = settings.media_rules()
    namespaces = Namespaces(participants, host, moderators, sio)
    for namespace in namespaces.all:
        sio.register_namespace(namespace)
    leases = Leases(store, int(settings.lease_seconds * 1000), metrics)
    grace_ms = int(settings.restart_grace_seconds * 1000)
    conductor = Conductor(owner, now, grace_ms, metrics, leases)
    board = Board(owner, settings.board_interval_ms, settings.media_rules())
    outbox = Outbox(settings, owner, now)
    reminders = Reminders(owner, outbox, now, new_token, settings.base_url(), leases)
    leases.stewards += [conductor, board, reminders]
    summaries = Summaries(
        owner,
        outbox,
        new_token,
        settings.base_url(),
        settings.summary_mail_minutes,
        settings.summary_mail,
    )
    owner.on_end.append(summaries.ended)
    app[FOLLOWUPS] = FollowUps(
        owner,
        outbox,
        settings.base_url(),
        retention_days=settings.retention_days,
        new_token=new_token,
    )
    namespaces.followup = FollowUpNamespace(owner, app[FOLLOWUPS], ice, settings)
    sio.register_namespace(namespaces.followup)
    listener = manager.name(settings, proc)
    feed = Feed(
        [signaling, delivery, conductor, board, namespaces, reminders],
        namespaces,
        lambda: manager.listening(sio, listener),
        metrics,
    )
    store.subscribe(feed)
    app[FEED] = feed
    app[OUTBOX] = outbox
    app[REMINDERS] = reminders
    app[SUMMARIES] = summaries
    app[PURGE] = Purge(owner, settings.retention_days)
    app[BOARD] = board
    app[CONDUCTOR] = conductor
    app[LEASES] = leases
    app[NAMESPACES] = namespaces
    app[PRESENCE] = Presence(owner, settings.presence_timeout_seconds, participants)
    app[OUTBOUND] = Outbound(sio, settings.outbound_limit, settings.outbound_limit_bytes, metrics)
    app[OUTBOUND].install()
    app[SIGNUPS] = Signups.of(settings)
    app[SETTINGS] = settings
    app[OWNER] = owner
    app[METRICS] = metrics
    app[SIO] = sio
    app[ADMIN_TOKEN] = settings.admin_token
    app[NEW_TOKEN] = new_token
    app[ICE] = ice
    app[ECHO] = Echo(
        limit=settings.selftests,
        lifetime_s=settings.selftest_seconds,
        ice_servers=lambda: ice.servers(SELFTEST),
        per_address=settings.selftests_per_address,
        per_event=settings.selftests_per_event,
        connect_s=settings.selftest_connect_seconds,
    )
    app[pages.JINJA] = pages.environment()
    app.router.add_routes(api.routes)
    app.router.add_routes(people.routes)
    app.router.add_routes(mailing.routes)
    app.router.add_routes(pages.routes)
    app.router.add_routes(join.routes)
    app.router.add_routes(results.routes)
    app.router.add_routes(followups.routes)
    app.router.add_routes(photos.routes)
    app[photos.UPLOADS] = Rate(10 / 60, photos.BURST)
    app[photos.DECODES] = Gate(photos.AT_ONCE, photos.WAITING)
    app.router.add_routes(status.routes)
    app.router.add_routes(selftest.routes)
    app.router.add_static("/static", WEB / "static")
    app.cleanup_ctx.append(_run)
    app.on_shutdown.append(_goodbye)
    return app


async def _goodbye(app: web.Application) -> None:
    """On SIGTERM, before the connections close: tell every client the server is restarting."""
    log.info("shutting down: telling the clients")
    await app[NAMESPACES].status(degraded=True, restarting=True)
    # Then close their connections: aiohttp would otherwise wait for every websocket to end.
    # Their presence is written while the store is still open (it closes at cleanup). Not
    # ``eio.disconnect()``: it waits for each socket's queue to drain, forever for a socket whose
    # client left at the same moment (its writer is gone); the CLOSE packet is sent either way.
    sockets = list(getattr(app[SIO].eio, "sockets", {}).values())
    try:
        async with asyncio.timeout(GOODBYE_S):
            await asyncio.gather(*(s.close(wait=False) for s in sockets), return_exceptions=True)
    except TimeoutError:
        log.warning(
            "%d client connections did not close in %d s; closing anyway", len(sockets), GOODBYE_S
        )


async def _run(app: web.Application) -> AsyncIterator[None]:
    """Open the store, start the background loops; stop them all and close on shutdown."""
    owner, leases = app[OWNER], app[LEASES]
    await owner.store.open()
    tasks = Tasks()
    try:
        await app[PRESENCE].beat()
        await leases.renew()
        # Everything loaded so far (modules, their objects, the events read at start) lives as
        # long as the process: keep the garbage collector from walking it on every full pass.
        gc.freeze()
        tasks.start(app[FEED].run(), name="feed")
        tasks.start(leases.run(), name="leases")
        tasks.start(app[CONDUCTOR].run(), name="conductor")
        tasks.start(app[BOARD].run(), name="board")
        tasks.start(app[PRESENCE].run(), name="presence")
        tasks.start(app[ECHO].run(), name="self-test sweep")
        tasks.start(app[OUTBOX].run(), name="mail")
        tasks.start(app[REMINDERS].run(), name="reminders")
        tasks.start(app[SUMMARIES].run(), name="summaries")
        tasks.start(app[FOLLOWUPS].run(), name="follow-up reminders")
        tasks.start(app[PURGE].run(), name="retention")
        yield
    finally:
        await tasks.close()
        await app[NAMESPACES].close()
        await app[FEED].close()
        await leases.close()
        await app[ECHO].close()
        await manager.close(app[SIO])
        await owner.store.close()
        owner.pools.close()
