"""Round start to the partner's first video frame, in real Chromium pages on loopback.

Starts a real server on a free port and four pages (two per side, fake camera): the host opens
the doors, waits a short break (``--break-s``), starts round 1, waits the break again after it,
and starts round 2 (the two rounds of four people are the two ways to pair them). Each page
notes when its partner's video first shows a frame (``videoWidth > 0``); the figure is that
moment minus the moment the host's ``start`` / ``next`` was sent (one clock: same machine).
``--events`` repeats it with a new event. Run it in a checkout of another commit to compare
(the prepared calls of ``web/static/js/warm.js`` against main)::

    .venv/bin/python bench/warm_start.py [--events 3] [--break-s 5] [--warmup 1]
    mkdir /tmp/base && git archive <commit> | tar -x -C /tmp/base \\
        && cp bench/warm_start.py /tmp/base/bench/ && ln -s "$PWD/node_modules" /tmp/base/ \\
        && (cd /tmp/base && "$OLDPWD/.venv/bin/python" bench/warm_start.py)
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp
import socketio
from aiohttp.test_utils import TestServer

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from server.app import create_app
from server.settings import load
from tests.e2e.conftest import CHROMIUM, FLAGS

ADMIN = "bench"

# Each page notes the first moment each remote video shows a picture (by peer id), and when it
# made each RTCPeerConnection (one made after the start: no prepared call was taken over).
FIRST = """
(() => {
  const first = window.__first = {};
  const made = window.__made = [];
  const Native = window.RTCPeerConnection;
  window.RTCPeerConnection = class extends Native {
    constructor(...args) { super(...args); made.push(Date.now()); }
  };
  setInterval(() => {
    for (const v of document.querySelectorAll('[data-testid="remote-video"]')) {
      const peer = v.dataset.peer;
      if (peer && !(peer in first) && v.videoWidth > 0) first[peer] = Date.now();
    }
  }, 5);
})();
"""


async def _event(http: aiohttp.ClientSession, url: str) -> dict[str, Any]:
    spec = {
        "title": "bench",
        "round_seconds": 3600,
        "break_seconds": 3600,
        "rounds": 2,
        "matching": {"mode": "bipartite", "sides": ["a", "b"]},
    }
    async with http.post(url + "/api/events", json=spec) as r:
        ev: dict[str, Any] = await r.json()
    people = [{"name": f"{side}{i}", "side": side} for i in range(2) for side in ("a", "b")]
    async with http.post(url + f"/api/events/{ev['id']}/participants", json=people) as r:
        ev["people"] = await r.json()
    return ev


async def _one(
    browser: Any, http: aiohttp.ClientSession, url: str, break_s: float
) -> list[tuple[float, bool]]:
    """One event of two rounds: each page's start-to-first-frame time, in ms, and whether it
    made a new RTCPeerConnection after the start (no prepared call taken over)."""
    ev = await _event(http, url)
    contexts, pages = [], {}
    for p in ev["people"]:
        context = await browser.new_context(viewport={"width": 800, "height": 600})
        await context.add_init_script(FIRST)
        page = await context.new_page()
        await page.goto(f"{url}/e/{ev['id']}/p/{p['join_url'].rsplit('/', 1)[1]}")
        contexts.append(context)
        pages[p["id"]] = page
    host = socketio.AsyncClient(reconnection=False)
    token = ev["host_url"].rsplit("/", 1)[1]
    await host.connect(url, namespaces=["/host"], auth={"token": token}, transports=["websocket"])
    times: list[tuple[float, bool]] = []
    try:
        await host.call("open", {}, namespace="/host")
        met: dict[str, set[str]] = {pid: set() for pid in pages}
        for command in ("start", "next"):
            if command == "next":
                assert (await host.call("end_round", {}, namespace="/host"))["ok"]
            await asyncio.sleep(break_s)  # the lobby or the break: what a page may prepare in
            sent = time.time() * 1000
            ack = await host.call(command, {}, namespace="/host")
            assert ack["ok"], ack
            for pid, page in pages.items():
                handle = await page.wait_for_function(
                    """(met) => { const f = window.__first;
                                  const k = Object.keys(f).find((p) => !met.includes(p));
                                  return k ? [k, f[k]] : null; }""",
                    arg=sorted(met[pid]),
                    timeout=60_000,
                )
                peer, at = await handle.json_value()
                met[pid].add(peer)
                fresh = await page.evaluate("(t) => window.__made.some((m) => m >= t)", sent)
                times.append((at - sent, fresh))
                print(f"  {command:5} {pid}: {at - sent:6.0f} ms{'  new call' if fresh else ''}")
    finally:
        await host.disconnect()
        for context in contexts:
            await context.close()
    return times


async def main(events: int, break_s: float, warmup: int) -> None:
    from playwright.async_api import async_playwright

    with tempfile.TemporaryDirectory() as data_dir:
        settings = load(None, env={}, admin_token=ADMIN, data_dir=data_dir)
        server = TestServer(create_app(settings), host="127.0.0.1", port=0)
        await server.start_server()
        url = f"http://127.0.0.1:{server.port}"
        headers = {"Authorization": f"Bearer {ADMIN}"}
        try:
            async with (
                aiohttp.ClientSession(headers=headers) as http,
                async_playwright() as pw,
            ):
                browser = await pw.chromium.launch(
                    executable_path=str(CHROMIUM), headless=True, args=FLAGS
                )
                for _ in range(warmup):  # the browser's first pages start slowly: not counted
                    await _one(browser, http, url, break_s)
                samples: list[tuple[float, bool]] = []
                for _ in range(events):
                    samples += await _one(browser, http, url, break_s)
                await browser.close()
        finally:
            await server.close()
    times = sorted(t for t, _ in samples)
    fresh = sum(f for _, f in samples)
    print(f"round start -> partner's first frame, loopback, {len(times)} samples "
          f"({events} events x 2 rounds x 4 pages, {break_s:g} s before each round)")  # fmt: skip
    print(f"  p50 {statistics.median(times):7.0f} ms   max {times[-1]:7.0f} ms   "
          f"min {times[0]:7.0f} ms   new calls at the start: {fresh} of {len(samples)}")  # fmt: skip


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=3)
    parser.add_argument("--break-s", type=float, default=5.0)
    parser.add_argument("--warmup", type=int, default=1, help="events run first, not counted")
    args = parser.parse_args()
    asyncio.run(main(args.events, args.break_s, args.warmup))
