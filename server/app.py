"""The application factory: wires the store, the core's owner, the transports and the tasks."""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import msgspec
import socketio
from aiohttp import web
from prometheus_client import generate_latest

from .board import Board
from .check import Echo
from .conductor import Conductor
from .http import api, join, pages
from .http.keys import ADMIN_TOKEN, EVENTS, METRICS, NEW_TOKEN, SETTINGS
from .metrics import Metrics
from .service import Events
from .settings import Settings
from .sockets import (
    GreetingManager,
    HostNamespace,
    ModeratorNamespace,
    ParticipantNamespace,
    SocketEmitter,
)
from .store import MemoryStore, Store

log = logging.getLogger(__name__)

CONDUCTOR = web.AppKey("conductor", Conductor)
BOARD = web.AppKey("board", Board)
ECHO = web.AppKey("echo", Echo)
SIO = web.AppKey("sio", socketio.AsyncServer)


def wall_clock_ms() -> int:
    """Server epoch milliseconds."""
    return time.time_ns() // 1_000_000


def make_store(settings: Settings) -> Store:
    """The store ``settings.store`` names."""
    if settings.store == "memory":
        return MemoryStore(Path(settings.data_dir) / "speedmeet.sqlite3")
    raise SystemExit(
        f"store {settings.store!r} is not available in this version; use store: memory"
    )


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
    app = web.Application(middlewares=[api.errors], client_max_size=api.MAX_BODY)
    metrics = Metrics()
    events = Events(store or make_store(settings), settings, now)
    sio = socketio.AsyncServer(
        async_mode="aiohttp",
        client_manager=GreetingManager(),
        cors_allowed_origins=[],
        logger=False,
        engineio_logger=False,
        json=_Json,
    )
    sio.attach(app)
    board = Board(events, sio, settings.board_interval_ms)
    participants = ParticipantNamespace(events, settings, metrics)
    participants.on_greeted = board.forget
    for namespace in (
        participants,
        HostNamespace(events, settings, metrics),
        ModeratorNamespace(events, settings, metrics),
    ):
        sio.register_namespace(namespace)
    events.emitter = SocketEmitter(sio, settings)
    events.listeners.append(board)
    events.watchers.append(board)
    app[BOARD] = board
    app[SETTINGS] = settings
    app[EVENTS] = events
    app[METRICS] = metrics
    app[SIO] = sio
    app[ADMIN_TOKEN] = settings.admin_token
    app[NEW_TOKEN] = new_token
    app[ECHO] = Echo(ice_servers=settings.ice_servers)
    app[pages.JINJA] = pages.environment()
    app.router.add_routes(api.routes)
    app.router.add_routes(pages.routes)
    app.router.add_routes(join.routes)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics_page)
    app.router.add_post("/api/check", check_offer)
    app.router.add_static("/static", pages.WEB / "static")
    app.cleanup_ctx.append(_run)
    return app


class _Json:
    """Socket.IO's JSON codec (msgspec: fast, and knows our structs)."""

    @staticmethod
    def dumps(obj: Any, **_: Any) -> str:
        return msgspec.json.encode(obj).decode()

    @staticmethod
    def loads(raw: str | bytes, **_: Any) -> Any:
        return msgspec.json.decode(raw)


async def _run(app: web.Application) -> AsyncIterator[None]:
    """Open the store, start the conductor and the board's task; stop them all on shutdown."""
    settings, events = app[SETTINGS], app[EVENTS]
    await events.store.open()
    conductor = Conductor(events, events.now, int(settings.restart_grace_seconds * 1000))
    events.listeners.append(conductor)
    app[CONDUCTOR] = conductor
    await conductor.load()
    tasks = [
        asyncio.create_task(conductor.run(), name="conductor"),
        asyncio.create_task(app[BOARD].run(), name="board"),
    ]
    try:
        yield
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await app[ECHO].close()
        await events.store.close()


async def healthz(request: web.Request) -> web.Response:
    """Liveness: the process answers and its store is open."""
    await request.app[EVENTS].store.event_ids()
    return api.json_response({"ok": True})


async def metrics_page(request: web.Request) -> web.Response:
    """Prometheus text format."""
    body = generate_latest(request.app[METRICS].registry)
    return web.Response(body=body, headers={"Content-Type": "text/plain; version=0.0.4"})


async def check_offer(request: web.Request) -> web.Response:
    """The self-test: answer the browser's offer with the echo peer."""
    body = await api.body_json(request)
    if not isinstance(body, dict):
        body = {}
    answer = await request.app[ECHO].answer(str(body.get("sdp", "")), str(body.get("type", "")))
    return api.json_response({"sdp": answer.sdp, "type": answer.type})
