"""What one participant may send their partner through the server: a budget of signal bytes a
second per person (every tab of theirs), so that a burst is the sender's to pay. Reproduced on
main: 300 signals of 64 KiB were all relayed (19 MB), and the partner, reading at 1 MB/s, was
closed as a slow consumer while the sender's signals stayed ``ok``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from server.settings import Settings
from tests.transport.gathering import gather


async def test_a_burst_of_big_signals_is_refused_to_its_sender(start: Callable[..., Any]) -> None:
    server = await start()
    g = await gather(server)
    pid = next(iter(g.people))
    partner = g.partner(pid)
    second = await g.server.connect("/participant", g.tokens[pid])  # another tab: same budget
    chunk = {"blob": "x" * (60 * 1024)}
    oks = 0
    codes: set[str] = set()
    for client in (g.people[pid], second) * 20:
        ack = await client.call("signal", {"to": partner, "data": chunk})
        if ack["ok"]:
            oks += 1
        else:
            codes.add(ack["error"]["code"])
            assert ack["error"]["retry_after_ms"] > 0
    assert codes == {"rate_limited"}
    burst, refill = Settings().rate_signal_bytes_burst, Settings().rate_signal_bytes_per_second
    assert oks * 60 * 1024 <= burst + refill  # a second's refill at most
    assert oks >= 4  # an ICE restart's offer and candidates pass
    small = {"candidate": "candidate:1 1 udp 2122260223 192.0.2.1 54321 typ host"}
    assert (await g.people[partner].call("signal", {"to": pid, "data": small}))["ok"]
