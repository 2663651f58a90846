"""How this process is: ``/healthz`` (open: it answers and its store takes a write, and whether it
hears the feed; with the admin token, also which process it is and which events' leases it
holds) and ``/metrics`` (Prometheus text, with the metrics token or the admin token)."""

from __future__ import annotations

import os

from aiohttp import web
from prometheus_client import generate_latest

from ..errors import Unauthorized
from ..people import links
from .api import json_response, require_admin
from .keys import FEED, LEASES, METRICS, OWNER, SETTINGS

routes = web.RouteTableDef()


def _is_admin(request: web.Request) -> bool:
    try:
        require_admin(request)
    except Unauthorized:
        return False
    return True


@routes.get("/healthz")
async def healthz(request: web.Request) -> web.Response:
    """Liveness, for anyone (a load balancer): the process answers and its store takes a write
    (503 otherwise; the store writes its probe at most every few seconds), and whether it hears
    the feed (``degraded`` while not). With the admin token (``?detail`` asks for it): which
    process, and which events' leases it holds."""
    admin = _is_admin(request)
    if "detail" in request.query and not admin:
        require_admin(request)
    owner = request.app[OWNER]
    await owner.store.check()
    body: dict[str, object] = {"ok": True, "degraded": not request.app[FEED].up}
    if admin:
        body |= {
            "process": owner.store.proc,
            "pid": os.getpid(),
            "leases": sorted(request.app[LEASES].fences),
        }
    return json_response(body)


@routes.get("/metrics")
async def metrics_page(request: web.Request) -> web.Response:
    """Prometheus text format, with the metrics token (or the admin token)."""
    token = request.app[SETTINGS].metrics_token
    header = request.headers.get("Authorization", "")
    given = header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else ""
    if not (token and given and links.same(given, links.token_hash(token))):
        if not _is_admin(request):
            raise Unauthorized(
                "unauthorized",
                "Send the metrics token (or the admin token) as 'Authorization: Bearer <token>'.",
            )
    body = generate_latest(request.app[METRICS].registry)
    return web.Response(body=body, headers={"Content-Type": "text/plain; version=0.0.4"})
