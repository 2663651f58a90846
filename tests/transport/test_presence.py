"""Presence in order: the writes of one socket's coming and going reach the store in the order
they happened, however late the first one is answered."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from server.app import NAMESPACES
from server.store import EmbeddedStore
from tests.conftest import PEOPLE
from tests.live.faults import Faulty, eventually


async def test_a_socket_that_goes_before_its_arrival_is_written_is_offline(
    start: Callable[..., Any], tmp_path: Path
) -> None:
    """The greeting records a socket online on its own task; when that write was slow and the
    person left meanwhile, their leaving was written first and their coming last: on main they
    stayed online until the process died."""
    store = Faulty(EmbeddedStore(tmp_path / "speedmeet.sqlite3"))
    server = await start(store=store, board_interval_ms=20)
    ev = await server.event(PEOPLE[:2])
    pid, token = ev.person(0)
    gate = store.gate("connect")  # the arrival's write is slow
    client = await server.connect("/participant", token)
    await gate.entered.wait()
    await client.close()  # the person leaves before it is written
    participants = server.server.app[NAMESPACES].participants
    await eventually(lambda: _gone(participants.who))
    gate.open()
    host = await server.connect("/host", ev.host_token)
    board = await host.wait_board()
    assert await store.online(ev.id) == frozenset()
    assert [p["online"] for p in board["participants"] if p["id"] == pid] == [False]


async def test_a_person_who_comes_back_at_once_is_online(
    start: Callable[..., Any], tmp_path: Path
) -> None:
    """Gone and back in a moment (a reload): the new socket's arrival lands last."""
    store = Faulty(EmbeddedStore(tmp_path / "speedmeet.sqlite3"))
    server = await start(store=store, board_interval_ms=20)
    ev = await server.event(PEOPLE[:2])
    pid, token = ev.person(0)
    first = await server.connect("/participant", token)
    await first.wait_for("assignment")
    await first.close()
    second = await server.connect("/participant", token)
    await second.wait_for("assignment")
    await eventually(lambda: _online(store, ev.id, pid))


async def _gone(sockets: dict[str, Any]) -> bool:
    return not sockets


async def _online(store: Faulty, event_id: str, pid: str) -> bool:
    return pid in await store.online(event_id)
