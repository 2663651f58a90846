"""An event's relevance as the pages use it: the matrix of its people (kept per event and
version, so that a round's many payloads look it up once), a pair's reason and suggestions."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Any

from ..model import EventState
from .scores import Profile, Relevance, relevance

KEPT = 16  # events whose matrix is remembered by version (the matrices themselves: scores)
_LAST: dict[str, tuple[int, Relevance]] = {}
_LOCK = threading.Lock()  # payloads are built on the event loop and in the thread pools


def profiles_of(state: EventState) -> dict[str, Profile]:
    """What relevance reads of everyone registered (the matrix is cached by this content)."""
    return {pid: Profile(tags=p.tags, pitch=p.pitch) for pid, p in state.participants.items()}


def of_event(state: EventState) -> Relevance | None:
    """The event's relevance matrix, ``None`` when the organiser switched relevance off."""
    if not state.settings.relevance:
        return None
    with _LOCK:
        hit = _LAST.get(state.id)
    if hit is not None and hit[0] == state.version:
        return hit[1]
    found = relevance(profiles_of(state), state.settings.synonyms)  # cached by content too
    with _LOCK:
        _LAST.pop(state.id, None)
        _LAST[state.id] = (state.version, found)
        while len(_LAST) > KEPT:
            del _LAST[next(iter(_LAST))]
    return found


def why_payload(state: EventState, viewer: str, other: str) -> dict[str, Any] | None:
    """Why ``viewer`` meets ``other`` from their profiles, in ``viewer``'s words: ``{tags,
    words}`` (shared tags, then words both texts use); ``None`` when there is nothing to say or
    relevance is off."""
    found = of_event(state)
    if found is None:
        return None
    reason = found.why(viewer, other)
    if not reason.tags and not reason.words:
        return None
    return {"tags": list(reason.tags), "words": list(reason.words)}


def suggested(
    state: EventState, viewer: str, candidates: Iterable[str], most: int = 5
) -> list[str]:
    """Up to ``most`` of ``candidates`` most relevant to ``viewer`` (none when off)."""
    found = of_event(state)
    return [] if found is None else found.suggest(viewer, candidates, most)
