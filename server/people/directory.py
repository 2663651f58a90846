"""The directory: whether a participant may browse it at all, whom they find there (the other
side in a two-sided event, everyone else in an open one), what they see of them, whose photo
they may see, and the wishes they mark in it (whom they must, would like to, or would rather not
meet)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from ..core.model import EventState, Participant, Phase, Wish, WishLevel, wish_key
from ..core.outcome import Outcome, bump
from ..core.payloads import peer_payload, person_payload
from ..core.relevance.event import suggested, why_payload
from ..errors import UserError
from . import profiles, wishes


def listed(state: EventState, viewer: str) -> list[Participant]:
    """Everyone ``viewer`` may meet: not themselves, not who stopped, the other side in a
    two-sided event; by name."""
    me = state.participants[viewer]
    two_sided = state.settings.matching.mode == "bipartite"
    people = [
        p
        for p in state.participants.values()
        if p.id != viewer and not p.stopped and (not two_sided or p.side != me.side)
    ]
    return sorted(people, key=lambda p: (p.name.casefold(), p.id))


def closed_error(state: EventState) -> UserError:
    """Why the directory is not open to this person (``directory_closed`` with ``why``)."""
    why = state.settings.directory
    if why == "none":
        message = "The organiser has not opened a directory for this event."
    else:
        message = "The organiser shows the directory to invited people only."
    return UserError("directory_closed", message, why=why)


def payload(state: EventState, viewer: str) -> dict[str, Any]:
    """The ``directory`` ack: whom ``viewer`` may browse and what of them, their own wishes,
    the tags in use (with counts) and the event's known tags."""
    if not may_browse(state, viewer):
        raise closed_error(state)
    names = names_only(state, viewer)
    people = listed(state, viewer)
    if names:
        entries = [person_payload(p) for p in people]
        used: Counter[str] = Counter()
    else:
        entries = [peer_payload(p) for p in people]
        used = Counter(t for p in people for t in p.tags)
    return {
        "fields": "names" if names else "profile",
        "people": entries,
        "wishes": wishes.own_wishes(state, viewer),
        "tags": [
            {"tag": t, "count": n} for t, n in sorted(used.items(), key=lambda x: (-x[1], x[0]))
        ],
        "known_tags": suggestions(state, viewer),
        "suggested": [] if names else relevant(state, viewer, people),
    }


def relevant(state: EventState, viewer: str, people: Iterable[Participant]) -> list[dict[str, Any]]:
    """ "Suggestions for you": the few people listed most relevant to ``viewer`` (none they
    marked "no thanks", either way), each with why in ``viewer``'s words."""
    declined = {w.target for w in state.wishes.values() if w.source == viewer and w.level == "no"}
    declined |= {w.source for w in state.wishes.values() if w.target == viewer and w.level == "no"}
    ids = [p.id for p in people if p.id not in declined]
    return [
        {"id": pid, "why": why_payload(state, viewer, pid)} for pid in suggested(state, viewer, ids)
    ]


def suggestions(state: EventState, viewer: str) -> list[str]:
    """Tags to suggest to ``viewer`` for their own profile: the event's known tags, then the
    tags others use most (not to who sees names only)."""
    out = dict.fromkeys(state.settings.tags)
    if not names_only(state, viewer):
        used = Counter(t for p in state.participants.values() for t in p.tags)
        out.update(dict.fromkeys(t for t, _ in used.most_common()))
    return list(out)[: profiles.KNOWN_MAX]


def may_see(state: EventState, viewer: str, target: str, upcoming: Iterable[str] = ()) -> bool:
    """Whether ``viewer`` may see ``target``'s profile (and photo): themselves, whoever their
    next-round card names (``upcoming``), whoever they met or meet, and whoever their directory
    shows with profiles."""
    if viewer == target:
        return True
    if target not in state.participants or viewer not in state.participants:
        return False
    if target in set(upcoming):
        return True
    if any(viewer in r.members and target in r.members for h in state.history for r in h.rooms):
        return True
    if not may_browse(state, viewer) or names_only(state, viewer):
        return False
    return any(p.id == target for p in listed(state, viewer))


def may_browse(state: EventState, pid: str) -> bool:
    """Whether ``pid`` may open the directory: the event's ``directory`` setting says what
    people who signed themselves up see (``invited_only``: nothing; ``none``: nobody does)."""
    access = state.settings.directory
    person = state.participants.get(pid)
    if person is None or access == "none":
        return False
    return not (access == "invited_only" and person.signed_up)


def names_only(state: EventState, pid: str) -> bool:
    """Whether ``pid`` sees only names and organisations in the directory (``names``: what
    self-registered people get)."""
    person = state.participants.get(pid)
    return state.settings.directory == "names" and (person is None or person.signed_up)


def set_wish(state: EventState, pid: str, target: str, level: WishLevel | None) -> Outcome:
    """A participant sets (or, with ``None``, clears) their own wish about someone."""
    if state.clock.phase is Phase.ENDED:
        raise UserError("ended", "The event has ended.")
    other = state.participants.get(target)
    if other is None or target == pid:
        raise UserError(
            "unknown_participant", f"No other participant {target!r} in this event.", id=target
        )
    if not may_browse(state, pid):
        raise closed_error(state)
    m = state.settings.matching
    me = state.participants[pid]
    if level in ("must", "like") and m.mode == "bipartite" and other.side == me.side:
        raise UserError(
            "same_side",
            f"{other.name} is on your side ({me.side}); you meet the other side.",
            other=other.name,
            side=me.side,
        )
    kept = dict(state.wishes)
    key = wish_key(pid, target)
    if level is None:
        kept.pop(key, None)
    else:
        kept[key] = Wish(source=pid, target=target, level=level)
    new = bump(state, wishes=kept)
    return Outcome(new, [], {"wishes": wishes.own_wishes(new, pid)})


def wish_candidates(state: EventState, pid: str) -> list[dict[str, Any]]:
    """Whom a participant may express wishes about: who their directory lists (``listed``),
    by name; nobody when the directory is not open to them (``may_browse``)."""
    if not may_browse(state, pid):
        return []
    return [person_payload(p) for p in listed(state, pid)]
