"""The host console's counters come from the board the host holds: after each clock command
that board says what the server's record says (who is in a room, who waits)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from server.core.model import Phase
from server.http.keys import OWNER
from tests.conftest import Client, Running
from tests.transport.gathering import gather


def in_rooms(board: dict[str, Any]) -> set[str]:
    """Who the console counts "in a room" (``host.js`` ``renderCounts``)."""
    return {p["id"] for p in board["participants"] if p["room"]}


async def truth(server: Running, event_id: str) -> tuple[set[str], set[str]]:
    """Who the server's record puts in a room, and who waits, right now."""
    state = await server.server.app[OWNER].store.load(event_id)
    assert state is not None
    if state.clock.phase is not Phase.ROUND:
        return set(), set()
    record = state.current()
    assert record is not None
    return {m for room in record.rooms for m in room.members}, set(record.waiting)


async def settles(host: Client, server: Running, event_id: str) -> dict[str, Any]:
    """The board the host holds, once it agrees with the record."""
    placed, waiting = await truth(server, event_id)

    def agrees(board: dict[str, Any]) -> bool:
        return in_rooms(board) == placed and {w["id"] for w in board["waiting"]} == waiting

    return await host.wait_held(agrees)  # type: ignore[no-any-return]


async def test_the_counters_follow_pause_next_and_an_end_mid_round(
    start: Callable[..., Any],
) -> None:
    """On main an event ended mid-round could keep "2 in rooms" on the console: its lease was
    let go before the board pushed again (a lease tick shorter than the board's interval here
    makes that the usual order) and the host never heard that nobody is in a room any more."""
    server = await start(board_interval_ms=400, lease_seconds=0.5)
    g = await gather(server)
    host, event_id = g.host, g.ev.id
    for command in ("pause", "resume", "end_round", "next", "pause", "end"):
        ack = await host.call(command)
        assert ack["ok"], (command, ack)
        board = await settles(host, server, event_id)
        if command in ("pause", "resume", "next"):
            assert len(in_rooms(board)) == 4, (command, board)
    assert host.board is not None and host.board["rooms"] == []
    assert in_rooms(host.board) == set() and host.board["waiting"] == []
