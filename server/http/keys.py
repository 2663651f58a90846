"""Typed application state (aiohttp ``AppKey``s), shared by the routes and the app factory."""

from __future__ import annotations

from collections.abc import Callable

from aiohttp import web

from ..leases import Leases
from ..metrics import Metrics
from ..service import Owner
from ..settings import Settings

SETTINGS = web.AppKey("settings", Settings)
OWNER = web.AppKey("owner", Owner)
LEASES = web.AppKey("leases", Leases)
METRICS = web.AppKey("metrics", Metrics)
ADMIN_TOKEN = web.AppKey("admin_token", str)
NEW_TOKEN: web.AppKey[Callable[[], str]] = web.AppKey("new_token")
