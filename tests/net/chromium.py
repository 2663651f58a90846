"""Chromium inside a network namespace: Playwright starts a small wrapper that runs
``/usr/bin/chromium`` under ``ip netns exec`` with the flags of every browser test."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

from tests.e2e.conftest import CHROMIUM, FLAGS
from tests.net.namespace import Namespace


def wrapper(folder: Path, ns: Namespace) -> Path:
    """An executable that runs Chromium in ``ns`` with the arguments Playwright gives it."""
    path = folder / f"chromium-{ns.name}"
    argv = " ".join(shlex.quote(a) for a in ns.argv(str(CHROMIUM)))
    path.write_text(f'#!/bin/sh\nexec {argv} "$@"\n')
    path.chmod(0o755)
    return path


async def launch(chromium: Any, folder: Path, origin: str, ns: Namespace | None = None) -> Any:
    """A headless Chromium (in ``ns`` when given) with the tests' fake camera and microphone;
    ``chromium`` is Playwright's browser type (``playwright.chromium``, ``browser.browser_type``).

    The server is at ``origin``, plain HTTP on an address other than 127.0.0.1: Chromium is told
    to treat it as a secure origin, or the page could not open the camera."""
    executable = wrapper(folder, ns) if ns is not None else CHROMIUM
    args = [*FLAGS, f"--unsafely-treat-insecure-origin-as-secure={origin}"]
    return await chromium.launch(executable_path=str(executable), headless=True, args=args)
