"""The staff pages apply a board's deltas as the server means them: ``applyDelta`` of
web/static/js/board.js, run in Chromium, against ``server.deltas`` on random boards."""

from __future__ import annotations

import random
from typing import Any

from server import deltas
from tests.conftest import Running


def _board(rng: random.Random, seq: int) -> dict[str, Any]:
    def items(prefix: str) -> list[dict[str, Any]]:
        ids = rng.sample([f"{prefix}{i}" for i in range(10)], rng.randint(0, 8))
        return [{"id": i, "flags": rng.sample(["alone", "no_audio", "help"], 1)} for i in ids]

    return {
        "rooms": items("r"),
        "participants": items("p"),
        "waiting": [{"id": w, "online": True} for w in rng.sample(["p1", "p2", "p3"], 2)],
        "help": [] if rng.random() < 0.5 else [{"participant": "p1", "text": "no sound"}],
        "seq": seq,
        "board_seq": seq,
    }


async def test_the_page_applies_deltas_as_the_server_makes_them(
    server: Running, browser: Any
) -> None:
    rng = random.Random(8)
    cases = []
    for n in range(300):
        old, new = _board(rng, n), _board(rng, n + 1)
        delta = deltas.diff(old, new)
        if delta is not None:
            cases.append([old, {**delta, "seq": n + 1, "board_seq": n + 1, "base_seq": n}, new])
    ev = await server.event([])
    page = await (await browser.new_context()).new_page()
    await page.goto(f"{server.url}/e/{ev.id}/mod/{ev.moderator_token}")
    wrong = await page.evaluate(
        """async (cases) => {
             const { applyDelta } = await import('/static/js/board.js');
             return cases.filter(([old, delta, want]) =>
               JSON.stringify(applyDelta(old, delta)) !== JSON.stringify(want)).length;
           }""",
        cases,
    )
    assert len(cases) > 250 and wrong == 0
