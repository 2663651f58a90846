"""The registration link's rules: whether it takes one more person now (open, not past its
closing time, places left, the event not ended)."""

from __future__ import annotations

from ..core.model import EventState, Phase, Signup


def places(state: EventState, most: int) -> int:
    """How many people the event holds, everyone counted: its own places if the organiser set
    them, else ``most`` (the server's ``max_participants``)."""
    cap = state.settings.signup.cap
    return min(cap, most) if cap is not None else most


def closed(state: EventState, now: int, most: int) -> str | None:
    """Why the registration link takes nobody now (``ended``, ``closed``, ``full``: no place
    left of ``places``, ``late``), or ``None`` when it does."""
    rules: Signup = state.settings.signup
    if state.clock.phase is Phase.ENDED:
        return "ended"
    if not rules.open:
        return "closed"
    if rules.closes_at is not None and now >= rules.closes_at:
        return "late"
    if len(state.participants) >= places(state, most):
        return "full"
    return None
