"""Write ``.env`` for ``compose.yaml``: ``.env.example`` with the names, the address and fresh
secrets filled in. Needs Python 3 only (no Speedmeet): ``python3 deploy/make_env.py
meet.example.org 203.0.113.7 [--turn-host turn.example.org]``."""

from __future__ import annotations

import argparse
import base64
import ipaddress
import re
import secrets
import sys
from collections.abc import Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SECRETS = ("TURN_SECRET", "DATA_KEY", "ADMIN_TOKEN", "METRICS_TOKEN")


def new_secret() -> str:
    """32 random bytes in base64url without padding: what ``data_key`` takes, and letters,
    digits, ``-`` and ``_`` only, which every service reads as they are."""
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode().rstrip("=")


def fill(example: str, values: Mapping[str, str]) -> str:
    """``example`` with each ``NAME=`` line of ``values`` set; comments and order kept."""
    seen: set[str] = set()

    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            return match.group(0)
        seen.add(name)
        return f"{name}={values[name]}"

    text = re.sub(r"^([A-Z_][A-Z0-9_]*)=.*$", one, example, flags=re.MULTILINE)
    missing = set(values) - seen
    if missing:
        raise ValueError(f"{', '.join(sorted(missing))} not in the example file")
    return text


def values_for(public_host: str, external_ip: str, turn_host: str = "") -> dict[str, str]:
    """Every value ``make_env`` writes: the names, the address and fresh secrets."""
    return {
        "PUBLIC_HOST": public_host,
        "TURN_HOST": turn_host or public_host,
        "TURN_EXTERNAL_IP": external_ip,
    } | {name: new_secret() for name in SECRETS}


def _check_ip(text: str) -> str:
    for part in text.split("/"):
        try:
            ipaddress.IPv4Address(part)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"{text!r}: give this machine's public IPv4 address (behind a 1:1 NAT, "
                "public/private, e.g. 203.0.113.7/10.0.0.5)"
            ) from None
    if text.count("/") > 1:
        raise argparse.ArgumentTypeError(f"{text!r}: at most public/private")
    return text


def main(argv: list[str] | None = None) -> int:
    """Write ``.env`` (refuses to replace one: its secrets guard stored data)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("public_host", help="the name people open, e.g. meet.example.org")
    parser.add_argument("external_ip", type=_check_ip, help="this machine's public IPv4 address")
    parser.add_argument("--turn-host", default="", help="the relay's name (default: public_host)")
    parser.add_argument("--out", type=Path, default=ROOT / ".env")
    args = parser.parse_args(argv)
    if args.out.exists():
        print(
            f"{args.out} exists: its DATA_KEY opens the stored data, so it is kept. "
            "Edit it by hand, or move it away first.",
            file=sys.stderr,
        )
        return 1
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    text = fill(example, values_for(args.public_host, args.external_ip, args.turn_host))
    args.out.touch(mode=0o600)
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out}; next: docker compose up -d")
    return 0


if __name__ == "__main__":
    sys.exit(main())
