"""Transport tests run against servers whose boards refresh quickly, on either store."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import Running


@pytest.fixture(params=["embedded", "redis"])
async def server(request: pytest.FixtureRequest, start: Callable[..., Any]) -> Running:
    """One running server (on the embedded store, then on Redis); its boards push every 20 ms
    instead of every second (``gather`` waits for the board to show everyone online)."""
    return await start(board_interval_ms=20, redis=request.param == "redis")  # type: ignore[no-any-return]
