"""The server while its data file cannot be written (reproduced on main with a file made
read-only: one failed ``/healthz`` probe left the file inside a transaction, every later write
failed until a restart, and ``/healthz`` and the API answered a bare 500)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from server.store import EmbeddedStore
from tests.store.test_embedded_faults import read_only
from tests.transport.gathering import gather


async def test_health_and_api_answer_503_then_recover_by_themselves(
    start: Callable[..., Any], tmp_path: Path
) -> None:
    store = EmbeddedStore(tmp_path / "speedmeet.sqlite3")
    server = await start(store=store)
    g = await gather(server, started=False)
    ev = g.ev
    await read_only(store, True)
    async with server.http.get(f"{server.url}/healthz") as r:
        assert r.status == 503, await r.text()
        body = await r.json()
    assert body["error"]["code"] == "store_unwritable", body
    assert "Nothing was changed" in body["error"]["message"]
    one = [{"name": "Late Comer", "side": "commune"}]
    status, body = await server.api("POST", f"/api/events/{ev.id}/participants", json=one)
    assert status == 503 and body["error"]["code"] == "store_unwritable", body
    ack = await g.host.call("open")  # on main: "internal"
    assert not ack["ok"] and ack["error"]["code"] == "store_unwritable", ack

    await read_only(store, False)
    async with server.http.get(f"{server.url}/healthz") as r:
        assert r.status == 200, await r.text()
    status, body = await server.api("POST", f"/api/events/{ev.id}/participants", json=one)
    assert status == 201, body
    assert (await g.host.call("open"))["ok"]
