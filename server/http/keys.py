"""Typed application state (aiohttp ``AppKey``s), shared by the routes and the app factory."""

from __future__ import annotations

from collections.abc import Callable

from aiohttp import web

from ..metrics import Metrics
from ..service import Events
from ..settings import Settings

SETTINGS = web.AppKey("settings", Settings)
EVENTS = web.AppKey("events", Events)
METRICS = web.AppKey("metrics", Metrics)
ADMIN_TOKEN = web.AppKey("admin_token", str)
NEW_TOKEN: web.AppKey[Callable[[], str]] = web.AppKey("new_token")
