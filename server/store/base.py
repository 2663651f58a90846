"""The store interface every implementation honours (the contract suite checks it)."""

from __future__ import annotations

from typing import Protocol

import msgspec

from ..model import EventState, LinkStats, TokenRef

_encoder = msgspec.json.Encoder()
_decoder = msgspec.json.Decoder(EventState)


def encode(state: EventState) -> bytes:
    """An event as stored bytes."""
    return _encoder.encode(state)


def decode(raw: bytes) -> EventState:
    """Stored bytes back to an event."""
    return _decoder.decode(raw)


def tokens_of(state: EventState) -> dict[str, TokenRef]:
    """Every secret link token of an event and what it opens."""
    refs = {
        state.host_token: TokenRef(event_id=state.id, role="host"),
        state.moderator_token: TokenRef(event_id=state.id, role="moderator"),
    }
    for p in state.participants.values():
        refs[p.token] = TokenRef(event_id=state.id, role="participant", participant_id=p.id)
    return refs


class Store(Protocol):
    """Events (whole aggregates, versioned), secret-link tokens, and who is online."""

    async def open(self) -> None:
        """Connect or load; called once before use."""

    async def close(self) -> None:
        """Flush and release resources."""

    async def create(self, state: EventState) -> None:
        """Store a new event; ``Conflict`` if its id exists."""

    async def load(self, event_id: str) -> EventState | None:
        """The latest version of an event, or ``None``."""

    async def save(self, state: EventState) -> None:
        """Store ``state``; ``Conflict`` unless it is exactly one version after the stored one."""

    async def event_ids(self) -> list[str]:
        """Every event's id, oldest first."""

    async def resolve(self, token: str) -> TokenRef | None:
        """What a secret link's token opens, or ``None``."""

    async def connect(self, event_id: str, participant_id: str, sid: str) -> bool:
        """Record a participant's socket; ``True`` when they just came online."""

    async def disconnect(self, event_id: str, participant_id: str, sid: str) -> bool:
        """Forget a socket; ``True`` when the participant just went offline."""

    async def online(self, event_id: str) -> frozenset[str]:
        """Participants with at least one socket connected."""

    async def put_stats(self, event_id: str, participant_id: str, stats: LinkStats) -> None:
        """Keep a participant's latest link report."""

    async def stats(self, event_id: str) -> dict[str, LinkStats]:
        """Every participant's latest link report."""
