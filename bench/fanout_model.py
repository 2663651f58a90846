"""A load model of the round start: from the costs of one message, the time until the last of N
participants has their assignment, over P processes.

What a round start costs, per participant (measured here, in this process, on the real code):
- ``cmd``: the command on the process that runs it: the round's rooms and everyone's
  assignment (``rounds.move_clock`` with the board's plan), the note of the change, encoded;
- ``dec``: each process decoding its copy of the note, every message of it (Redis sends every
  note to every process: each decodes all N messages, delivers its own N/P);
- ``emit``: a process handing one assignment to one of its sockets (python-socketio's encoding,
  the websocket frame; from ``bench/fanout.py``'s figures: the one-process case's server CPU,
  less the command);
- ``client``: a participant's client reading its message (the load processes' CPU, per message);
- ``redis``: Redis taking the note and sending it to each process (its CPU, per message and
  process);
- the note's bytes, per message: what crosses the network to each process.

- ``ack``: the command's answer to the host (load, the command, the commit and its note: what
  comes before any delivery), measured by ``bench/fanout.py``; its growth with N on Redis is
  fitted from the two largest cases.

Two uses of it:
- on this machine, where every process shares 2 cores (the servers, Redis, the load processes):
  ``p99 ≈ ack + max(W_process, W_all / cores)``, where ``W_process = N·dec + (N/P)·emit`` is
  what one server process does alone (its event loop is one thread) and ``W_all`` what every
  process does (``N·P·dec + N·emit + N·client + N·P·redis``), checked against the p99 that
  ``bench/fanout.py`` measured at each size it ran;
- for a deployment with a core for each server process, Redis on its own, and the clients on
  their own machines: ``p99 ≈ ack(N) + N·dec + (N/P)·emit + P·N·bytes / bandwidth``: the
  decoding does not shrink as processes are added, and what leaves Redis grows with them. That
  is where adding processes stops paying.

    .venv/bin/python bench/fanout.py --repeat 3 --cases 1000x1,2000x2,4000x4 --json fan.json
    .venv/bin/python bench/fanout_model.py fan.json
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))

from server.core import matching  # noqa: E402
from server.core.clock import ClockCommand  # noqa: E402
from server.core.event import new_event  # noqa: E402
from server.core.model import Matching, Participant, Settings  # noqa: E402
from server.core.rounds import move_clock  # noqa: E402
from server.rooms import match_input  # noqa: E402
from server.store.base import note_of  # noqa: E402
from server.store.parts import encode  # noqa: E402
from server.store.redis.connection import NOTE  # noqa: E402

CORES = 2  # this machine's
BANDWIDTH = 125_000_000  # bytes a second out of Redis, a 1 Gbit/s network (the deployment's)
SIZES = (10_000, 20_000)
SPREADS = (4, 8, 16)


def event_of(n: int) -> Any:
    people = {
        f"p{i}": Participant(
            id=f"p{i}",
            name=f"Participant {i}",
            token_hash=f"{i:064x}",
            organization=f"Organisation {i}",
            side="commune" if i % 2 else "solution",
        )
        for i in range(1, n + 1)
    }
    settings = Settings(
        title="Model",
        round_seconds=420,
        break_seconds=60,
        rounds=6,
        matching=Matching(mode="bipartite", sides=("commune", "solution")),
    )
    state = new_event("model", settings, "h", "m", "r", 0)
    import msgspec

    return msgspec.structs.replace(state, participants=people)


def costs(n: int, repeat: int = 5) -> dict[str, float]:
    """Per participant, in seconds: the command and the decoding; the note's bytes."""
    state = event_of(n)
    online = frozenset(state.participants)
    plan = matching.pair_round(match_input(state, online, 6))
    cmd, dec, size = [], [], 0
    for _ in range(repeat):
        t = time.perf_counter()
        outcome = move_clock(state, ClockCommand.START, 1_000, online, "host", 0, plan)
        body = encode(note_of(state, outcome.state, outcome.messages))
        cmd.append(time.perf_counter() - t)
        t = time.perf_counter()
        NOTE.decode(body)
        dec.append(time.perf_counter() - t)
        size = len(body)
    return {"cmd": statistics.median(cmd) / n, "dec": statistics.median(dec) / n, "bytes": size / n}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("figures", help="the --json of bench/fanout.py")
    args = parser.parse_args()
    cases = json.loads(Path(args.figures).read_text(encoding="utf-8"))
    bare = [c for c in cases if c["name"].startswith("bare")]
    ours = [c for c in cases if not c["name"].startswith("bare")]
    largest = max(c["participants"] for c in ours)
    c = costs(largest)
    # from the measured runs: a bare emit, a client's read (the bare server's runs); our emit
    # (the one-process case, less the command); Redis per message and process
    emit_bare = statistics.median(
        b["commands"]["go"]["server_cpu_s"] / b["participants"] for b in bare
    )
    client = statistics.median(
        b["commands"]["go"]["others_cpu_s"] / b["participants"] for b in bare
    )
    one = [o for o in ours if o["processes"] == 1]
    emit = statistics.median(
        o["commands"][k]["server_cpu_s"] / o["participants"] - c["cmd"]
        for o in one
        for k in ("start", "next")
    )
    many = [o for o in ours if o["processes"] > 1]
    redis = statistics.median(
        max(0.0, o["commands"][k]["others_cpu_s"] / o["participants"] - client) / o["processes"]
        for o in many
        for k in ("start", "next")
    ) if many else 0.0  # fmt: skip
    print("Costs per participant's message (µs):\n")
    print(
        "| command | decode (each process) | emit (ours) | emit (bare) | client | Redis (each process) | bytes |"
    )
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    us = 1e6
    print(
        f"| {c['cmd'] * us:.1f} | {c['dec'] * us:.1f} | {emit * us:.1f} | {emit_bare * us:.1f} "
        f"| {client * us:.1f} | {redis * us:.1f} | {c['bytes']:.0f} |"
    )

    def here(n: int, p: int, ack_ms: float) -> float:
        decode = c["dec"] if p > 1 else 0.0
        alone = n * decode + n / p * emit
        everyone = n * p * decode + n * emit + n * client + n * p * redis
        return ack_ms / 1000 + max(alone, everyone / CORES)

    print(
        "\nOn this machine (2 cores for everything), the round start's p99, model and measured:\n"
    )
    print(
        "| participants | processes | command | ack ms | measured p99 ms | model ms | model / measured |"
    )
    print("| ---: | ---: | --- | ---: | ---: | ---: | ---: |")
    for o in ours:
        n, p = o["participants"], o["processes"]
        for k in ("start", "next"):
            measured, ack = o["commands"][k]["p99"], o["commands"][k]["ack_ms"]
            model = here(n, p, ack) * 1000
            print(
                f"| {n:,} | {p} | {k} | {ack:.0f} | {measured:.0f} | {model:.0f} "
                f"| {model / measured:.2f} |"
            )
    # the command's answer on Redis, against N: a line through the two largest cases
    acks = sorted(
        (
            o["participants"],
            statistics.median(o["commands"][k]["ack_ms"] for k in ("start", "next")),
        )
        for o in many
    )
    (n1, a1), (n2, a2) = acks[-2], acks[-1]
    per = (a2 - a1) / (n2 - n1) if n2 != n1 else 0.0
    base = a1 - per * n1

    def deployed(n: int, p: int) -> tuple[float, float, float, float]:
        ack = (base + per * n) / 1000
        local = n * c["dec"] + n / p * emit
        wire = p * n * c["bytes"] / BANDWIDTH
        return ack, local, wire, ack + local + wire

    print(
        "\nA deployment (a core per process, Redis on its own, clients elsewhere, "
        f"{BANDWIDTH * 8 / 1e9:.0f} Gbit/s out of Redis): the round start's p99, predicted "
        f"(the command's answer: {base:.0f} ms + {per * 1000:.1f} µs a participant):\n"
    )
    print(
        "| participants | processes | command ms | decoding + delivery ms | Redis to processes ms | p99 ms |"
    )
    print("| ---: | ---: | ---: | ---: | ---: | ---: |")
    for n in SIZES:
        for p in SPREADS:
            ack, local, wire, total = deployed(n, p)
            print(
                f"| {n:,} | {p} | {ack * 1000:.0f} | {local * 1000:.0f} | "
                f"{wire * 1000:.0f} | {total * 1000:.0f} |"
            )


if __name__ == "__main__":
    main()
