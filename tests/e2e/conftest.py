"""Headless Chromium (Debian's) driven by Playwright, with a fake camera and microphone."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.required import require

CHROMIUM = Path(os.environ.get("SPEEDMEET_CHROMIUM", "/usr/bin/chromium"))
# Chromium's fake camera films at 10 frames a second, not 30: encoding and decoding every page's
# video was most of what the browser tests cost on two cores (the suite was CPU-bound)
FAKE_DEVICES = "--use-fake-device-for-media-stream=fps=10"
FLAGS = [
    FAKE_DEVICES,
    "--use-fake-ui-for-media-stream",
    # Headless Chromium 156 starts two WebUI renderers of its own for every window (the address
    # bar's suggestion popups, chrome://omnibox-popup.top-chrome), which no test shows: not started
    "--disable-features=WebRtcHideLocalIpsWithMdns,WebUIOmniboxPopup,WebUIOmniboxAimPopup",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--autoplay-policy=no-user-gesture-required",
]


def _missing() -> str | None:
    if not CHROMIUM.exists():
        return f"{CHROMIUM} not found (Debian: apt-get install chromium)"
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "playwright is not installed (scripts/setup --test installs it)"
    return None


@pytest.fixture
async def browser() -> AsyncIterator[object]:
    """A Chromium process for one test."""
    require("browser", "SPEEDMEET_REQUIRE_BROWSER", _missing())
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        chromium = await pw.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=FLAGS
        )
        try:
            yield chromium
        finally:
            await chromium.close()
