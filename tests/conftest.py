"""Shared fixtures: a real server on a free port, the admin API, real Socket.IO clients; and the
one place that marks each test with what it needs (``browser``, ``redis``, ``subprocess``,
``netns``), from
where it lives and what it uses, so that ``-m`` selects correctly (``scripts/test --quick``)."""

from __future__ import annotations

import asyncio
import inspect
import shutil
import sys
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import socketio
from aiohttp.test_utils import TestServer

from server.app import create_app
from server.core import deltas
from server.settings import Settings, load
from tests.required import require

ADMIN = "test-admin-token"
DATA_KEY = "0vPnAqL8Sx3n0x3mS3Z9m2w1VQqk5f4bN2iY7eHwqkE"  # a data key of the tests' own
REDIS_FIXTURES = {"redis_server", "redis_url", "redis_prefix"}
TURN_SECRET = "test-turn-secret"  # coturn's static-auth-secret in the tests, and turn_secret
TESTS = Path(__file__).resolve().parent
STOP_S = 30  # a server that takes longer to stop is stuck: its tasks are printed


def needs(item: pytest.Item) -> set[str]:
    """What a test needs besides this process: a browser (the e2e folder, or the ``browser``
    fixture), Redis (its fixtures, a ``redis`` parameter, or a server started with
    ``redis=True``), other processes (the cluster and install folders, or a module that uses
    ``subprocess``)."""
    assert isinstance(item, pytest.Function)
    folder = Path(item.path).resolve().relative_to(TESTS).parts[0]
    fixtures = set(item.fixturenames)
    found: set[str] = set()
    if folder == "e2e" or "browser" in fixtures:
        found.add("browser")
    params = item.callspec.params.values() if hasattr(item, "callspec") else ()
    source = inspect.getsource(item.function)
    if fixtures & REDIS_FIXTURES or "redis" in params or "redis=True" in source:
        found.add("redis")
    if fixtures & {"turn", "lab"}:  # a turnserver process, network namespaces
        found.add("subprocess")
    if "lab" in fixtures:  # links come and go on this machine: run apart (scripts/test)
        found.add("netns")
    if folder == "cluster":  # server processes on a Redis of their own
        found |= {"subprocess", "redis"}
    if inspect.ismodule(getattr(item.module, "subprocess", None)):
        found.add("subprocess")
    return found


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test with what it needs (see ``needs``)."""
    for item in items:
        for name in sorted(needs(item)):
            item.add_marker(name)


def need_redis() -> None:
    """A redis-server binary (``tests.required``: skipped loudly, or failed in CI)."""
    missing = "redis-server not found (Debian: apt-get install redis-server)"
    require("Redis", "SPEEDMEET_REQUIRE_REDIS", None if shutil.which("redis-server") else missing)


def need_turn() -> None:
    """coturn's turnserver (``tests.required``: skipped loudly, or failed in CI)."""
    missing = "turnserver not found (Debian: apt-get install coturn)"
    require("TURN", "SPEEDMEET_REQUIRE_TURN", None if shutil.which("turnserver") else missing)


@pytest.fixture
def turn(tmp_path: Path) -> Iterator[Any]:
    """A turnserver of the test's own on a free port (UDP and TCP on 127.0.0.1), checking
    credentials made with ``TURN_SECRET``: give a server ``turn_urls=turn.urls()`` and
    ``turn_secret=TURN_SECRET``."""
    need_turn()
    from tests.procs import Turn

    server = Turn(tmp_path, TURN_SECRET).launch()
    yield server
    server.halt()


@pytest.fixture
async def lab(tmp_path: Path) -> AsyncIterator[Any]:
    """Network namespaces, turnservers and delaying relays of the test's own (``tests/net``),
    all removed at the end; skips loudly where namespaces cannot be made (not root, no ``ip``),
    fails instead where ``SPEEDMEET_REQUIRE_NETNS=1`` (CI)."""
    from tests.net.lab import Lab, need_netns

    need_netns()
    made = Lab(tmp_path, TURN_SECRET)
    try:
        yield made
    finally:
        await made.close()


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """One redis-server of the test session's own, on a free port (tests use own prefixes)."""
    need_redis()
    from tests.procs import Redis

    server = Redis(tmp_path_factory.mktemp("redis")).launch()
    yield server
    server.halt()


