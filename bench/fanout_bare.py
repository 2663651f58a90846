"""The baseline of ``bench/fanout.py``: a bare aiohttp + python-socketio server.

Namespace ``/participant`` accepts any connection whose auth carries a token and greets it with
one ``assignment`` of round 0 (as Speedmeet does, once the connection is accepted).
``POST /go?round=N`` sends every connected participant one ``assignment`` of round N, shaped and
sized like Speedmeet's, one ``emit`` per socket in a loop, then answers. Nothing else: no store,
no pairing, no clock; what remains is python-socketio's own cost of one message per socket.

    .venv/bin/python bench/fanout_bare.py --port PORT
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any

import socketio
from aiohttp import web

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from server.sockets.codec import Json

NS = "/participant"


def assignment(rnd: int, i: int) -> dict[str, Any]:
    """One participant's message, shaped like Speedmeet's ``assignment``."""
    return {
        "round": rnd,
        "seq": rnd,
        "room": f"r1-{i}" if rnd else None,
        "peers": [
            {
                "id": f"p{i + 2}",
                "name": f"Participant {i + 2}",
                "organization": "",
                "side": "solution",
                "polite": True,
            }
        ]
        if rnd
        else [],
        "reason": "fill" if rnd else None,
        "polite": False,
        "ice_servers": [],
    }


def build() -> web.Application:
    sio = socketio.AsyncServer(
        async_mode="aiohttp",
        transports=["websocket"],
        json=Json,
        logger=False,
        engineio_logger=False,
    )
    app = web.Application()
    sio.attach(app)
    sids: dict[str, int] = {}
    greetings: set[asyncio.Task[None]] = set()

    async def greet(sid: str) -> None:
        async with asyncio.timeout(10):
            while not sio.manager.is_connected(sid, NS):
                if sid not in sids:
                    return
                await asyncio.sleep(0.001)
        await sio.emit("assignment", assignment(0, sids[sid]), to=sid, namespace=NS)

    async def connect(sid: str, environ: dict[str, Any], auth: Any = None) -> bool:
        if not (isinstance(auth, dict) and isinstance(auth.get("token"), str)):
            return False
        sids[sid] = len(sids)
        task = asyncio.create_task(greet(sid))
        greetings.add(task)
        task.add_done_callback(greetings.discard)
        return True

    async def disconnect(sid: str, reason: Any = None) -> None:
        sids.pop(sid, None)

    sio.on("connect", connect, namespace=NS)
    sio.on("disconnect", disconnect, namespace=NS)

    async def go(request: web.Request) -> web.Response:
        rnd = int(request.query.get("round", "1"))
        sent = 0
        for sid, i in list(sids.items()):
            await sio.emit("assignment", assignment(rnd, i), to=sid, namespace=NS)
            sent += 1
        return web.json_response({"sent": sent})

    async def healthz(request: web.Request) -> web.Response:
        return web.json_response({"ok": True, "connected": len(sids)})

    app.router.add_post("/go", go)
    app.router.add_get("/healthz", healthz)
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    web.run_app(build(), host="127.0.0.1", port=args.port, print=None)


if __name__ == "__main__":
    main()
