"""Importing people: what planning an import costs as the event grows, and a re-import of the
same file (every row matched to someone registered, by e-mail) in particular.

For each size, an event holding that many people and a file of as many rows (the same people,
one field changed, and a wish each): the median time of ``register.plan`` over a few runs, per
row, and how it grows from the smallest size (1.0 per row when it is linear; it was linear in
rows times people before it indexed the registered once). Pure: no server, no I/O.

    .venv/bin/python bench/intake.py
"""

from __future__ import annotations

import argparse
import statistics
import time

from server.core.event import new_event
from server.core.model import Matching, Settings
from server.people import register
from server.people.spreadsheet import Cell


def file_of(n: int, changed: str) -> list[register.Given]:
    out = []
    for i in range(n):
        side = "commune" if i % 2 else "solution"
        values = {
            "name": Cell(f"Person {i}", i + 2, "A"),
            "organization": Cell(f"{changed} {i}", i + 2, "B"),
            "side": Cell(side, i + 2, "C"),
            "email": Cell(f"person{i}@example.org", i + 2, "D"),
        }
        other = f"person{(i + 1) % n}@example.org" if i % 2 == 0 else ""
        out.append(
            register.Given(row=i + 1, values=values, wishes=[other] if other else [], line=i + 2)
        )
    return out


def event_of(n: int):
    state = new_event(
        "bench",
        Settings(
            title="Intake",
            round_seconds=300,
            break_seconds=60,
            rounds=6,
            matching=Matching(mode="bipartite", sides=("commune", "solution")),
        ),
        "h",
        "m",
        "r",
        0,
    )
    planned = register.plan(state, file_of(n, "Org"), update=False)
    assert not planned.problems, planned.problems[:3]
    state, _ = register.apply(state, planned, [f"t{i}" for i in range(len(planned.added))])
    return state


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="300,1000,3000")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    rows = []
    for n in sizes:
        state = event_of(n)
        again = file_of(n, "Organisation")
        times = []
        for _ in range(args.repeat):
            t = time.perf_counter()
            planned = register.plan(state, again)
            times.append(time.perf_counter() - t)
        assert len(planned.updated) == n and not planned.problems
        rows.append((n, statistics.median(times)))
    base = rows[0][1] / rows[0][0]
    print(f"register.plan, a re-import of every registered person (median of {args.repeat})\n")
    print("| people and rows | plan ms | µs per row | per row, against the smallest |")
    print("| ---: | ---: | ---: | ---: |")
    for n, t in rows:
        print(f"| {n:,} | {t * 1000:.1f} | {t / n * 1e6:.1f} | {(t / n) / base:.2f} |")


if __name__ == "__main__":
    main()