@pytest.fixture
def redis_url(redis_server: Any) -> str:
    """The session's Redis; each test keeps its keys under a prefix of its own."""
    return str(redis_server.url)


@pytest.fixture
def redis_prefix() -> str:
    """A key prefix no other test uses."""
    return f"t{uuid.uuid4().hex[:10]}"


@dataclass
class Running:
    """A server started by a test: its URL and an admin session."""

    url: str
    http: aiohttp.ClientSession
    server: TestServer
    clients: list[socketio.AsyncClient] = field(default_factory=list)

    async def api(self, method: str, path: str, **kw: Any) -> tuple[int, Any]:
        """Call the JSON API as the admin."""
        headers = {"Authorization": f"Bearer {ADMIN}", **kw.pop("headers", {})}
        async with self.http.request(method, self.url + path, headers=headers, **kw) as r:
            body = await r.json() if r.content_type == "application/json" else await r.text()
            return r.status, body

    async def event(self, people: list[dict[str, Any]] | None = None, **overrides: Any) -> Event:
        """Create an event (bipartite, 2 sides by default) and register ``people``."""
        spec = {
            "title": "Test event",
            "round_seconds": 300,
            "break_seconds": 60,
            "rounds": 3,
            "matching": {"mode": "bipartite", "sides": ["commune", "solution"]},
            **overrides,
        }
        status, created = await self.api("POST", "/api/events", json=spec)
        assert status == 201, created
        ev = Event(created)
        if people:
            status, rows = await self.api("POST", f"/api/events/{ev.id}/participants", json=people)
            assert status == 201, rows
            ev.people = rows
        return ev

    async def connect(
        self, namespace: str, token: str, seq: int | None = None, tab: str | None = None
    ) -> Client:
        """A real Socket.IO client connected to ``namespace`` with ``token`` (and the last
        ``seq`` it says it saw; ``tab``: the id of the page it stands for)."""
        client = Client(namespace)
        await client.connect(self.url, token, seq, tab)
        self.clients.append(client.sio)
        return client


@dataclass
class Event:
    """An event created through the API."""

    body: dict[str, Any]
    people: list[dict[str, Any]] = field(default_factory=list)

    @property
    def id(self) -> str:
        return str(self.body["id"])

    def token(self, url_key: str) -> str:
        return str(self.body[url_key]).rsplit("/", 1)[1]

    @property
    def host_token(self) -> str:
        return self.token("host_url")

    @property
    def moderator_token(self) -> str:
        return self.token("moderator_url")

    def person(self, index: int) -> tuple[str, str]:
        """(id, token) of the index-th registered person."""
        p = self.people[index]
        return str(p["id"]), str(p["join_url"]).rsplit("/", 1)[1]


BOARD_KEYS = ("rooms", "waiting", "help", "participants", "seq", "board_seq")


