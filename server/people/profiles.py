"""Profiles: a pitch, tags, a label and a website beside a person's name (and a photo, kept apart
in the store's blob area: the record holds only its digest). The rules of each field, the
profile others see, and a person's edits of their own profile (open until the event starts).

Tags are free, normalised (lower case, spaces collapsed, no ``#``), matched to the event's
known tags whatever their accents or case, so that ``Mobilite`` joins ``mobilité``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import msgspec

from ..core import bidi
from ..core.model import EventState, Participant, Phase
from ..core.outcome import Outcome, audit, bump, own_audit
from ..core.payloads import peer_payload
from ..errors import NotFound, UserError

FIELDS = ("pitch", "tags", "label", "website")  # what a profile holds besides the photo
OWN = ("pitch", "tags", "website")  # what a person edits themselves (a label is granted)
PITCH_MAX = 500
LABEL_MAX = 80
WEBSITE_MAX = 300
TAG_MAX = 40
TAGS_MAX = 8
KNOWN_MAX = 100  # tags an event may list as known
_SPLIT = re.compile(r"[,;|#\n\r\t]+")
_HOST = re.compile(r"^[\w.-]+(:\d+)?([/?#].*)?$")
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)

Problem = tuple[str, str, dict[str, object]]  # code, message (English), params; ("", "", {}) ok
OK: Problem = ("", "", {})


def fold(text: str) -> str:
    """A tag as compared: no accents, no case, letters and digits only."""
    flat = unicodedata.normalize("NFKD", text.replace("œ", "oe").replace("Œ", "oe"))
    return re.sub(
        r"[^a-z0-9]", "", "".join(c for c in flat if not unicodedata.combining(c)).lower()
    )


def split_tags(value: str | Sequence[str]) -> list[str]:
    """Tags as written (``"mobilité, énergie"``, ``"#mobilité #énergie"`` or a list), each
    normalised, empty ones dropped; duplicates are kept (``normal_tags`` drops them)."""
    parts = (
        _SPLIT.split(value)
        if isinstance(value, str)
        else [p for v in value for p in _SPLIT.split(v)]
    )
    return [t for t in (" ".join(p.split()).lower() for p in parts) if t]


def normal_tags(value: str | Sequence[str], known: Iterable[str] = ()) -> tuple[str, ...]:
    """The tags stored: normalised, in the event's spelling when a known tag folds the same,
    each once, in the order given."""
    spelling = {fold(k): k for k in known}
    out: dict[str, str] = {}
    for tag in split_tags(value):
        key = fold(tag) or tag
        out.setdefault(key, spelling.get(key, tag))
    return tuple(out.values())


def normal_website(value: str) -> str | None:
    """A website as stored (``https://`` added to a bare ``www.example.org``), ``""`` for
    none, ``None`` when it is not an http(s) address."""
    v = value.strip()
    if not v:
        return ""
    if any(c.isspace() or ord(c) < 32 for c in v):
        return None
    if not _SCHEME.match(v):
        if not _HOST.match(v):
            return None  # javascript:…, mailto:…, data:…: not a website
        v = "https://" + v
    try:
        parts = urlsplit(v)
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError:
        return None
    host = parts.hostname or ""
    if parts.scheme.lower() not in ("http", "https") or parts.username or parts.password:
        return None
    if not host or not (("." in host.strip(".")) or host == "localhost"):
        return None
    return urlunsplit((parts.scheme.lower(), parts.netloc, parts.path, parts.query, parts.fragment))


def check(name: str, value: str | Sequence[str]) -> Problem:
    """A profile field's problem (``OK`` when it is fine): ``too_long`` (``limit``),
    ``too_many_tags`` (``limit``), ``website_direction_marks`` (``marks``), ``bad_website``."""
    if name == "tags":
        tags = normal_tags(value)
        if len(tags) > TAGS_MAX:
            return "too_many_tags", f"at most {TAGS_MAX} tags.", {"limit": TAGS_MAX}
        long = next((t for t in tags if len(t) > TAG_MAX), None)
        if long is not None:
            message = f"a tag has at most {TAG_MAX} characters ({long[:50]!r})."
            return "too_long", message, {"limit": TAG_MAX, "value": long[:50]}
        return OK
    text = value if isinstance(value, str) else ", ".join(value)
    limit = {"pitch": PITCH_MAX, "label": LABEL_MAX, "website": WEBSITE_MAX}[name]
    if len(text.strip()) > limit:
        return "too_long", f"at most {limit} characters.", {"limit": limit}
    marks = bidi.controls_in(text) if name == "website" else []
    if marks:
        message = (
            f"this web address holds invisible direction marks ({', '.join(marks)}) that can "
            "disguise where it leads; type the address again instead of pasting it."
        )
        return "website_direction_marks", message, {"marks": ", ".join(marks)}
    if name == "website" and normal_website(text) is None:
        message = f"{text.strip()[:100]!r} is not a web address (http:// or https://)."
        return "bad_website", message, {"value": text.strip()[:100]}
    return OK


def normal(name: str, value: str | Sequence[str], known: Iterable[str] = ()) -> Any:
    """A checked profile field's value as stored (``check`` first)."""
    if name == "tags":
        return normal_tags(value, known)
    text = value if isinstance(value, str) else ", ".join(value)
    if name == "website":
        return normal_website(text) or ""
    if name == "pitch":
        return "\n".join(" ".join(line.split()) for line in text.strip().splitlines()).strip()
    return " ".join(text.split())


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
) -> Outcome:
    """A participant changes their own pitch, tags or website (until the event starts)."""
    person = state.participants.get(pid)
    if person is None:
        raise NotFound("unknown_participant", f"No participant {pid!r} in this event.")
    check_open(state)
    fixed: dict[str, Any] = {}
    for name, value in values.items():
        if name not in OWN:
            raise UserError("not_yours", f"{name!r} is set by the organiser.", field=name)
        code, message, params = check(name, value)
        if code:
            raise UserError(code, f"{name}: {message}", field=name, **params)
        fixed[name] = normal(name, value, state.settings.tags)
    changed = {k: v for k, v in fixed.items() if getattr(person, k) != v}
    if not changed:
        return Outcome(state, [], {"profile": peer_payload(person)})
    return _replace(state, person, changed, now, pid, "edit_profile")


def set_photo(state: EventState, pid: str, digest: str, now: int, actor: str) -> Outcome:
    """Record that ``pid``'s photo is now the one of ``digest`` (``""``: none). A participant
    (``actor`` their id) may until the event starts; the organiser (``admin``) any time.
    ``result["before"]`` is the digest it replaced."""
    person = state.participants.get(pid)
    if person is None:
        raise NotFound("unknown_participant", f"No participant {pid!r} in this event.")
    if actor != "admin":
        check_open(state)
    if person.photo == digest:
        return Outcome(state, [], {"profile": peer_payload(person), "before": digest})
    outcome = _replace(state, person, {"photo": digest}, now, actor, "set_photo")
    return Outcome(outcome.state, [], {**outcome.result, "before": person.photo}, outcome.entries)


def _replace(
    state: EventState, person: Participant, changed: Mapping[str, Any], now: int, actor: str,
    action: str,
) -> Outcome:  # fmt: skip
    updated = msgspec.structs.replace(person, **changed)
    if actor == person.id:  # their own edit: a bounded part of the log
        updated, entries = own_audit(updated, now, action, person.id)
    else:
        entries = [audit(now, actor, action, person.id)]
    new = bump(state, participants={**state.participants, person.id: updated})
    return Outcome(new, [], {"profile": peer_payload(updated)}, entries)
