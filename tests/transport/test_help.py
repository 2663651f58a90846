"""Help that reaches a person, over real connections: a help form's reason, claims the other
staff see, writing to one room or one person, a moderator in a room's call (and nobody else's),
help requests closed at the end."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.conftest import PEOPLE, Client, Running
from tests.transport.gathering import Gathering, gather


def error(ack: dict[str, Any]) -> str:
    assert ack["ok"] is False, ack
    return str(ack["error"]["code"])


def me(staff: Client) -> dict[str, Any]:
    """A staff page's own label, from its connect snapshot."""
    snapshot = next(d for e, d in staff.received if e == "snapshot")
    return snapshot["me"]  # type: ignore[no-any-return]


async def second_moderator(g: Gathering) -> Client:
    mod2 = await g.server.connect("/moderator", g.ev.moderator_token)
    await mod2.wait_for("snapshot")
    return mod2


async def heard_nothing_before(client: Client, event: str, where: Any, marker: str) -> None:
    """``client`` got the host's broadcast ``marker`` and no ``event`` matching ``where`` before
    it (notes are delivered in the order they were sent)."""
    await client.wait_for("notice", lambda n: n.get("text") == marker)
    before = []
    for name, data in client.received:
        if name == "notice" and data.get("text") == marker:
            break
        before.append((name, data))
    assert not any(name == event and where(data) for name, data in before), before


async def broadcast(g: Gathering, marker: str) -> None:
    assert (await g.host.call("notice", {"text": marker}))["ok"]


async def test_a_claim_is_seen_by_a_second_moderator(server: Running) -> None:
    g = await gather(server)
    mod2 = await second_moderator(g)
    first, second = me(g.mod), me(mod2)
    assert (first["role"], second["role"]) == ("moderator", "moderator")
    assert first["id"] != second["id"] and {first["number"], second["number"]} == {1, 2}
    assert me(g.host)["role"] == "host"
    named = await g.mod.call("label", {"name": "  Inès   Roux "})
    assert named["me"] == {**first, "name": "Inès Roux"}

    pid = next(iter(g.people))
    other = g.stranger(pid)  # (a refused request still counts toward the help cooldown)
    assert error(await g.people[other].call("help", {"reason": "bored"})) == "bad_payload"
    ack = await g.people[pid].call("help", {"text": "", "reason": "no_sound"})
    assert ack == {"ok": True}
    asked = await mod2.wait_for("help")
    assert (asked["reason"], asked["claimed_by"]) == ("no_sound", None)

    claimed = await g.mod.call("claim_help", {"participant": pid})
    assert claimed["ok"] and claimed["by"]["id"] == first["id"]
    # the second moderator sees who took it, at once and on the board
    seen = await mod2.wait_for("help_claimed")
    assert (seen["participant"], seen["by"]["name"]) == (pid, "Inès Roux")
    board = await mod2.wait_board(lambda d: d["help"] and d["help"][0]["claimed_by"])
    assert board["help"][0]["claimed_by"]["id"] == first["id"]
    # the participant is told someone is coming, and who
    told = await g.people[pid].wait_for("notice", lambda n: n.get("kind") == "help_claimed")
    assert (told["from"], told["by"]["name"]) == ("moderator", "Inès Roux")
    # taken: the second moderator cannot take it by mistake, only on purpose
    refused = await mod2.call("claim_help", {"participant": pid})
    assert error(refused) == "already_claimed"
    assert refused["error"]["claimed_by"]["id"] == first["id"]
    taken = await mod2.call("claim_help", {"participant": pid, "take_over": True})
    assert taken["ok"]
    await g.mod.wait_for("help_claimed", lambda d: d["by"]["id"] == second["id"])
    # then resolved as before, by whoever took it
    assert await mod2.call("resolve_help", {"participant": pid}) == {"ok": True}
    done = await g.people[pid].wait_for("notice", lambda n: n.get("kind") == "help_resolved")
    assert done["by"]["id"] == second["id"]
    await g.mod.wait_board(lambda d: not d["help"])
    assert error(await g.mod.call("claim_help", {"participant": pid})) == "no_help_request"