class Client:
    """A Socket.IO client that records every server event, with waits instead of sleeps.

    A staff client also holds the board as a page does: whole from ``snapshot`` and ``rooms``,
    each ``rooms_delta`` applied on top, and after a gap (a delta whose ``base_seq`` is not the
    board held) the whole board asked for again with ``board``; every board it comes to hold is
    recorded as a ``"board"`` event. ``drop_deltas``: deltas to lose on arrival (a test's gap).
    """

    def __init__(self, namespace: str) -> None:
        self.namespace = namespace
        self.sio = socketio.AsyncClient(reconnection=False)
        self.received: list[tuple[str, Any]] = []
        self._arrived = asyncio.Condition()
        self.board: dict[str, Any] | None = None
        self.drop_deltas = 0
        self.catch_ups = 0  # boards asked for again after a gap
        self._held: list[dict[str, Any]] = []  # deltas that came while catching up
        self._catching_up: asyncio.Task[None] | None = None

        async def record(event: str, *args: Any) -> None:
            async with self._arrived:
                data = args[0] if args else None
                self.received.append((event, data))
                self._follow(event, data)
                self._arrived.notify_all()

        self.sio.on("*", record, namespace=namespace)

    def _hold(self, board: dict[str, Any]) -> None:
        number, held = board.get("board_seq"), (self.board or {}).get("board_seq")
        if isinstance(number, int) and isinstance(held, int) and number < held:
            return  # older than the board held (as staff.js): e.g. an answer to ``board`` read
            # before a whole board that came while it was on its way
        self.board = {k: board[k] for k in BOARD_KEYS if k in board}
        self.received.append(("board", self.board))

    def _follow(self, event: str, data: Any) -> None:
        """Keep the board as a staff page does (see the class)."""
        if event in ("snapshot", "rooms"):
            self._hold(data)
        elif event == "rooms_delta":
            if self.drop_deltas > 0:
                self.drop_deltas -= 1
                return
            if self._catching_up is not None:
                self._held.append(data)
            elif self.board is not None and data["base_seq"] == self.board.get("board_seq"):
                self._hold({**deltas.apply(self.board, data), **_seqs(data)})
            elif self.board is None or data["board_seq"] > self.board.get("board_seq", -1):
                self._held.append(data)
                self._catching_up = asyncio.get_running_loop().create_task(self._catch_up())

    async def _catch_up(self) -> None:
        self.catch_ups += 1
        board = await self.call("board")
        async with self._arrived:
            self._catching_up = None
            self._hold(board)
            held, self._held = self._held, []
            for d in held:
                self._follow("rooms_delta", d)
            self._arrived.notify_all()

    async def connect(
        self, url: str, token: str, seq: int | None = None, tab: str | None = None
    ) -> None:
        auth: dict[str, Any] = {"token": token} if seq is None else {"token": token, "seq": seq}
        if tab is not None:
            auth["tab"] = tab
        await self.sio.connect(
            url, namespaces=[self.namespace], auth=auth, transports=["websocket"],
            wait_timeout=10,
        )  # fmt: skip

    async def call(self, event: str, payload: Any = None, timeout: float = 10, **kw: Any) -> Any:
        """Emit with an ack and return the ack."""
        data = {} if payload is None else payload
        return await self.sio.call(event, data, namespace=self.namespace, timeout=timeout, **kw)

    async def wait_for(
        self,
        event: str,
        where: Callable[[Any], bool] = lambda _: True,
        timeout: float = 10,
        after: int = 0,
    ) -> Any:
        """The first recorded ``event`` whose payload satisfies ``where`` (waiting if needed);
        ``after``: only events received after that many."""

        def found() -> Any:
            for name, data in self.received[after:]:
                if name == event and where(data):
                    return data
            return None

        async with asyncio.timeout(timeout):
            async with self._arrived:
                await self._arrived.wait_for(lambda: found() is not None)
        return found()

    async def wait_board(
        self, where: Callable[[Any], bool] = lambda _: True, timeout: float = 10, after: int = 0
    ) -> Any:
        """The first board a staff client held that satisfies ``where``: the ``snapshot`` of its
        connect, a ``rooms`` update or either with the deltas after it (the board pushes only on
        a change, so a client that connects after the last one hears only its snapshot).
        ``after``: only boards held after that many events (``len(client.received)`` before the
        change awaited)."""
        async with asyncio.timeout(timeout), self._arrived:
            await self._arrived.wait_for(lambda: self._board(where, after) is not None)
        return self._board(where, after)

    async def wait_held(self, where: Callable[[Any], bool], timeout: float = 10) -> Any:
        """The board this staff client holds, once it satisfies ``where`` (at once if it does:
        a command that changes nothing on the board sends no new one)."""
        async with asyncio.timeout(timeout), self._arrived:
            await self._arrived.wait_for(lambda: self.board is not None and where(self.board))
        return self.board

    def _board(self, where: Callable[[Any], bool], after: int) -> Any:
        for name, data in self.received[after:]:
            if name == "board" and where(data):
                return data
        return None

    async def wait_clock(
        self, where: Callable[[Any], bool] = lambda _: True, timeout: float = 10
    ) -> Any:
        """The first clock state satisfying ``where``, from a ``clock`` event or the clock an
        ``assignment`` carries (a change that moves everyone sends participants only that)."""
        async with asyncio.timeout(timeout), self._arrived:
            await self._arrived.wait_for(lambda: self._clock(where) is not None)
        return self._clock(where)

    def _clock(self, where: Callable[[Any], bool]) -> Any:
        for name, data in self.received:
            clock = (
                data
                if name == "clock"
                else (data or {}).get("clock")
                if name == "assignment"
                else None
            )
            if clock is not None and where(clock):
                return clock
        return None

    def last(self, event: str) -> Any:
        """The latest payload of ``event`` received so far."""
        for name, data in reversed(self.received):
            if name == event:
                return data
        return None

    async def close(self) -> None:
        if self._catching_up is not None:
            self._catching_up.cancel()
        await self.sio.disconnect()


