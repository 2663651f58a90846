"""What one link may do, whatever the number of its sockets (issue 17, item 5): a few sockets
per person, one budget of edits and link reports per person, reports only about one's own room
and its people this round, and an audit log that stays bounded under a flood.

Reproduced on main: 300 sockets opened on one link in 0.3 s; 20 of them sending ``profile``
edits wrote 277 times a second (2,800 audit entries in 10 s); ``stats`` with made-up room and
peer ids wrote 288 counter rows in 20 s.
"""

from __future__ import annotations

from typing import Any

from server.app import OWNER
from tests.conftest import Running
from tests.transport.gathering import gather


def _code(ack: dict[str, Any]) -> str | None:
    return None if ack["ok"] else str(ack["error"]["code"])


async def test_stats_about_another_room_or_people_are_refused_and_write_nothing(
    server: Running,
) -> None:
    g = await gather(server)
    store = server.server.app[OWNER].store
    pid = next(iter(g.people))
    me, partner, stranger = g.people[pid], g.partner(pid), g.stranger(pid)
    good = {"room": g.room(pid), "ice": "connected", "peers": [{"id": partner, "ice": "connected"}]}
    assert (await me.call("stats", good))["ok"]
    kept, counters = (await store.stats(g.ev.id))[pid], await store.connected(g.ev.id)
    made_up = [
        ({**good, "room": "r-made-up"}, "not_your_room"),
        ({**good, "room": g.room(stranger)}, "not_your_room"),
        ({**good, "peers": [{"id": "p-made-up", "ice": "connected"}]}, "not_your_peer"),
        ({**good, "peers": [{"id": stranger, "ice": "connected"}]}, "not_your_peer"),
    ]
    for body, code in made_up:
        for _ in range(3):  # twice in a row would credit the made-up call its time
            ack = await me.call("stats", body)
            assert _code(ack) == code, ack
            assert ack["error"]["message"]
    # nothing of them was written: no counter row, no stored report
    assert await store.connected(g.ev.id) == counters
    assert (await store.stats(g.ev.id))[pid] == kept
    # the person's own room and partner are still reported (and a report outside a room)
    assert (await me.call("stats", good))["ok"]
    assert (await me.call("stats", {"ice": "new", "camera": "on"}))["ok"]
