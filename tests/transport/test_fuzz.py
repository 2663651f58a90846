"""Hostile input over real connections, found by Hypothesis: every Socket.IO event of every
namespace and every HTTP route gets random and malformed payloads. The server stays up, answers
each with an error code, logs no traceback, and a refusal leaves the event as it was.

The events and routes are read from the server itself (its ``on_*`` handlers, its router), so a
new one is fuzzed without a change here. ``SPEEDMEET_FUZZ_EXAMPLES`` sets how many examples each
property runs (default 200).
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from server.app import OWNER
from server.core.logs import LOGS
from server.sockets.host import HostNamespace
from server.sockets.moderator import ModeratorNamespace
from server.sockets.participant import ParticipantNamespace
from tests.conftest import ADMIN, Client, Running
from tests.procs import eventually
from tests.transport.gathering import Gathering, gather

EXAMPLES = int(os.environ.get("SPEEDMEET_FUZZ_EXAMPLES", "200"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def events_of(namespace: type) -> list[str]:
    """The client events a namespace handles."""
    internal = {"on_connect", "on_disconnect"}
    return sorted(m[3:] for m in dir(namespace) if m.startswith("on_") and m not in internal)


NAMESPACES = {
    "/participant": events_of(ParticipantNamespace),
    "/host": events_of(HostNamespace),
    "/moderator": events_of(ModeratorNamespace),
}
# Whoever sends these with a payload that happens to be valid ends the event, leaves it or
# replaces a link: they get payloads that are never a JSON object (refused by every schema).
TERMINAL = {("/host", "end"), ("/host", "reissue"), ("/participant", "stop")}


# --- payloads ------------------------------------------------------------------------------------

texts = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["", "p1", "p2", "r1", "host", "../../etc", "été", "\x00", "=1+1", "💥" * 5]),
    st.text(min_size=5_000, max_size=20_000).filter(lambda s: len(s) >= 5_000),
)
leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(2**80), max_value=2**80),
    st.floats(allow_nan=True, allow_infinity=True),
    texts,
    st.binary(max_size=64),
)
values = st.recursive(
    leaves,
    lambda inner: st.one_of(
        st.lists(inner, max_size=5), st.dictionaries(st.text(max_size=12), inner, max_size=5)
    ),
    max_leaves=20,
)
FIELDS = [
    "to", "data", "ice", "room", "rating", "text", "note", "target", "level", "seconds",
    "participant", "who", "rtt_ms", "loss", "kbps", "tags", "id",
]  # fmt: skip
objects = st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=8), values, max_size=6)


def nested(depth: int) -> Any:
    value: Any = "x"
    for _ in range(depth):
        value = [value]
    return value


not_objects = st.one_of(leaves, st.lists(values, max_size=4), st.integers(30, 80).map(nested))


# --- the world the examples hit ------------------------------------------------------------------


class Tracebacks(logging.Handler):
    """Every log record of the server that carries a traceback, or says ERROR."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info or record.levelno >= logging.ERROR:
            self.records.append(record)

    def said(self) -> str:
        return "\n".join(self.format(r) for r in self.records)


@dataclass
class World:
    server: Running
    g: Gathering
    logged: Tracebacks

    @property
    def event_id(self) -> str:
        return self.g.ev.id

    async def footprint(self) -> tuple[Any, ...]:
        """What a refusal must not change: every event's version, and the length of each log."""
        store = self.server.server.app[OWNER].store
        versions = []
        for event_id in await store.event_ids():
            state = await store.load(event_id)
            versions.append((event_id, state.version if state else None))
        logs = [len(await store.entries(self.event_id, name)) for name in LOGS]
        return (tuple(versions), tuple(logs))

    async def audit(self) -> list[Any]:
        """The event's audit log (what changed it, for a failing example's report)."""
        store = self.server.server.app[OWNER].store
        return list(await store.entries(self.event_id, "audit"))

    def client(self, namespace: str) -> Client:
        if namespace == "/host":
            return self.g.host
        if namespace == "/moderator":
            return self.g.mod
        return self.g.people[next(iter(self.g.people))]

    async def alive(self) -> None:
        """The server answers, and no traceback was logged."""
        async with self.server.http.get(self.server.url + "/healthz") as r:
            assert r.status == 200
        assert not self.logged.records, self.logged.said()


@pytest.fixture
async def world(start: Callable[..., Any]) -> AsyncIterator[World]:
    # Limits high enough that validation, not the rate limit, answers most examples.
    server = await start(
        board_interval_ms=50, rate_events_per_second=10_000, rate_events_burst=10_000,
        rate_signals_per_second=10_000, rate_signals_burst=10_000, help_every_seconds=0,
    )  # fmt: skip
    # No clock-driven change during the examples (the no-show check would change the event).
    g = await gather(server, round_seconds=7200, no_show_seconds=3600)
    logged = Tracebacks()
    root = logging.getLogger()
    root.addHandler(logged)
    try:
        yield World(server, g, logged)
    finally:
        root.removeHandler(logged)


def _ack_is_an_answer(ack: Any) -> None:
    assert isinstance(ack, dict) and isinstance(ack.get("ok"), bool), ack
    if not ack["ok"]:
        error = ack.get("error")
        assert isinstance(error, dict), ack
        assert re.fullmatch(r"[a-z_]+", str(error.get("code"))), ack
        assert isinstance(error.get("message"), str) and error["message"], ack


# --- Socket.IO -----------------------------------------------------------------------------------