def _seqs(delta: dict[str, Any]) -> dict[str, Any]:
    return {"seq": delta["seq"], "board_seq": delta["board_seq"]}


def settings_for(tmp: Path, **overrides: Any) -> Settings:
    """Test settings: admin token fixed, store file in the test's folder."""
    return load(
        None, env={}, admin_token=ADMIN, data_dir=str(tmp), restart_grace_seconds=0, **overrides
    )


def redis_settings(request: pytest.FixtureRequest) -> dict[str, Any]:
    """Settings of a server on the session's Redis, with keys of the test's own."""
    return {
        "store": "redis",
        "redis_url": request.getfixturevalue("redis_url"),
        "redis_prefix": request.getfixturevalue("redis_prefix"),
        "data_key": DATA_KEY,
    }


@pytest.fixture
async def start(
    tmp_path: Path, request: pytest.FixtureRequest
) -> AsyncIterator[Callable[..., Any]]:
    """Start servers on free ports (``await start(**settings)``); all are stopped at the end.

    ``now`` replaces the server's clock (epoch milliseconds), for tests that move time by hand;
    ``store`` replaces the store the settings name; ``redis=True`` runs it on the session's
    Redis (with the Redis manager), under a key prefix of the test's own.
    """
    running: list[Running] = []

    async def _start(
        now: Callable[[], int] | None = None,
        store: Any = None,
        redis: bool = False,
        **overrides: Any,
    ) -> Running:
        if redis:
            overrides = {**redis_settings(request), **overrides}
        settings = settings_for(tmp_path, **overrides)
        extra: dict[str, Any] = {"store": store} if store is not None else {}
        if now is not None:
            extra["now"] = now
        app = create_app(settings, **extra)
        server = TestServer(app, host="127.0.0.1", port=0)
        await server.start_server()
        url = f"http://127.0.0.1:{server.port}"
        r = Running(url=url, http=aiohttp.ClientSession(), server=server)
        running.append(r)
        return r

    yield _start
    for r in running:
        await stop(r)


async def stop(r: Running) -> None:
    """Disconnect the clients and stop the server (idempotent)."""
    for c in r.clients:
        if c.connected:
            await c.disconnect()
    r.clients.clear()
    await r.http.close()
    try:
        async with asyncio.timeout(STOP_S):
            await r.server.close()
    except TimeoutError:
        for task in asyncio.all_tasks():  # what the server's shutdown waits for
            task.print_stack(file=sys.stdout)
        raise


@pytest.fixture
async def server(start: Callable[..., Any]) -> Running:
    """One running server with default test settings."""
    return await start()  # type: ignore[no-any-return]


PEOPLE = [
    {"name": "Claire Martin", "organization": "Mairie de Lyon", "side": "commune", "email": "claire@lyon.example"},
    {"name": "Hugo Bernard", "organization": "Ville de Nantes", "side": "commune", "email": "hugo@nantes.example"},
    {"name": "Léa Garnier", "organization": "Mobilis", "side": "solution", "email": "lea@mobilis.example"},
    {"name": "Thomas Petit", "organization": "Lumio", "side": "solution", "email": "thomas@lumio.example"},
]  # fmt: skip
