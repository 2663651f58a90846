"""Calls prepared in the break across processes on Redis: a ``signal {next}`` reaches the next
partner on another process, and the card it is checked against is the one every process reads."""

from __future__ import annotations

from tests.cluster.conftest import Cluster
from tests.cluster.test_cluster import everyone_in_round, spread
from tests.conftest import PEOPLE
from tests.procs import eventually


async def test_a_prepared_call_crosses_processes(cluster: Cluster) -> None:
    a, b = [await cluster.add(n) for n in ("a", "b")]
    ev = await cluster.event(a, PEOPLE)
    people, where = await spread(cluster, ev, [a, b])
    host = await cluster.connect(b, "/host", ev.host_token)
    await host.wait_board(lambda d: sum(p["online"] for p in d["participants"]) == 4)
    assert (await host.call("start"))["ok"]
    await everyone_in_round(people, 1)
    assert (await host.call("end_round"))["ok"]

    async def cards() -> dict[str, str] | None:
        got = {pid: c.last("next") for pid, c in people.items()}
        if any(not c or c["round"] != 2 or not c["peers"] for c in got.values()):
            return None
        return {pid: c["peers"][0]["id"] for pid, c in got.items()}

    nxt = await eventually(cards)
    for pid, partner in nxt.items():
        assert where[pid] is not where[partner]  # communes on one process, solutions on the other
        data = {"candidate": {"candidate": f"from {pid}"}}
        ack = await people[pid].call("signal", {"to": partner, "data": data, "next": 2})
        assert ack == {"ok": True}, ack
        got = await people[partner].wait_for("signal", lambda m, d=data: m["data"] == d)
        assert got == {"from": pid, "data": data, "next": 2}
        stranger = next(o for o in people if o not in (pid, partner))
        ack = await people[pid].call("signal", {"to": stranger, "data": data, "next": 2})
        assert ack["ok"] is False and ack["error"]["code"] == "not_your_next", ack
