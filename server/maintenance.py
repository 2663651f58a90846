"""``speedmeet purge`` and ``speedmeet forget EVENT``: the retention rule from the command line.

They open the store the settings name, as a server would; the embedded store's folder is one
process's, so with the embedded store stop the server first, or ask the running server
(``POST /api/events/{id}/forget``). On Redis they run beside the servers.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from datetime import UTC, datetime

from .app import make_store
from .errors import SpeedmeetError, StartupRefused
from .metrics import Metrics
from .purge import Purge
from .service import Owner
from .settings import Settings

COMMANDS = ("purge", "forget")


def _now() -> int:
    return time.time_ns() // 1_000_000


def _date(ms: int | None) -> str:
    if ms is None:
        return "-"
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d %H:%M UTC")


async def _run(settings: Settings, args: argparse.Namespace) -> int:
    store = make_store(settings, "cli")
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


def run(settings: Settings, args: argparse.Namespace) -> int:
    """Run ``args.command``; the exit status."""
    return asyncio.run(_run(settings, args))