async def test_writes_reach_only_that_room_or_that_person(server: Running) -> None:
    g = await gather(server)
    pid = next(iter(g.people))
    room, partner, stranger = g.room(pid), g.partner(pid), g.stranger(pid)
    ack = await g.mod.call("message", {"room": room, "text": " Five minutes left "})
    assert ack["ok"] and sorted(ack["to"]) == sorted([pid, partner])
    for who in (pid, partner):
        got = await g.people[who].wait_for("notice", lambda n: n.get("kind") == "room_message")
        assert (got["text"], got["from"], got["room"]) == ("Five minutes left", "moderator", room)
        assert got["by"]["id"] == me(g.mod)["id"]
    # one person: from the host this time
    ack = await g.host.call("message", {"participant": stranger, "text": "Your partner is coming"})
    assert ack == {"ok": True, "to": [stranger]}
    got = await g.people[stranger].wait_for("notice", lambda n: n.get("kind") == "personal_message")
    assert (got["text"], got["from"], got["by"]["role"]) == (
        "Your partner is coming",
        "host",
        "host",
    )

    await broadcast(g, "marker")
    for who, client in g.people.items():
        if who not in (pid, partner):
            await heard_nothing_before(
                client, "notice", lambda n: n.get("kind") == "room_message", "marker"
            )
        if who != stranger:
            await heard_nothing_before(
                client, "notice", lambda n: n.get("kind") == "personal_message", "marker"
            )
    assert error(await g.mod.call("message", {"room": "r9-9", "text": "hi"})) == "unknown_room"
    both = {"room": room, "participant": pid, "text": "hi"}
    assert error(await g.mod.call("message", both)) == "bad_payload"
    assert error(await g.mod.call("message", {"participant": "p404", "text": "hi"})) == (
        "unknown_participant"
    )
    assert error(await g.mod.call("message", {"room": room, "text": ""})) == "bad_payload"


async def test_a_moderator_signals_exactly_the_room_joined(server: Running) -> None:
    g = await gather(server)
    pid = next(iter(g.people))
    room, partner, stranger = g.room(pid), g.partner(pid), g.stranger(pid)
    mine = me(g.mod)["id"]
    # not joined yet: nobody to call, and nobody may call the moderator
    assert error(await g.mod.call("signal", {"to": pid, "data": {"x": 1}})) == "not_in_room"
    assert error(await g.people[pid].call("signal", {"to": mine, "data": {}})) == "not_your_peer"

    ack = await g.mod.call("join_room", {"room": room})
    assert ack["ok"] and ack["room"]["id"] == room and ack["staff"]["id"] == mine
    assert sorted(p["id"] for p in ack["peers"]) == sorted([pid, partner])
    assert all(p["polite"] is False for p in ack["peers"]) and "ice_servers" in ack
    for who in (pid, partner):
        joined = await g.people[who].wait_for("moderator", lambda m: m["joined"])
        assert (joined["room"], joined["staff"]["id"], joined["polite"]) == (room, mine, True)
    # the board shows the moderator in that room's call
    board = await g.host.wait_board(
        lambda d: any(r["id"] == room and r.get("moderators") for r in d["rooms"])
    )
    assert [m["id"] for r in board["rooms"] if r["id"] == room for m in r["moderators"]] == [mine]

    # both ways, with the members of that room
    for who in (pid, partner):
        assert (await g.mod.call("signal", {"to": who, "data": {"offer": who}}))["ok"]
        got = await g.people[who].wait_for("signal", lambda m: m["from"] == mine)
        assert got["data"] == {"offer": who}
        assert (await g.people[who].call("signal", {"to": mine, "data": {"answer": who}}))["ok"]
        back = await g.mod.wait_for("signal", lambda m, w=who: m["from"] == w)
        assert back["data"] == {"answer": who}
    # nobody else: not the other room, either way
    assert error(await g.mod.call("signal", {"to": stranger, "data": {}})) == "not_your_peer"
    refused = await g.people[stranger].call("signal", {"to": mine, "data": {}})
    assert error(refused) == "not_your_peer"

    # a second moderator who joined nothing is called by nobody
    mod2 = await second_moderator(g)
    other = me(mod2)["id"]
    assert error(await g.people[pid].call("signal", {"to": other, "data": {}})) == "not_your_peer"
    assert error(await mod2.call("signal", {"to": pid, "data": {}})) == "not_in_room"

    # a new name while in the call: the members' tiles follow
    assert (await g.mod.call("label", {"name": "Inès"}))["ok"]
    await g.people[pid].wait_for("moderator", lambda m: m["joined"] and m["staff"]["name"])

    # leaving: the members are told and the signaling closes
    assert await g.mod.call("leave_room") == {"ok": True, "room": room}
    for who in (pid, partner):
        await g.people[who].wait_for("moderator", lambda m: not m["joined"])
    assert error(await g.mod.call("signal", {"to": pid, "data": {}})) == "not_in_room"
    assert error(await g.people[pid].call("signal", {"to": mine, "data": {}})) == "not_your_peer"
    assert await g.mod.call("leave_room") == {"ok": True, "room": None}