@FUZZ
@given(data=st.data())
async def test_every_socket_event_answers_hostile_payloads(world: World, data: Any) -> None:
    namespace = data.draw(st.sampled_from(sorted(NAMESPACES)), label="namespace")
    event = data.draw(
        st.sampled_from(NAMESPACES[namespace])
        | st.sampled_from(["connect", "disconnect", "connect_error", "note", "__init__"])
        | st.text(min_size=1, max_size=20),
        label="event",
    )
    hostile = not_objects if (namespace, event) in TERMINAL else st.one_of(objects, not_objects)
    payload = data.draw(hostile, label="payload")
    client = world.client(namespace)
    before = await world.footprint()
    ack = await client.sio.call(event, payload, namespace=namespace, timeout=10)
    _ack_is_an_answer(ack)
    if not ack["ok"]:
        assert await world.footprint() == before, (event, payload, ack, await world.audit())
    assert client.sio.connected
    await world.alive()


RAW = st.one_of(
    st.text(max_size=200),
    st.builds(lambda s: "2/participant," + s, st.text(max_size=200)),
    st.builds(lambda n, s: f"2/participant,{n}" + s, st.integers(0, 2**70), st.text(max_size=80)),
    st.builds(
        lambda s: '2/participant,77["' + s, st.text(alphabet='[]{}",:\\0123456789ae', max_size=60)
    ),
    st.sampled_from(["5", "6", "0", "1/participant,", "2/nowhere,1[]", "3/participant,1[]",
                     "4/participant,{}", "51-/participant,1[]", "2/participant,1", "2[", "2"]),
)  # fmt: skip


@FUZZ
@given(packet=RAW)
async def test_malformed_socketio_packets_break_nothing(world: World, packet: str) -> None:
    """Packets no Socket.IO client would send, on a socket of their own: that socket may be
    closed; the server goes on and the event is unchanged."""
    pid = next(iter(world.g.people))
    before = await world.footprint()
    raw = await world.server.connect("/participant", world.g.tokens[pid])
    try:
        await raw.sio.eio.send(packet)
    finally:
        await raw.close()
    # a new socket gets in and is answered (the server read the packet and went on)
    fresh = await world.server.connect("/participant", world.g.tokens[pid])
    assert (await fresh.call("time"))["ok"]
    await fresh.close()
    assert await world.footprint() == before, (packet, await world.audit())
    await world.alive()


# --- HTTP ----------------------------------------------------------------------------------------


def route_templates(world: World) -> list[tuple[str, str]]:
    """(method, path template) of every route the server has."""
    out = []
    for route in world.server.server.app.router.routes():
        info = route.resource.get_info() if route.resource is not None else {}
        template = info.get("formatter") or info.get("path") or info.get("prefix")
        if template and route.method != "HEAD":
            out.append((route.method, str(template)))
    return sorted(set(out))


segments = st.one_of(
    st.text(min_size=1, max_size=30).filter(lambda s: "/" not in s and s not in (".", "..")),
    st.sampled_from(["..", "%2e%2e", "%00", "été", "🙂", "a" * 3000, "x?y=1", "%", "%zz"]),
)
bodies = st.one_of(
    st.none(),
    st.binary(max_size=200),
    values.map(lambda v: json.dumps(v, default=repr).encode()),
    objects.map(lambda v: json.dumps(v, default=repr).encode()),
    st.integers(40, 100).map(lambda d: ("[" * d * 1000 + "]" * d * 1000).encode()),
)
CONTENT_TYPES = [
    "application/json", "application/x-www-form-urlencoded", "text/plain", "multipart/form-data",
]  # fmt: skip
latin1 = st.text(
    alphabet=st.characters(min_codepoint=32, max_codepoint=255, blacklist_characters="\x7f"),
    max_size=60,
)


def fill(template: str, draw: Callable[..., Any], world: World) -> str:
    """A path from a route template: each ``{name}`` a hostile segment or a real value."""
    real = {"id": world.event_id, "event": world.event_id}

    def one(m: re.Match[str]) -> str:
        name = m.group(1)
        if name in real and draw(st.booleans()):
            return real[name]
        return str(draw(segments))

    return re.sub(r"\{([^}:]+)(?::[^}]*)?\}", one, template)


@FUZZ
@given(data=st.data())
async def test_every_http_route_answers_hostile_requests(world: World, data: Any) -> None:
    method, template = data.draw(st.sampled_from(route_templates(world)), label="route")
    method = data.draw(st.sampled_from([method, "POST", "PUT", "DELETE", "PATCH"]), label="method")
    path = fill(template, data.draw, world)
    auth = data.draw(st.sampled_from([f"Bearer {ADMIN}", None]) | latin1, label="auth")
    content_type = data.draw(st.sampled_from(CONTENT_TYPES) | latin1, label="content_type")
    body = data.draw(bodies, label="body")
    headers = {"Content-Type": content_type}
    if auth is not None:
        headers["Authorization"] = auth
    if data.draw(st.booleans(), label="html"):
        headers["Accept"] = "text/html"
    before = await world.footprint()
    url = world.server.url + path
    async with world.server.http.request(
        method, url, headers=headers, data=body, allow_redirects=False
    ) as r:
        status, kind, text = r.status, r.content_type, await r.text(errors="replace")
    assert status < 500, (method, path, status, text[:500])
    if status >= 400 and path.startswith("/api/") and kind == "application/json":
        error = json.loads(text)["error"]
        assert re.fullmatch(r"[a-z_]+", error["code"]) and error["message"], text
    if status >= 400:
        assert await world.footprint() == before, (method, path, status, await world.audit())
    await world.alive()


async def test_the_fuzzed_world_is_still_whole(world: World) -> None:
    """The fixture itself: everyone connected, the round on (what the examples run against)."""
    state = await world.server.server.app[OWNER].store.load(world.event_id)
    assert state is not None and state.clock.round == 1
    await eventually(lambda: _all_online(world))


async def _all_online(world: World) -> bool:
    return all(c.sio.connected for c in world.g.people.values())
