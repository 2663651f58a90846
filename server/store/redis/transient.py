"""The Redis store's transient data: link reports, the staff board last sent, connected-call
counters, next-round previews and the pairing kept for the next round."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

import msgspec

from ...core.matching import RoundPlan
from ...core.model import LinkStats
from ...results.meter import Key
from ..parts import STATS, encode
from .connection import Connection


class _Plan(msgspec.Struct, frozen=True):
    key: str
    plan: RoundPlan


PLAN = msgspec.json.Decoder(_Plan)

PREVIEW = msgspec.json.Decoder(dict[str, Any])

COUNTER = msgspec.json.Decoder(tuple[str, str, str])


class RedisTransient(Connection):
    """What lives beside the record on Redis and is rewritten as it comes."""

    async def put_stats(self, event_id: str, participant_id: str, stats: LinkStats) -> None:
        """Keep the latest link report; mark the event touched."""
        ev = self._ev(event_id)

        async def put() -> None:
            async with self.r.pipeline(transaction=False) as pipe:
                pipe.hset(f"{ev}:stats", participant_id, encode(stats)).set(f"{ev}:touched", 1)
                await pipe.execute()

        await self._do("stats", put)

    async def stats(self, event_id: str) -> dict[str, LinkStats]:
        """Latest link reports."""
        raw = await self._do("stats", lambda: self.r.hgetall(f"{self._ev(event_id)}:stats"))
        return {k.decode(): STATS.decode(v) for k, v in raw.items()}

    async def peer_stats(
        self, event_id: str, participant_ids: Sequence[str]
    ) -> dict[str, LinkStats]:
        """These participants' latest link reports (one ``HMGET``)."""
        if not participant_ids:
            return {}
        key, pids = f"{self._ev(event_id)}:stats", list(participant_ids)
        raw = await self._do("stats", lambda: self.r.hmget(key, pids))
        return {pid: STATS.decode(v) for pid, v in zip(pids, raw, strict=True) if v is not None}

    async def put_board(self, event_id: str, board: dict[str, object]) -> None:
        """Keep the staff board last sent."""
        body = encode(board)
        await self._do("board", lambda: self.r.set(f"{self._ev(event_id)}:board", body))

    async def board(self, event_id: str) -> dict[str, object] | None:
        """The staff board last sent."""
        raw = await self._do("board", lambda: self.r.get(f"{self._ev(event_id)}:board"))
        return None if raw is None else PREVIEW.decode(raw)

    async def add_connected(self, event_id: str, credits: Mapping[Key, int]) -> None:
        """Add to each counter (fields are JSON ``[room, reporter, peer]``), once: a script
        with a key of its own, so that sending it again after a lost answer counts nothing
        twice."""
        if not credits:
            return
        argv: list[Any] = [f"{self._p}:chg:{uuid.uuid4().hex}", f"{self._ev(event_id)}:connected"]
        for k, ms in credits.items():
            argv += [encode(list(k)), ms]
        await self._do("connected", lambda: self._add_connected(args=argv), write=True)

    async def connected(self, event_id: str) -> dict[Key, int]:
        """The event's counters."""
        key = f"{self._ev(event_id)}:connected"
        raw = await self._do("connected", lambda: self.r.hgetall(key))
        out: dict[Key, int] = {}
        for field, ms in raw.items():
            room, pid, peer = COUNTER.decode(field)
            out[(room, pid, peer)] = int(ms)
        return out

    async def put_previews(self, event_id: str, previews: dict[str, dict[str, object]]) -> None:
        """Keep next-round previews."""
        if previews:
            mapping = {pid: encode(p) for pid, p in previews.items()}
            key = f"{self._ev(event_id)}:next"
            await self._do("previews", lambda: self.r.hset(key, mapping=mapping))

    async def preview(self, event_id: str, participant_id: str) -> dict[str, object] | None:
        """A participant's latest preview."""
        key = f"{self._ev(event_id)}:next"
        raw = await self._do("preview", lambda: self.r.hget(key, participant_id))
        return None if raw is None else PREVIEW.decode(raw)

    async def put_plan(self, event_id: str, key: str, plan: RoundPlan) -> None:
        """Keep the next round's pairing (one per event)."""
        body = encode(_Plan(key=key, plan=plan))
        await self._do("plan", lambda: self.r.set(f"{self._ev(event_id)}:plan", body))

    async def plan(self, event_id: str) -> tuple[str, RoundPlan] | None:
        """The next round's pairing kept, with its key."""
        raw = await self._do("plan", lambda: self.r.get(f"{self._ev(event_id)}:plan"))
        if raw is None:
            return None
        kept = PLAN.decode(raw)
        return kept.key, kept.plan
