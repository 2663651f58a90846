"""Transport tests run against servers whose boards refresh quickly."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import Running


@pytest.fixture
async def server(start: Callable[..., Any]) -> Running:
    """One running server; its boards push every 20 ms instead of every second.

    ``gather`` waits for the board to show everyone online, so this keeps the tests quick.
    """
    return await start(board_interval_ms=20)  # type: ignore[no-any-return]
