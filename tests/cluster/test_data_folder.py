"""One process per data folder: a second server on the same folder refuses to start."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.procs import Server


@pytest.fixture
async def servers(tmp_path: Path) -> AsyncIterator[list[Server]]:
    made: list[Server] = []
    yield made
    for s in made:
        await s.stop()


async def test_a_second_process_on_the_same_folder_refuses_to_start(
    tmp_path: Path, servers: list[Server]
) -> None:
    data = tmp_path / "data"
    first = await Server("first", tmp_path, data_dir=str(data)).start()
    servers.append(first)
    second = Server("second", tmp_path, data_dir=str(data)).spawn()
    servers.append(second)
    assert await second.wait_exit() != 0
    said = second.log()
    assert f"process {first.pid}" in said and str(data) in said, said
    assert first.running()  # the first one goes on serving


async def test_the_folder_is_free_again_once_its_process_stops(
    tmp_path: Path, servers: list[Server]
) -> None:
    data = tmp_path / "data"
    first = await Server("first", tmp_path, data_dir=str(data)).start()
    await first.stop()
    again = await Server("again", tmp_path, data_dir=str(data)).start()
    servers.append(again)
    assert again.running()
