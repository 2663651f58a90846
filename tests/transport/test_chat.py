"""The room's chat over real connections: it reaches the others of the sender's call (the
room's members, and a moderator who joined it) and nobody else; it is refused outside a round,
in no room, or to a room that is not yours; it is rate-limited and size-capped."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.conftest import PEOPLE, Running
from tests.transport.gathering import gather
from tests.transport.test_help import broadcast, error, heard_nothing_before, me


def chat_from(sender: str, text: str) -> Callable[[Any], bool]:
    return lambda m: m["from"] == sender and m["text"] == text


async def test_chat_reaches_the_room_and_a_moderator_in_its_call_only(server: Running) -> None:
    g = await gather(server)
    pid = next(iter(g.people))
    room, partner, stranger = g.room(pid), g.partner(pid), g.stranger(pid)
    text = 'See https://example.org/deck <script>alert("x")</script>'
    ack = await g.people[pid].call("chat", {"room": room, "text": f"  {text}\r\n"})
    assert ack["ok"] and isinstance(ack["id"], str) and isinstance(ack["at"], int), ack
    got = await g.people[partner].wait_for("chat", chat_from(pid, text))
    assert got == {"id": ack["id"], "room": room, "from": pid, "text": text, "at": ack["at"]}

    # a moderator who joins the call hears the room and is heard by both members
    assert (await g.mod.call("join_room", {"room": room}))["ok"]
    ack = await g.people[partner].call("chat", {"room": room, "text": "Hello moderator"})
    assert ack["ok"], ack
    got = await g.mod.wait_for("chat", chat_from(partner, "Hello moderator"))
    assert got["room"] == room and "staff" not in got
    staff_id = me(g.mod)["id"]
    assert (await g.mod.call("chat", {"room": room, "text": "I can read you"}))["ok"]
    for who in (pid, partner):
        got = await g.people[who].wait_for("chat", chat_from(staff_id, "I can read you"))
        assert got["staff"] == me(g.mod)

    # nobody else heard any of it: not the other room, not a moderator outside the call, not
    # the sender's own socket
    mod2 = await g.server.connect("/moderator", g.ev.moderator_token)
    await mod2.wait_for("snapshot")
    assert (await g.people[stranger].call("chat", {"room": g.room(stranger), "text": "ours"}))["ok"]
    await broadcast(g, "marker")
    for who, client in g.people.items():
        if who in (pid, partner):
            continue
        await heard_nothing_before(client, "chat", lambda m: m["room"] == room, "marker")
    await heard_nothing_before(
        g.people[pid], "chat", lambda m: m["from"] == pid or m["room"] != room, "marker"
    )
    assert not any(name == "chat" and data["room"] != room for name, data in g.mod.received)
    assert not any(name == "chat" for name, _ in mod2.received)


async def test_chat_is_refused_outside_a_round_and_outside_your_room(server: Running) -> None:
    fifth = {"name": "Inès Roux", "organization": "Mairie d'Albi", "side": "commune",
             "email": "ines@albi.example"}  # fmt: skip
    g = await gather(server, [*PEOPLE, fifth], started=False)
    pid = next(iter(g.people))
    assert error(await g.people[pid].call("chat", {"room": "r1-1", "text": "hi"})) == "no_round"
    await g.mod.wait_board(lambda d: sum(p["online"] for p in d["participants"]) == len(g.people))
    ack = await g.host.call("start")
    assert ack["ok"], ack
    rooms = {}
    for who, client in g.people.items():
        rooms[who] = (await client.wait_for("assignment", lambda a: a["round"] == 1))["room"]
    waiting = next(who for who, room in rooms.items() if room is None)
    seated = [who for who, room in rooms.items() if room is not None]
    a = seated[0]
    other = next(rooms[w] for w in seated if rooms[w] != rooms[a])
    # the room of someone else, a room of no one, a page in no room, staff in no call
    assert error(await g.people[a].call("chat", {"room": other, "text": "hi"})) == "not_your_room"
    assert error(await g.people[a].call("chat", {"room": "r9-9", "text": "hi"})) == "not_your_room"
    refused = await g.people[waiting].call("chat", {"room": rooms[a], "text": "hi"})
    assert error(refused) == "not_in_room"
    assert error(await g.mod.call("chat", {"room": rooms[a], "text": "hi"})) == "not_in_room"
    assert error(await g.host.call("chat", {"room": rooms[a], "text": "hi"})) == "unknown_event"
    # a moderator in one call writes to that room only
    assert (await g.mod.call("join_room", {"room": rooms[a]}))["ok"]
    assert error(await g.mod.call("chat", {"room": other, "text": "hi"})) == "not_your_room"
    # the round is over: nobody to write to
    assert (await g.host.call("end_round"))["ok"]
    await g.people[a].wait_clock(lambda c: c["phase"] == "break")
    assert error(await g.people[a].call("chat", {"room": rooms[a], "text": "hi"})) == "no_round"


async def test_chat_is_rate_limited_and_size_capped(start: Callable[..., Any]) -> None:
    server = await start(
        board_interval_ms=20, chat_max_chars=20, rate_chat_burst=4, rate_chat_per_second=0.01
    )
    g = await gather(server)
    pid = next(iter(g.people))
    room, partner = g.room(pid), g.partner(pid)
    client = g.people[pid]
    too_long = await client.call("chat", {"room": room, "text": "x" * 21})
    assert error(too_long) == "chat_too_long" and too_long["error"]["max_chars"] == 20
    assert error(await client.call("chat", {"room": room, "text": " \n\t "})) == "chat_empty"
    assert error(await client.call("chat", {"room": room, "text": "x" * 4001})) == "bad_payload"
    # unprintable characters and bidirectional overrides are dropped, the rest kept as written
    ack = await client.call("chat", {"room": room, "text": "a\x00b\u202ec <b>"})
    assert ack["ok"], ack
    await g.people[partner].wait_for("chat", chat_from(pid, "abc <b>"))
    # the burst (4: the refused ones above count too) is spent: the next one waits
    refused = await client.call("chat", {"room": room, "text": "one more"})
    assert error(refused) == "rate_limited" and refused["error"]["retry_after_ms"] > 0
    # another person's allowance is their own
    assert (await g.people[partner].call("chat", {"room": room, "text": "mine"}))["ok"]
