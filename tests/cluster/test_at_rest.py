"""What a server process leaves behind, run as an operator would (``python -m server``): no
secret in its log or its files, files for its user only, an unreadable event set aside at start
while the others load, a deleted data file noticed, and SIGTERM taken gracefully."""

from __future__ import annotations

import sqlite3
import stat
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.conftest import ADMIN, PEOPLE, Client
from tests.procs import Server

SIGNUP_EMAIL = "ana.pereira@brest.example"


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
async def servers() -> AsyncIterator[list[Server]]:
    made: list[Server] = []
    yield made
    for s in made:
        await s.stop()


async def api(
    http: aiohttp.ClientSession, server: Server, method: str, path: str, **kw: Any
) -> tuple[int, Any]:
    headers = {"Authorization": f"Bearer {ADMIN}", **kw.pop("headers", {})}
    async with http.request(method, server.url + path, headers=headers, **kw) as r:
        body = await r.json() if r.content_type == "application/json" else await r.text()
        return r.status, body


async def make_event(http: aiohttp.ClientSession, server: Server, title: str) -> dict[str, Any]:
    spec = {
        "title": title,
        "round_seconds": 300,
        "break_seconds": 60,
        "rounds": 3,
        "matching": {"mode": "bipartite", "sides": ["commune", "solution"]},
    }
    status, created = await api(http, server, "POST", "/api/events", json=spec)
    assert status == 201, created
    status, rows = await api(
        http, server, "POST", f"/api/events/{created['id']}/participants", json=PEOPLE
    )
    assert status == 201, rows
    return {**created, "people": rows}


def token_of(url: str) -> str:
    return url.rsplit("/", 1)[1]


def local(server: Server, url: str) -> str:
    """A link on the test's server (links carry the configured public address)."""
    return server.url + "/" + url.split("/", 3)[3]


async def test_no_link_or_email_in_the_log_or_the_files(
    tmp_path: Path, http: aiohttp.ClientSession, servers: list[Server]
) -> None:
    data = tmp_path / "data"
    server = await Server("server", tmp_path, data_dir=str(data)).start()
    servers.append(server)
    ev = await make_event(http, server, "Secrets")
    links = [ev["host_url"], ev["moderator_url"], *(p["join_url"] for p in ev["people"])]
    for url in links:  # every page opened once: each is a line in the access log
        async with http.get(local(server, url)) as r:
            assert r.status == 200, url
    form = {"name": "Ana Pereira", "side": "commune", "email": SIGNUP_EMAIL, "consent": "yes"}
    async with http.post(
        local(server, ev["registration_url"]), data=form, allow_redirects=False
    ) as r:
        assert r.status == 303
        signed_up = r.headers["Location"]
    async with http.get(server.url + signed_up) as r:
        assert r.status == 200
    status, fresh = await api(
        http, server, "POST", f"/api/events/{ev['id']}/links", json={"who": "moderator"}
    )
    assert status == 201, fresh
    person = Client("/participant")
    await person.connect(server.url, token_of(ev["people"][0]["join_url"]))
    await person.wait_for("clock")
    await person.sio.disconnect()
    await server.stop()  # everything written and the log flushed

    tokens = [token_of(u) for u in [*links, ev["registration_url"], signed_up, fresh["url"]]]
    emails = [p["email"] for p in PEOPLE] + [SIGNUP_EMAIL]
    said = server.log()
    assert f"/e/{ev['id']}/p/…" in said and f"/e/{ev['id']}/host/…" in said  # lines, redacted
    for token in tokens:
        assert token not in said, f"a link's token is in the log: {token}"
    files = [f for f in data.rglob("*") if f.is_file()]
    assert any(f.name == "speedmeet.sqlite3" for f in files), files
    for f in files:
        content = f.read_bytes()
        for secret in [*tokens, *emails]:
            assert secret.encode() not in content, f"{secret} is in {f.name} in clear"
        mode = stat.S_IMODE(f.stat().st_mode)
        assert mode & 0o077 == 0, f"{f.name} is readable by others: {oct(mode)}"
    assert stat.S_IMODE(data.stat().st_mode) & 0o077 == 0


