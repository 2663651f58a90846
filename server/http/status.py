"""How this process is: ``/healthz`` (it answers and its store takes a write; which events'
leases it holds; whether it hears the feed) and ``/metrics`` (Prometheus text)."""

from __future__ import annotations

import os

from aiohttp import web
from prometheus_client import generate_latest

from .api import json_response
from .keys import FEED, LEASES, METRICS, OWNER

routes = web.RouteTableDef()


@routes.get("/healthz")
async def healthz(request: web.Request) -> web.Response:
    """Liveness: the process answers and its store takes a write (503 otherwise); which process,
    holding which events' leases, and whether it hears the feed (``degraded`` while not)."""
    owner = request.app[OWNER]
    await owner.store.check()
    return json_response(
        {
            "ok": True,
            "process": owner.store.proc,
            "pid": os.getpid(),
            "leases": sorted(request.app[LEASES].fences),
            "degraded": not request.app[FEED].up,
        }
    )


@routes.get("/metrics")
async def metrics_page(request: web.Request) -> web.Response:
    """Prometheus text format."""
    body = generate_latest(request.app[METRICS].registry)
    return web.Response(body=body, headers={"Content-Type": "text/plain; version=0.0.4"})
