"""Media health from the pages' own reports: a silent or blind meeting is flagged on the board,
and the partner is told what the other's camera and microphone do.

Reproduced on main: a participant whose camera and microphone were blocked showed his partner a
black tile; the board showed both connected, with no flag.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from server.store import EmbeddedStore
from tests.conftest import Running
from tests.transport.gathering import Gathering, gather

QUICK = {"media_grace_seconds": 0, "no_video_seconds": 2, "no_audio_seconds": 4}


@pytest.fixture(params=["embedded", "redis"])
async def quick(request: pytest.FixtureRequest, start: Callable[..., Any]) -> Running:
    """A server that judges media at once: no grace, 2 s without video, 4 s without sound."""
    redis = request.param == "redis"
    return await start(board_interval_ms=20, redis=redis, **QUICK)  # type: ignore[no-any-return]


def report(
    g: Gathering,
    pid: str,
    *,
    camera: str = "on",
    mic: str = "on",
    audio_ms: int = 0,
    video_ms: int = 0,
    rtt_ms: float = 40.0,
) -> dict[str, Any]:
    """A ``stats`` payload as a participant's page sends it, about what comes from its peer."""
    return {
        "room": g.room(pid),
        "ice": "connected",
        "rtt_ms": rtt_ms,
        "loss": 0.0,
        "kbps": 900,
        "camera": camera,
        "mic": mic,
        "inbound": [{"from": g.partner(pid), "audio_ms": audio_ms, "video_ms": video_ms}],
    }


async def send(g: Gathering, pid: str, payload: dict[str, Any]) -> None:
    ack = await g.people[pid].call("stats", payload)
    assert ack["ok"], ack


def room_of(board: dict[str, Any], room: str) -> dict[str, Any]:
    return next((r for r in board["rooms"] if r["id"] == room), {"members": [], "flags": []})


def member(board: dict[str, Any], room: str, pid: str) -> dict[str, Any]:
    return next((m for m in room_of(board, room)["members"] if m["id"] == pid), {})


def reported(board: dict[str, Any], room: str, *pids: str) -> bool:
    """Whether the board shows the reports of all of ``pids``."""
    return all(member(board, room, pid).get("camera") is not None for pid in pids)


async def test_a_blocked_camera_and_microphone_flag_the_room_and_tell_the_partner(
    quick: Running,
) -> None:
    g = await gather(quick)
    pid = next(iter(g.people))
    partner, stranger = g.partner(pid), g.stranger(pid)
    # his page could not open camera or microphone; his partner's receives nothing from him
    await send(g, pid, report(g, pid, camera="blocked", mic="blocked"))
    await send(g, partner, report(g, partner, audio_ms=6_000, video_ms=6_000))
    board = await g.mod.wait_board(
        lambda d: (
            {"no_video", "no_audio", "camera_blocked", "mic_blocked"}
            <= set(room_of(d, g.room(pid))["flags"])
        )
    )
    him = member(board, g.room(pid), pid)
    assert (him["camera"], him["mic"], him["seen"], him["heard"]) == (
        "blocked",
        "blocked",
        False,
        False,
    )
    told = await g.people[partner].wait_for("peer_media", lambda m: m["id"] == pid)
    assert told == {"id": pid, "room": g.room(pid), "camera": "blocked", "mic": "blocked"}
    # the others of the room only; a stranger hears nothing of it
    assert g.people[stranger].last("peer_media") is None
    # the host's console sees the same room flagged
    await g.host.wait_board(lambda d: "camera_blocked" in room_of(d, g.room(pid))["flags"])


async def test_a_camera_turned_off_is_flagged_without_claiming_no_video(quick: Running) -> None:
    g = await gather(quick)
    pid = next(iter(g.people))
    partner = g.partner(pid)
    # a camera turned off still sends (black) frames: video arrives, the page says it is off
    await send(g, pid, report(g, pid, camera="off"))
    await send(g, partner, report(g, partner))
    board = await g.mod.wait_board(lambda d: reported(d, g.room(pid), pid, partner))
    assert room_of(board, g.room(pid))["flags"] == ["camera_off"]
    told = await g.people[partner].wait_for("peer_media", lambda m: m["id"] == pid)
    assert (told["camera"], told["mic"]) == ("off", "on")
    # turned on again: the partner is told, the flag goes
    await send(g, pid, report(g, pid))
    await g.people[partner].wait_for("peer_media", lambda m: m["camera"] == "on")
    await g.mod.wait_board(lambda d: room_of(d, g.room(pid))["flags"] == [])


