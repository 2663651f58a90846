"""The registration link's rules: whether it takes one more person now (open, not past its
closing time, places left, the event not ended)."""

from __future__ import annotations

from ..core.model import EventState, Phase, Signup


def closed(state: EventState, now: int) -> str | None:
    """Why the registration link takes nobody now (``ended``, ``closed``, ``full``, ``late``),
    or ``None`` when it does."""
    rules: Signup = state.settings.signup
    if state.clock.phase is Phase.ENDED:
        return "ended"
    if not rules.open:
        return "closed"
    if rules.closes_at is not None and now >= rules.closes_at:
        return "late"
    if rules.cap is not None and len(state.participants) >= rules.cap:
        return "full"
    return None
