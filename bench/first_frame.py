"""First frame: time from a round's start to the partner's first video frame, in Chromium.

Each event has four people (two a side), two rounds and a break: round 1 starts from the lobby,
round 2 after the break (where a page could prepare its next call). Every page measures, from
the inside, the round's start on the server's clock (its deadline minus its length) and the
moment the partner's first frame is painted. Three networks, all on this machine:

- loopback: no TURN server, the pages call each other on host candidates (the baseline);
- relay: every page may use only the relay (`iceTransportPolicy: "relay"`, forced in the page),
  through a coturn turnserver of the run's own;
- relay + delay: the same, with the turnserver behind the tests' delaying relay (150 ms each
  way, 2 % of UDP datagrams lost; so 300 ms more from page to page).

Prints p50 and max per network and round kind, with ratios against loopback. Needs
/usr/bin/chromium and coturn's turnserver; free ports only.

    .venv/bin/python bench/first_frame.py [--events 3] [--cases loopback,relay,delay]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import socketio
from aiohttp.test_utils import TestServer

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from server.app import create_app
from server.settings import load
from tests.e2e.conftest import CHROMIUM, FLAGS
from tests.net.delay import Delay
from tests.net.frames import RELAY_ONLY, first_frame_ms, watch
from tests.procs import Turn

ADMIN = "bench"
SECRET = "bench-turn-secret"
ROUND_S = 10  # the shortest round the API takes: round 2 comes soon
CASES = {
    "loopback": "loopback (host candidates)",
    "relay": "relay only (turnserver)",
    "delay": "relay only, 150 ms each way + 2 % loss",
}


@dataclass
class Samples:
    """First-frame times of one network, in ms: round 1 (from the lobby), later rounds."""

    first: list[int] = field(default_factory=list)
    later: list[int] = field(default_factory=list)
    # when the round's assignment reached the page, from the round's start (the part of the
    # first frame's wait that is the server's and the socket's, not the call's)
    first_told: list[int] = field(default_factory=list)
    later_told: list[int] = field(default_factory=list)
    new_calls: dict[int, int] = field(default_factory=dict)  # round -> calls made at its start


async def _event(url: str, break_s: int) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    headers = {"Authorization": f"Bearer {ADMIN}"}
    async with aiohttp.ClientSession(headers=headers) as http:
        spec = {
            "title": "bench",
            "round_seconds": ROUND_S,
            "break_seconds": break_s,
            "rounds": 2,
            "matching": {"mode": "bipartite", "sides": ["a", "b"]},
        }
        async with http.post(url + "/api/events", json=spec) as r:
            assert r.status == 201, await r.text()
            ev = await r.json()
        people = [{"name": f"{s}{i}", "side": s} for i in range(2) for s in ("a", "b")]
        async with http.post(url + f"/api/events/{ev['id']}/participants", json=people) as r:
            assert r.status == 201, await r.text()
            rows = await r.json()
    return ev, rows


async def _partners(page: Any, me: str, rounds: int) -> dict[int, str]:
    """Round number to partner id, from the assignments the page was sent."""
    found: dict[int, str] = {}
    handle = await page.wait_for_function(
        f"""() => {{
              const seen = window.__assigned || [];
              return new Set(seen.map(a => a[0])).size >= {rounds} ? seen : null;
            }}""",
        timeout=120_000,
        polling=100,
    )
    for round_no, peer in await handle.json_value():
        if peer != me:
            found[int(round_no)] = str(peer)
    return found


# who each page meets in each round (kept by the page: the assignment message names them)
# ms from round r's start to its assignment (with a room) on the page, or null
TOLD = """(r) => {
  const a = window.__assignments.find((x) => x[1] === r && x[2]);
  return a && r in window.__rounds ? a[0] - window.__rounds[r] : null;
}"""
# how many RTCPeerConnections the page made in round r's first 10 s (0: a prepared call served)
NEW_CALLS = """(r) => window.__made.filter((t) => t >= window.__rounds[r] && t < window.__rounds[r] + 10000).length"""

PARTNERS = """
(() => {
  const seen = window.__assigned = [];
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', ({ data }) => {
        if (typeof data !== 'string' || !data.includes('["assignment",')) return;
        try {
          const body = JSON.parse(data.slice(data.indexOf('[')))[1];
          if (body.room) for (const p of body.peers) seen.push([body.round, p.id]);
        } catch {
          // not a whole event
        }
      });
    }
  };
})();
"""


async def one_event(
    browser: Any, url: str, relay_only: bool, break_s: int, samples: Samples
) -> None:
    ev, rows = await _event(url, break_s)
    contexts, pages = [], {}
    try:
        for row in rows:
            context = await browser.new_context(viewport={"width": 640, "height": 480})
            contexts.append(context)
            if relay_only:
                await context.add_init_script(RELAY_ONLY)
            await context.add_init_script(watch(ROUND_S))
            await context.add_init_script(PARTNERS)
            page = await context.new_page()
            await page.goto(f"{url}/e/{ev['id']}/p/{row['join_url'].rsplit('/', 1)[1]}")
            pages[row["id"]] = page
        for page in pages.values():
            await page.wait_for_selector('[data-screen="lobby"]', timeout=30_000)
        host = socketio.AsyncClient(reconnection=False)
        token = ev["host_url"].rsplit("/", 1)[1]
        await host.connect(
            url, namespaces=["/host"], auth={"token": token}, transports=["websocket"]
        )
        try:
            for step in ("open", "start"):
                ack = await host.call(step, {}, namespace="/host", timeout=10)
                assert ack.get("ok"), ack
            for pid, page in pages.items():
                partners = await _partners(page, pid, 2)
                for round_no, peer in sorted(partners.items()):
                    ms = await first_frame_ms(page, round_no, peer, timeout=120_000)
                    (samples.first if round_no == 1 else samples.later).append(ms)
                    told = await page.evaluate(TOLD, round_no)
                    samples.new_calls[round_no] = samples.new_calls.get(round_no, 0) + (
                        await page.evaluate(NEW_CALLS, round_no)
                    )
                    if told is not None:
                        (samples.first_told if round_no == 1 else samples.later_told).append(told)
        finally:
            await host.disconnect()
    finally:
        for context in contexts:
            await context.close()


async def run_case(case: str, events: int, break_s: int, folder: Path, pw: Any) -> Samples:
    """Start a server (and a turnserver, and a delaying relay) for ``case`` and measure."""
    turn: Turn | None = None
    delay: Delay | None = None
    settings: dict[str, Any] = {}
    if case != "loopback":
        turn = await Turn(folder / "turn", SECRET).start()
        port = turn.port
        if case == "delay":
            delay = await Delay(("127.0.0.1", 0), ("127.0.0.1", turn.port)).start()
            port = delay.port
        urls = [f"turn:127.0.0.1:{port}?transport=udp", f"turn:127.0.0.1:{port}?transport=tcp"]
        settings = {"turn_urls": urls, "turn_secret": SECRET}
    app = create_app(load(None, env={}, admin_token=ADMIN, data_dir=str(folder), **settings))
    server = TestServer(app, host="127.0.0.1", port=0)
    await server.start_server()
    url = f"http://127.0.0.1:{server.port}"
    browser = await pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=FLAGS)
    samples = Samples()
    try:
        for n in range(events):
            await one_event(browser, url, case != "loopback", break_s, samples)
            print(f"  {case} event {n + 1}/{events}: round 1 {samples.first[-4:]} ms, "
                  f"round 2 {samples.later[-4:]} ms", file=sys.stderr)  # fmt: skip
    finally:
        await browser.close()
        await server.close()
        if delay is not None:
            print(f"  delaying relay: {delay.counts}", file=sys.stderr)
            await delay.close()
        if turn is not None:
            turn.halt()
    return samples


def _p50(values: list[int]) -> float:
    return statistics.median(values) if values else float("nan")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=3, help="events per network (8 samples each)")
    parser.add_argument("--cases", default=",".join(CASES), help="networks: " + ", ".join(CASES))
    parser.add_argument("--break-seconds", type=int, default=10, help="the break before round 2")
    args = parser.parse_args()
    cases = [c for c in args.cases.split(",") if c]
    unknown = [c for c in cases if c not in CASES]
    if unknown:
        parser.error(f"unknown case {unknown}: choose among {', '.join(CASES)}")
    from playwright.async_api import async_playwright

    results: dict[str, Samples] = {}
    async with async_playwright() as pw:
        for case in cases:
            with tempfile.TemporaryDirectory() as tmp:
                results[case] = await run_case(case, args.events, args.break_seconds, Path(tmp), pw)
    base = results.get("loopback")
    print("| network | round | samples | p50 | max | p50 x loopback | max x loopback "
          "| assignment on the page, p50 | new calls at the start |")  # fmt: skip
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for case, s in results.items():
        for n, label, values, ref, told in (
            (1, "1 (from the lobby)", s.first, base.first if base else [], s.first_told),
            (2, "2 (after a break)", s.later, base.later if base else [], s.later_told),
        ):
            p50, top = _p50(values), max(values, default=0)
            ratio = f"{p50 / _p50(ref):.2f}" if ref else "-"
            ratio_max = f"{top / max(ref):.2f}" if ref else "-"
            print(f"| {CASES[case]} | {label} | {len(values)} | {p50:.0f} ms | {top} ms "
                  f"| {ratio} | {ratio_max} | {_p50(told):.0f} ms "
                  f"| {s.new_calls.get(n, 0)} of {len(values)} |")  # fmt: skip


if __name__ == "__main__":
    asyncio.run(main())
