"""A small network lab for one test or benchmark run: an address of this machine for the
services (``Service``), namespaces, turnservers and delaying relays, all removed by ``close``
(also after a failure)."""

from __future__ import annotations

import itertools
from pathlib import Path

from tests.net.delay import Delay
from tests.net.namespace import Namespace, Service, sweep, unavailable
from tests.procs import Turn
from tests.required import require


def need_netns() -> None:
    """Skip (loudly) where network namespaces cannot be made; fail instead where they are
    mandatory (CI sets ``SPEEDMEET_REQUIRE_NETNS=1``)."""
    require("network namespace", "SPEEDMEET_REQUIRE_NETNS", unavailable())


class Lab:
    """What one run made, to remove at the end (see the module's docstring)."""

    def __init__(self, folder: Path, secret: str) -> None:
        self.folder = folder
        self.secret = secret
        sweep()
        self.service = Service()
        self._count = itertools.count()
        self._namespaces: list[Namespace] = []
        self._turns: list[Turn] = []
        self._delays: list[Delay] = []

    @property
    def address(self) -> str:
        """Where the services listen (every namespace reaches it)."""
        return self.service.address

    def namespace(self) -> Namespace:
        """A namespace with one link to this machine."""
        ns = Namespace()
        self._namespaces.append(ns)
        return ns

    async def turn(self) -> Turn:
        """A turnserver listening and relaying on the services' address."""
        turn = Turn(self.folder / f"turn{next(self._count)}", self.secret, listen=(self.address,))
        self._turns.append(turn)
        return await turn.start()

    async def delay(self, port: int, delay: float, loss: float) -> Delay:
        """A delaying relay on the services' address in front of ``port`` there."""
        relay = Delay((self.address, 0), (self.address, port), delay=delay, loss=loss)
        self._delays.append(relay)
        return await relay.start()

    async def close(self) -> None:
        """Remove everything (idempotent)."""
        for relay in self._delays:
            await relay.close()
        for turn in self._turns:
            turn.halt()
        for ns in self._namespaces:
            ns.close()
        self.service.close()
        self._delays, self._turns, self._namespaces = [], [], []
