"""Profiles: a pitch, tags, a label and a website beside a person's name (and a photo, kept apart
in the store's blob area: the record holds only its digest). The rules of each field, the
profile others see, and who may browse the directory of them.

Tags are free, normalised (lower case, spaces collapsed, no ``#``), matched to the event's
known tags whatever their accents or case, so that ``Mobilite`` joins ``mobilité``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from .model import EventState, Participant

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
    ``too_many_tags`` (``limit``), ``bad_website``."""
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


def public(p: Participant) -> dict[str, Any]:
    """A person as others see them on a card: who they are and their profile (``photo``: the
    photo's digest, to ask for it by; ``None`` without one)."""
    return {
        "id": p.id,
        "name": p.name,
        "organization": p.organization,
        "side": p.side,
        "pitch": p.pitch,
        "tags": list(p.tags),
        "label": p.label,
        "website": p.website,
        "photo": p.photo or None,
    }


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