async def test_an_unreadable_event_is_set_aside_and_the_others_load(
    tmp_path: Path, http: aiohttp.ClientSession, servers: list[Server]
) -> None:
    data = tmp_path / "data"
    server = Server("server", tmp_path, data_dir=str(data))
    servers.append(server)
    await server.start()
    broken = await make_event(http, server, "Broken")
    kept = await make_event(http, server, "Kept")
    await server.stop()
    with sqlite3.connect(data / "speedmeet.sqlite3") as db:  # a half-written row
        db.execute(
            "UPDATE person SET body = ? WHERE event = ? AND id = ?",
            (b"\x85\xa2id\xa2p1\xa4na", broken["id"], broken["people"][0]["id"]),
        )
    await server.start()
    status, body = await api(http, server, "GET", f"/api/events/{kept['id']}")
    assert status == 200 and body["participants"] == len(PEOPLE)
    status, listed = await api(http, server, "GET", "/api/events")
    assert [e["id"] for e in listed] == [kept["id"]]
    status, body = await api(http, server, "GET", f"/api/events/{broken['id']}")
    assert status == 500 and body["error"]["code"] == "damaged", body
    assert "quarantine" in body["error"]["message"]
    page = local(server, broken["people"][1]["join_url"])
    async with http.get(page, headers={"Accept": "text/html"}) as r:
        assert r.status == 503
        assert 'data-testid="error"' in await r.text()
    async with http.get(local(server, kept["people"][1]["join_url"])) as r:
        assert r.status == 200
    said = server.log()
    assert f"event {broken['id']} cannot be read" in said and "set aside" in said, said
    assert "Traceback" not in said

    await server.stop()  # and at the next start it stays aside, said once more
    await server.start()
    assert f"event {broken['id']} is still set aside" in server.log()
    assert (await api(http, server, "GET", f"/api/events/{kept['id']}"))[0] == 200


async def test_healthz_fails_once_the_data_file_is_deleted(
    tmp_path: Path, http: aiohttp.ClientSession, servers: list[Server]
) -> None:
    data = tmp_path / "data"
    server = await Server("server", tmp_path, data_dir=str(data)).start()
    servers.append(server)
    await make_event(http, server, "Doomed")
    (data / "speedmeet.sqlite3").unlink()
    async with http.get(server.url + "/healthz") as r:
        assert r.status == 503
        body = await r.json()
    assert body["error"]["code"] == "store_gone" and "Restart" in body["error"]["message"]


async def test_sigterm_tells_the_clients_and_the_event_goes_on_after_the_restart(
    tmp_path: Path, http: aiohttp.ClientSession, servers: list[Server]
) -> None:
    server = Server("server", tmp_path, data_dir=str(tmp_path / "data"), restart_grace_seconds=0)
    servers.append(server)
    await server.start()
    ev = await make_event(http, server, "Rolling update")
    host = Client("/host")
    await host.connect(server.url, token_of(ev["host_url"]))
    person = Client("/participant")
    await person.connect(server.url, token_of(ev["people"][0]["join_url"]))
    assert (await host.call("start"))["ok"]
    before = await person.wait_clock(lambda c: c["phase"] == "round")

    await server.stop()
    assert server.proc is not None and server.proc.returncode == 0, server.log()
    told = await person.wait_for("status", lambda s: s["restarting"])
    assert told == {"degraded": True, "restarting": True}
    await host.wait_for("status", lambda s: s["restarting"])
    assert "Traceback" not in server.log()

    await server.start()
    again = Client("/participant")
    await again.connect(server.url, token_of(ev["people"][0]["join_url"]))
    clock = await again.wait_clock()
    assert (clock["phase"], clock["round"], clock["ends_at"]) == (
        "round",
        before["round"],
        before["ends_at"],
    )
    await again.sio.disconnect()
