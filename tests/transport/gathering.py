"""An event with its host, a moderator and four participants connected, for the transport tests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tests.conftest import PEOPLE, Client, Event, Running
from tests.procs import eventually


@dataclass
class Gathering:
    """Everyone of one event, connected; ``rooms`` holds each participant's round assignment."""

    server: Running
    ev: Event
    host: Client
    mod: Client
    people: dict[str, Client]
    tokens: dict[str, str]
    rooms: dict[str, dict[str, Any]]

    def room(self, pid: str) -> str:
        return str(self.rooms[pid]["room"])

    def partner(self, pid: str) -> str:
        """The (first) peer of ``pid`` this round."""
        return str(self.rooms[pid]["peers"][0]["id"])

    def stranger(self, pid: str) -> str:
        """Someone in another room this round."""
        return next(
            other for other, a in self.rooms.items() if a["room"] != self.rooms[pid]["room"]
        )

    def side(self, pid: str) -> str:
        return next(str(p["side"]) for p in self.ev.people if p["id"] == pid)

    async def reconnect(self, pid: str) -> Client:
        """Open a new socket for ``pid`` (the old one, if any, stays as it is)."""
        client = await self.server.connect("/participant", self.tokens[pid])
        self.people[pid] = client
        return client

    async def orphan_two(self) -> tuple[str, str]:
        """Two people leave so that two others sit alone: return those two, ``(pid, lonely)``.

        ``pid``'s partner and a stranger on ``pid``'s side disconnect; the stranger's partner
        is ``lonely``. Waits until the board flags both rooms ``alone``.
        """
        pid = next(iter(self.people))
        gone_partner = self.partner(pid)
        gone_stranger = next(o for o in self.people if o != pid and self.side(o) == self.side(pid))
        lonely = self.partner(gone_stranger)
        for gone in (gone_partner, gone_stranger):
            await self.people[gone].close()
        await self.mod.wait_board(lambda d: sum("alone" in r["flags"] for r in d["rooms"]) == 2)
        return pid, lonely

    async def cards(self) -> dict[str, list[str]]:
        """Wait until everyone's latest next-round card comes from one pairing of everyone;
        the peers each card names."""

        async def one_plan() -> dict[str, list[str]] | None:
            cards = {pid: c.last("next") for pid, c in self.people.items()}
            if any(
                not c or c["round"] != self.ev_round() or not c["peers"] for c in cards.values()
            ):
                return None
            said = {pid: [p["id"] for p in card["peers"]] for pid, card in cards.items()}
            return said if all(pid in said[said[pid][0]] for pid in said) else None

        return await eventually(one_plan)  # type: ignore[no-any-return]

    def ev_round(self) -> int:
        """The round the cards are for: the one after the last played."""
        return 1 + max((a["round"] for a in self.rooms.values()), default=0)

    async def start(self) -> None:
        """The host starts round 1; wait until everyone has their room."""
        ack = await self.host.call("start")
        assert ack["ok"], ack
        await self.assigned(1)

    async def end_round(self) -> None:
        """The host ends the round: its meetings took place and can be rated (a rating during
        the round, before its no-show check, is ``too_early``)."""
        ack = await self.host.call("end_round")
        assert ack["ok"], ack
        for client in self.people.values():
            await client.wait_clock(lambda c: c["phase"] == "break")

    async def assigned(self, round_: int) -> None:
        """Wait for everyone's assignment of ``round_`` and keep it."""
        for pid, client in self.people.items():
            self.rooms[pid] = await client.wait_for(
                "assignment", lambda a: a["round"] == round_ and a["room"] is not None
            )


async def gather(
    server: Running,
    people: list[dict[str, Any]] = PEOPLE,
    *,
    started: bool = True,
    **overrides: Any,
) -> Gathering:
    """Create an event, connect its host, a moderator and every participant; maybe start."""
    ev = await server.event(people, **overrides)
    host = await server.connect("/host", ev.host_token)
    mod = await server.connect("/moderator", ev.moderator_token)
    await host.wait_for("snapshot")
    await mod.wait_for("snapshot")
    clients: dict[str, Client] = {}
    tokens: dict[str, str] = {}
    for i in range(len(people)):
        pid, token = ev.person(i)
        tokens[pid] = token
        clients[pid] = await server.connect("/participant", token)
        await clients[pid].wait_for("assignment")
    g = Gathering(server, ev, host, mod, clients, tokens, {})
    if started:
        # the board knows everyone is online before the round is paired
        await mod.wait_board(lambda d: sum(p["online"] for p in d["participants"]) == len(people))
        await g.start()
    return g
