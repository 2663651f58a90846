"""Command line: ``python -m server`` (or ``speedmeet``) serves; ``--demo`` adds a demo event;
``purge`` and ``forget EVENT`` apply the retention rule from the command line.

Those two open the store the settings name, as a server would; the embedded store's folder is
one process's, so with the embedded store stop the server first, or ask the running server
(``POST /api/events/{id}/forget``). On Redis they run beside the servers.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

from aiohttp import web

from . import store as stores
from . import workers
from .app import create_app, new_token
from .errors import SpeedmeetError, StartupRefused
from .http import connections, guard
from .http.keys import ADMIN_TOKEN, OWNER
from .live.owner import Owner
from .live.purge import Purge
from .metrics import Metrics
from .people import demo
from .settings import Settings, SettingsError, load


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
    add_commands(parser)
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
        sys.exit(maintain(settings, args))
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
            owner = app[OWNER]
            state, lines = demo.create(new_token, owner.now(), settings.base_url())
            await owner.create(state)
            for line in lines:
                print(line, flush=True)
            yield

        app.cleanup_ctx.append(make_demo)
    if not args.worker:
        print(f"Speedmeet on {settings.base_url()}  (Ctrl+C to stop)", flush=True)
    try:
        asyncio.run(
            connections.serve(
                app,
                settings.host,
                settings.port,
                reuse_port=args.worker,
                access_log_class=guard.AccessLogger,
            )
        )
    except StartupRefused as exc:
        sys.exit(f"speedmeet: {exc}")


COMMANDS = ("purge", "forget")


def _now() -> int:
    return time.time_ns() // 1_000_000


def _date(ms: int | None) -> str:
    if ms is None:
        return "-"
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d %H:%M UTC")


async def _run(settings: Settings, args: argparse.Namespace) -> int:
    store = stores.make(settings, "cli")
    try:
        await store.open()
    except StartupRefused as exc:
        print(
            f"speedmeet: {exc}\nWith the embedded store, stop the server first, or ask it: "
            "POST /api/events/{id}/forget with the admin token.",
        )
        return 2
    owner = Owner(store, _now, Metrics())
    try:
        if args.command == "forget":
            kept = await owner.forget(args.event)
            print(f"{args.event}: personal data forgotten; the report's figures are kept")
            print(f"  participants {kept['totals']['participants']}, held {kept['totals']['held']}")
            return 0
        purge = Purge(owner, settings.retention_days)
        if settings.retention_days <= 0:
            print("retention_days is 0: events are kept until deleted; nothing to purge")
            return 0
        due = await purge.due()
        print(f"retention_days {settings.retention_days}: {len(due)} event(s) due")
        if args.dry_run:
            for event_id in due:
                state = await store.load(event_id)
                title = state.settings.title if state else "?"
                print(f"  would forget {event_id}  {title}")
            return 0
        for event_id in await purge.sweep():
            print(f"  forgot {event_id}")
        return 0
    except SpeedmeetError as exc:
        print(f"speedmeet: {exc.message}")
        return 1
    finally:
        await store.close()
        owner.pools.close()


def add_commands(parser: argparse.ArgumentParser) -> None:
    """The subcommands of ``speedmeet`` besides serving."""
    sub = parser.add_subparsers(dest="command", metavar="{purge,forget}")
    purge = sub.add_parser(
        "purge", help="forget the personal data of every event past retention_days"
    )
    purge.add_argument("--dry-run", action="store_true", help="list the events due; change nothing")
    forget = sub.add_parser(
        "forget", help="forget one event's personal data now, keeping its figures anonymised"
    )
    forget.add_argument("event", help="the event's id")


def maintain(settings: Settings, args: argparse.Namespace) -> int:
    """Run ``args.command``; the exit status."""
    return asyncio.run(_run(settings, args))


if __name__ == "__main__":
    main()
