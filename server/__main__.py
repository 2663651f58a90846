"""Command line: ``python -m server`` (or ``speedmeet``) serves; ``--demo`` adds a demo event;
``purge`` and ``forget EVENT`` apply the retention rule (``maintenance``)."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path

from aiohttp import web

from . import demo, maintenance, workers
from .app import create_app, new_token
from .errors import StartupRefused
from .http import guard
from .http.keys import ADMIN_TOKEN, OWNER
from .settings import SettingsError, load


def main(argv: list[str] | None = None) -> None:
    """Parse the flags, load the settings and serve until interrupted."""
    parser = argparse.ArgumentParser(prog="speedmeet", description=__doc__)
    parser.add_argument("--config", default=None, help="settings file (default: ./config.yaml)")
    parser.add_argument("--host", default=None, help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=None, help="port (default 8080)")
    parser.add_argument(
        "--demo", action="store_true", help="create a demo event and print its links"
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        help="server processes sharing the port (needs store: redis; default 1)",
    )
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    maintenance.add_commands(parser)
    args = parser.parse_args(argv)
    os.umask(0o077)  # every file and folder the server makes is its user's only
    path = args.config
    if path is None:
        path = "config.yaml" if Path("config.yaml").exists() else None
    try:
        settings = load(path, host=args.host, port=args.port, workers=args.workers)
    except SettingsError as exc:
        sys.exit(f"speedmeet: {exc}")
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    if args.command is not None:
        sys.exit(maintenance.run(settings, args))
    admin = settings.admin_token
    if not admin:
        admin = new_token()
        print(f"Admin token (set SPEEDMEET_ADMIN_TOKEN to keep one): {admin}", flush=True)
    if settings.workers > 1 and not args.worker:
        print(f"Speedmeet on {settings.base_url()} with {settings.workers} processes", flush=True)
        sys.exit(workers.supervise(settings.workers, sys.argv[1:] if argv is None else argv, admin))
    app = create_app(settings)
    app[ADMIN_TOKEN] = admin
    if args.demo:

        async def make_demo(app: web.Application) -> AsyncIterator[None]:
            for line in await demo.create(app[OWNER], settings.base_url(), new_token):
                print(line, flush=True)
            yield

        app.cleanup_ctx.append(make_demo)
    if not args.worker:
        print(f"Speedmeet on {settings.base_url()}  (Ctrl+C to stop)", flush=True)
    try:
        web.run_app(
            app,
            host=settings.host,
            port=settings.port,
            print=None,
            reuse_port=args.worker,
            access_log_class=guard.AccessLogger,
        )
    except StartupRefused as exc:
        sys.exit(f"speedmeet: {exc}")


if __name__ == "__main__":
    main()