async def test_the_call_ends_with_the_round_and_with_the_page(server: Running) -> None:
    g = await gather(server)
    pid = next(iter(g.people))
    room = g.room(pid)
    assert (await g.mod.call("join_room", {"room": room}))["ok"]
    # a member who reloads hears of the moderator in their assignment
    again = await g.reconnect(pid)
    a = await again.wait_for("assignment")
    assert [(m["id"], m["polite"]) for m in a["moderators"]] == [(me(g.mod)["id"], True)]

    await g.end_round()
    assert error(await g.mod.call("signal", {"to": pid, "data": {}})) == "no_round"
    assert (await g.host.call("next"))["ok"]
    await g.assigned(2)
    assert all(a["moderators"] == [] for a in g.rooms.values())
    assert error(await g.mod.call("signal", {"to": pid, "data": {}})) == "not_in_room"

    # a moderator page that closes leaves the call it was in
    mod2 = await second_moderator(g)
    room2 = g.room(pid)
    assert (await mod2.call("join_room", {"room": room2}))["ok"]
    await g.people[pid].wait_for("moderator", lambda m: m["joined"] and m["room"] == room2)
    await mod2.close()
    await g.people[pid].wait_for("moderator", lambda m: not m["joined"] and m["room"] == room2)


async def test_help_requests_close_at_the_end(server: Running) -> None:
    g = await gather(server)
    asking = list(g.people)[:2]
    for pid in asking:
        assert (await g.people[pid].call("help", {"text": "no video"}))["ok"]
    await g.mod.wait_board(lambda d: len(d["help"]) == 2)
    assert (await g.mod.call("claim_help", {"participant": asking[0]}))["ok"]

    assert (await g.host.call("end"))["ok"]
    closed = await g.host.wait_for("help_closed")
    assert sorted(closed["participants"]) == sorted(asking)
    await g.mod.wait_board(lambda d: d["help"] == [])
    late = await g.server.connect("/moderator", g.ev.moderator_token)
    snapshot = await late.wait_for("snapshot")
    assert snapshot["help"] == []
    assert error(await g.mod.call("resolve_help", {"participant": asking[1]})) == "no_help_request"
    quiet = next(pid for pid in g.people if pid not in asking)
    assert error(await g.people[quiet].call("help", {"text": "hello?"})) == "ended"


async def test_moderators_on_two_processes_have_two_numbers(start: Callable[..., Any]) -> None:
    """On main each process numbered its own moderator pages: two workers each showed
    "Moderator 1". The store numbers them for the event, whatever process holds the page."""
    a = await start(redis=True, board_interval_ms=20)
    b = await start(redis=True, board_interval_ms=20)
    ev = await a.event(PEOPLE[:2])
    first = await a.connect("/moderator", ev.moderator_token)
    second = await b.connect("/moderator", ev.moderator_token)
    await first.wait_for("snapshot")
    await second.wait_for("snapshot")
    assert sorted([me(first)["number"], me(second)["number"]]) == [1, 2]
    await first.close()  # its number is free again
    third = await b.connect("/moderator", ev.moderator_token)
    await third.wait_for("snapshot")
    assert me(third)["number"] == me(first)["number"]
