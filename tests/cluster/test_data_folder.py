"""One process per data folder: a second server on the same folder refuses to start; the
``purge`` command works on a folder no server holds."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import msgspec
import pytest

from server.core.model import Clock, Phase
from server.store import EmbeddedStore
from tests.conftest import DATA_KEY
from tests.procs import ROOT, Server
from tests.store.test_contract import files_of, personal_event


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


def speedmeet(folder: Path, data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``speedmeet ARGS`` on the data folder ``data``, with a retention of 30 days."""
    env = {**os.environ, "SPEEDMEET_DATA_DIR": str(data), "SPEEDMEET_RETENTION_DAYS": "30"}
    env["SPEEDMEET_DATA_KEY"] = DATA_KEY
    return subprocess.run(
        [sys.executable, "-m", "server", *args],
        cwd=folder,
        env={**env, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


async def test_the_purge_command_forgets_the_events_past_retention(
    tmp_path: Path, servers: list[Server]
) -> None:
    data = tmp_path / "data"
    store = EmbeddedStore(data / "speedmeet.sqlite3", proc="test", key=DATA_KEY)
    await store.open()
    old = personal_event("old", "Ancien", tag="énergie")  # ended in 1970: long past 30 days
    old = msgspec.structs.replace(old, clock=Clock(phase=Phase.ENDED, ended_at=1_000_000))
    await store.create(old)
    await store.create(personal_event("new", "Prochain"))  # in preparation: kept
    await store.close()

    listed = await asyncio.to_thread(speedmeet, tmp_path, data, "purge", "--dry-run")
    assert listed.returncode == 0, listed.stderr
    assert "1 event(s) due" in listed.stdout and "would forget old" in listed.stdout, listed
    done = await asyncio.to_thread(speedmeet, tmp_path, data, "purge")
    assert done.returncode == 0 and "forgot old" in done.stdout, (done.stdout, done.stderr)

    store = EmbeddedStore(data / "speedmeet.sqlite3", proc="test", key=DATA_KEY)
    await store.open()
    try:
        assert await store.load("old") is None and await store.load("new") is not None
        assert await store.archived_ids() == ["old"]
    finally:
        await store.close()
    assert b"Ancien" not in files_of(data) and b"Prochain" in files_of(data)

    # while a server holds the folder, the command says what to do instead
    first = await Server("first", tmp_path, data_dir=str(data), data_key=DATA_KEY).start()
    servers.append(first)
    refused = await asyncio.to_thread(speedmeet, tmp_path, data, "forget", "new")
    assert refused.returncode == 2, refused
    assert "POST /api/events/{id}/forget" in refused.stdout, refused.stdout