@pytest.mark.parametrize(
    ("audio_ms", "video_ms", "flag", "field"),
    [(9_000, 0, "no_audio", "heard"), (0, 9_000, "no_video", "seen")],
    ids=["no audio", "no video"],
)
async def test_media_that_does_not_arrive_is_flagged(
    quick: Running, audio_ms: int, video_ms: int, flag: str, field: str
) -> None:
    g = await gather(quick)
    pid = next(iter(g.people))
    partner = g.partner(pid)
    # both say their devices are on, yet the partner's page gets nothing of one kind from pid
    await send(g, pid, report(g, pid))
    await send(g, partner, report(g, partner, audio_ms=audio_ms, video_ms=video_ms))
    board = await g.mod.wait_board(lambda d: reported(d, g.room(pid), pid, partner))
    assert room_of(board, g.room(pid))["flags"] == [flag]
    assert member(board, g.room(pid), partner)[field] is True  # pid gets the partner's


@pytest.mark.parametrize(
    ("settings", "flagged"),
    [(QUICK, True), ({"media_grace_seconds": 0, "no_audio_seconds": 20}, False)],
    ids=["4 s", "20 s"],
)
async def test_thresholds_come_from_the_settings(
    start: Callable[..., Any], settings: dict[str, Any], flagged: bool
) -> None:
    g = await gather(await start(board_interval_ms=20, **settings))
    pid = next(iter(g.people))
    partner = g.partner(pid)
    await send(g, pid, report(g, pid))
    await send(g, partner, report(g, partner, audio_ms=6_000))
    board = await g.mod.wait_board(lambda d: reported(d, g.room(pid), pid, partner))
    assert ("no_audio" in room_of(board, g.room(pid))["flags"]) is flagged


async def test_a_partner_who_comes_back_is_told_at_once(quick: Running) -> None:
    g = await gather(quick)
    pid = next(iter(g.people))
    partner = g.partner(pid)
    await send(g, pid, report(g, pid, camera="blocked", mic="on"))
    await g.people[partner].wait_for("peer_media", lambda m: m["id"] == pid)
    # the partner reloads: their new page hears it with its assignment, before pid reports again
    await g.people[partner].close()
    again = await g.reconnect(partner)
    told = await again.wait_for("peer_media", lambda m: m["id"] == pid)
    assert (told["camera"], told["mic"], told["room"]) == ("blocked", "on", g.room(pid))
    names = [name for name, _ in again.received]
    assert names.index("assignment") < names.index("peer_media")


async def test_a_report_out_of_contract_is_refused(quick: Running) -> None:
    g = await gather(quick)
    pid = next(iter(g.people))
    for bad in (
        {"camera": "broken"},
        {"inbound": [{"audio_ms": 1}]},
        {"inbound": [{"from": "p1", "video_ms": -5}]},
    ):
        ack = await g.people[pid].call("stats", {**report(g, pid), **bad})
        assert ack["error"]["code"] == "bad_payload", bad
    # and a page of before (no device fields) is still understood
    plain = {"room": g.room(pid), "ice": "connected", "rtt_ms": 10.0}
    assert (await g.people[pid].call("stats", plain))["ok"]


class ByTask:
    """A real store that counts the calls made to it, apart from the board's own loop."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.calls: Counter[str] = Counter()

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self.inner, name)
        if not callable(attr):
            return attr

        def counted(*args: Any, **kw: Any) -> Any:
            task = asyncio.current_task()
            if task is None or task.get_name() != "board":
                self.calls[name] += 1
            return attr(*args, **kw)

        return counted


async def test_the_stats_path_writes_one_report_and_reads_nothing(
    start: Callable[..., Any], tmp_path: Path
) -> None:
    store = ByTask(EmbeddedStore(tmp_path / "speedmeet.sqlite3"))
    server = await start(store=store, board_interval_ms=20, **QUICK)
    g = await gather(server)
    pid = next(iter(g.people))
    partner = g.partner(pid)
    await send(g, pid, report(g, pid, camera="off"))  # told once (reads the room index once)
    await g.people[partner].wait_for("peer_media")
    before = Counter(store.calls)
    for i in range(20):
        await send(g, pid, report(g, pid, camera="off", rtt_ms=40.0 + i, audio_ms=i * 100))
    made = store.calls - before
    # each report is written, with the connected time it adds (the results'); nothing is read
    assert set(made) <= {"put_stats", "add_connected"} and made["put_stats"] == 20, made
    assert len([m for m, _ in g.people[partner].received if m == "peer_media"]) == 1
