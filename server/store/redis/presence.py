"""The Redis store's presence, leases and feed: each process's sockets and heartbeat (a dead
process's sockets swept by the others), the lease of each live event with its fencing version,
and the notes published to every process."""

from __future__ import annotations

import msgspec

from ..base import Note, Pages, Subscriber, Swept
from ..parts import encode
from .connection import Connection

PAGES = msgspec.json.Decoder(Pages)


def _socket(sid: str, tab: str) -> str:
    """A socket as presence records it: its id and its page's (``sid|tab``; the scripts read
    the page back from the last field, so the page's id loses any ``|``)."""
    return f"{sid}|{tab.replace('|', '')}"


class RedisPresence(Connection):
    """Who is online where, which process runs which event, and the feed."""

    async def connect(self, event_id: str, participant_id: str, sid: str, tab: str = "") -> bool:
        """Record a socket of this process."""
        argv = [self._p, event_id, participant_id, self.proc, _socket(sid, tab)]
        return bool(await self._do("connect", lambda: self._connect(args=argv), write=True))

    async def disconnect(self, event_id: str, participant_id: str, sid: str, tab: str = "") -> bool:
        """Forget a socket of this process."""
        argv = [self._p, event_id, participant_id, self.proc, _socket(sid, tab)]
        return bool(await self._do("disconnect", lambda: self._disconnect(args=argv), write=True))

    async def claim_page(
        self, event_id: str, participant_id: str, tab: str | None, take: bool, now: int
    ) -> tuple[Pages, bool]:
        """Put a page in charge if it may (a script: ``base.claimed``'s rule, at once)."""
        given = "" if tab is None else tab.replace("|", "")
        argv = [self._p, event_id, participant_id, given, int(tab is not None), int(take), now]
        raw, changed = await self._do("pages", lambda: self._claim_page(args=argv), write=True)
        return PAGES.decode(raw), bool(changed)

    async def pages(self, event_id: str) -> dict[str, Pages]:
        """Every person's pages."""
        raw = await self._do("pages", lambda: self.r.hgetall(f"{self._ev(event_id)}:pages"))
        return {k.decode(): PAGES.decode(v) for k, v in raw.items()}

    async def elsewhere(self, event_id: str, participant_id: str) -> list[tuple[str, str]]:
        """The participant's sockets recorded by other processes (members ``proc|sid|tab``)."""
        key = f"{self._ev(event_id)}:p:{participant_id}"
        raw = await self._do("online", lambda: self.r.smembers(key))
        out = []
        for member in raw:
            proc, _, rest = member.decode().partition("|")
            sid, _, tab = rest.partition("|")
            if proc != self.proc:
                out.append((sid, tab))
        return sorted(out)

    async def online(self, event_id: str) -> frozenset[str]:
        """Participants with a socket on a live process."""
        raw = await self._do("online", lambda: self.r.smembers(f"{self._ev(event_id)}:online"))
        return frozenset(m.decode() for m in raw)

    async def heartbeat(self) -> bool:
        """Beat; ``False`` if this process had been given up for dead."""
        known = await self._do("heartbeat", lambda: self._heartbeat(args=[self._p, self.proc]))
        first, self._beaten = not self._beaten, True
        return bool(known) or first

    async def sweep(self) -> Swept:
        """Forget the sockets and staff pages of processes silent for longer than the presence
        timeout."""
        raw = await self._do("sweep", lambda: self._sweep(args=[self._p, self._timeout_ms]))
        flat = [x.decode() for x in raw]
        swept = Swept()
        for kind, event_id, who in zip(flat[::3], flat[1::3], flat[2::3], strict=True):
            (swept.people if kind == "p" else swept.staff).append((event_id, who))
        return swept

    async def staff_join(self, event_id: str, staff_id: str) -> int:
        """Number a moderator page of this process (a script: the lowest free number)."""
        argv = [self._p, event_id, staff_id, self.proc]
        return int(await self._do("staff", lambda: self._staff_join(args=argv), write=True))

    async def staff_leave(self, event_id: str, staff_id: str) -> None:
        """Free the page's number."""
        argv = [self._p, event_id, staff_id, self.proc]
        await self._do("staff", lambda: self._staff_leave(args=argv), write=True)

    async def alive(self) -> frozenset[str]:
        """Processes whose heartbeat is within the presence timeout (by Redis's clock)."""

        async def read() -> list[bytes]:
            seconds, micros = await self.r.time()
            now = int(seconds) * 1000 + int(micros) // 1000
            key = f"{self._p}:procs"
            return list(await self.r.zrangebyscore(key, now - self._timeout_ms, "+inf"))

        return frozenset(p.decode() for p in await self._do("alive", read))

    async def take_touched(self, event_id: str) -> bool:
        """Whether presence or stats changed since the last call."""
        key = f"{self._ev(event_id)}:touched"
        return await self._do("touched", lambda: self.r.getdel(key)) is not None

    async def lease(self, event_id: str, ttl_ms: int) -> int | None:
        """Take or renew this process's lease; its fencing version, or ``None``."""
        argv = [f"{self._p}:lease:{event_id}", f"{self._p}:fence:{event_id}", self.proc, ttl_ms]
        fence = int(await self._do("lease", lambda: self._lease(args=argv)))
        return fence or None

    async def release(self, event_id: str) -> None:
        """Give up this process's lease (only if it holds it)."""
        argv = [f"{self._p}:lease:{event_id}", self.proc]
        await self._do("release", lambda: self._release(args=argv))

    async def publish(self, note: Note) -> None:
        """Publish messages to every process (this one included, through Redis)."""
        payload = encode(note)
        await self._do("publish", lambda: self.r.publish(self._feed, payload))

    def subscribe(self, subscriber: Subscriber) -> None:
        """Set the subscriber."""
        self._subscriber = subscriber
