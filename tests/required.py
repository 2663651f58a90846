"""The one rule for tests that need something this machine may lack (Chromium, node, Redis,
coturn, network namespaces): where it is missing they skip, loudly; where its variable says it
is mandatory (CI sets them all, see ``.ci/run``) they fail instead."""

from __future__ import annotations

import os

import pytest


def require(what: str, flag: str, reason: str | None) -> None:
    """Go on when ``reason`` is None (nothing is missing); else fail where ``flag`` (e.g.
    ``SPEEDMEET_REQUIRE_REDIS``) is 1, or skip with a banner saying ``reason``."""
    if reason is None:
        return
    if os.environ.get(flag) == "1":
        pytest.fail(f"{what} tests are mandatory here ({flag}=1): {reason}")
    message = f"{what.upper()} TESTS SKIPPED: {reason}"
    print(f"\n{'!' * 70}\n{message}\n{'!' * 70}")
    pytest.skip(message)
