"""The staff pages apply a board's deltas as the server means them: ``applyDelta`` of
web/static/js/deltas.js, run by node, against ``server.core.deltas`` on random boards."""

from __future__ import annotations

import json
import random
import shutil
import subprocess
from pathlib import Path
from typing import Any

from server.core import deltas
from tests.required import require

SCRIPT = Path(__file__).resolve().parent / "apply_deltas.mjs"


def _node() -> str:
    node = shutil.which("node")
    missing = "node not found (scripts/setup --test says how to install it)"
    require("node", "SPEEDMEET_REQUIRE_BROWSER", None if node else missing)
    assert node is not None
    return node


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


def test_the_page_applies_deltas_as_the_server_makes_them(tmp_path: Path) -> None:
    node = _node()
    rng = random.Random(8)
    cases = []
    for n in range(300):
        old, new = _board(rng, n), _board(rng, n + 1)
        delta = deltas.diff(old, new)
        if delta is not None:
            cases.append([old, {**delta, "seq": n + 1, "board_seq": n + 1, "base_seq": n}, new])
    path = tmp_path / "cases.json"
    path.write_text(json.dumps(cases), encoding="utf-8")
    done = subprocess.run(
        [node, str(SCRIPT), str(path)], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    wrong = int(done.stdout)
    assert len(cases) > 250
    assert wrong == 0, f"{wrong} of {len(cases)} deltas give another board in the page"
