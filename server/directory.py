"""The directory: whom a participant may browse (the other side in a two-sided event, everyone
else in an open one), what they see of them, whose photo they may see; and a person's edits of
their own profile, open until the event starts."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import msgspec

from . import engine, profiles
from .errors import NotFound, UserError
from .model import AuditEntry, EventState, Participant, Phase


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
    if not profiles.may_browse(state, viewer):
        raise closed_error(state)
    names = profiles.names_only(state, viewer)
    people = listed(state, viewer)
    if names:
        entries = [engine.person_payload(p) for p in people]
        used: Counter[str] = Counter()
    else:
        entries = [profiles.public(p) for p in people]
        used = Counter(t for p in people for t in p.tags)
    return {
        "fields": "names" if names else "profile",
        "people": entries,
        "wishes": engine.own_wishes(state, viewer),
        "tags": [
            {"tag": t, "count": n} for t, n in sorted(used.items(), key=lambda x: (-x[1], x[0]))
        ],
        "known_tags": suggestions(state, viewer),
    }


def suggestions(state: EventState, viewer: str) -> list[str]:
    """Tags to suggest to ``viewer`` for their own profile: the event's known tags, then the
    tags others use most (not to who sees names only)."""
    out = dict.fromkeys(state.settings.tags)
    if not profiles.names_only(state, viewer):
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
    if not profiles.may_browse(state, viewer) or profiles.names_only(state, viewer):
        return False
    return any(p.id == target for p in listed(state, viewer))


def check_open(state: EventState) -> None:
    """Raise ``profile_closed`` once the event has started (a person's profile is read-only)."""
    if state.clock.phase is not Phase.LOBBY:
        raise UserError(
            "profile_closed",
            "The event has started: profiles can no longer change. Ask the organiser if "
            "something must be corrected.",
        )


def edit_own(
    state: EventState, pid: str, values: Mapping[str, str | Sequence[str]], now: int
) -> engine.Outcome:
    """A participant changes their own pitch, tags or website (until the event starts)."""
    person = state.participants.get(pid)
    if person is None:
        raise NotFound("unknown_participant", f"No participant {pid!r} in this event.")
    check_open(state)
    fixed: dict[str, Any] = {}
    for name, value in values.items():
        if name not in profiles.OWN:
            raise UserError("not_yours", f"{name!r} is set by the organiser.", field=name)
        code, message, params = profiles.check(name, value)
        if code:
            raise UserError(code, f"{name}: {message}", field=name, **params)
        fixed[name] = profiles.normal(name, value, state.settings.tags)
    changed = {k: v for k, v in fixed.items() if getattr(person, k) != v}
    if not changed:
        return engine.Outcome(state, [], {"profile": profiles.public(person)})
    return _replace(state, person, changed, now, pid, "edit_profile")


def set_photo(state: EventState, pid: str, digest: str, now: int, actor: str) -> engine.Outcome:
    """Record that ``pid``'s photo is now the one of ``digest`` (``""``: none). A participant
    (``actor`` their id) may until the event starts; the organiser (``admin``) any time.
    ``result["before"]`` is the digest it replaced."""
    person = state.participants.get(pid)
    if person is None:
        raise NotFound("unknown_participant", f"No participant {pid!r} in this event.")
    if actor != "admin":
        check_open(state)
    if person.photo == digest:
        return engine.Outcome(state, [], {"profile": profiles.public(person), "before": digest})
    outcome = _replace(state, person, {"photo": digest}, now, actor, "set_photo")
    return engine.Outcome(
        outcome.state, [], {**outcome.result, "before": person.photo}, outcome.entries
    )


def _replace(
    state: EventState, person: Participant, changed: Mapping[str, Any], now: int, actor: str,
    action: str,
) -> engine.Outcome:  # fmt: skip
    updated = msgspec.structs.replace(person, **changed)
    new = msgspec.structs.replace(
        state, participants={**state.participants, person.id: updated}, version=state.version + 1
    )
    entry = AuditEntry(at=now, actor=actor, action=action, detail=person.id)
    return engine.Outcome(new, [], {"profile": profiles.public(updated)}, [entry])
