"""The fields of a person and their rules, the same wherever people are added or changed (an
import, the API, the sign-up form, an organiser's edit): names, sides, languages, e-mail
addresses (one person per address in an event) and the profile's fields (``profiles``)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from ..core import texts
from ..core.model import EventState, Participant
from . import profiles

# what a row may set (the profile's fields last: people/profiles.py)
EDITABLE = ("name", "organization", "side", "email", "language", *profiles.FIELDS)

LANGUAGES = {
    "en": "en", "english": "en", "anglais": "en", "eng": "en",
    "fr": "fr", "french": "fr", "francais": "fr", "français": "fr", "fra": "fr",
}  # fmt: skip

MAX_TEXT = 200
MULTILINE = ("pitch", "tags")  # texts that keep their lines (tags may come one a line)

# One address: a dot-atom before the "@" (letters of any alphabet allowed), a domain of at
# least two labels after it; no spaces, commas, semicolons, brackets or quotes, so that
# "a@x.org, b@y.org", "me@example.org," or "Name <me@example.org>" are refused, not half kept.
_ATOM = r"[\w!#$%&'*+/=?^`{|}~-]+"
_LABEL = r"[^\W_](?:[\w-]{0,61}[^\W_])?"
_EMAIL = re.compile(
    rf"{_ATOM}(?:\.{_ATOM})*@(?:{_LABEL}\.)+(?:[^\W\d_]{{2,63}}|xn--[a-z0-9-]{{1,59}})",
    re.IGNORECASE,
)
EMAIL_MAX = 254  # RFC 5321: the longest path a mail server takes


def normal_language(value: str) -> str | None:
    """``en`` or ``fr`` for what a person may write (``Français``, ``EN``), ``""`` for none,
    ``None`` when it is neither."""
    if not value.strip():
        return ""
    return LANGUAGES.get(value.strip().lower())


def check_value(state: EventState, name: str, value: str) -> tuple[str, str, dict[str, object]]:
    """A field's value as stored, or a problem's ``code``, message and params
    (``("", "", {})`` when it is fine). For imports, the sign-up form and edits alike."""
    m = state.settings.matching
    if name in profiles.FIELDS:
        return profiles.check(name, value)
    if len(value) > MAX_TEXT:
        return "too_long", f"at most {MAX_TEXT} characters.", {"limit": MAX_TEXT}
    if name == "name" and not value:
        return "required", "a name is required.", {}
    if name == "side" and m.mode == "bipartite" and value not in m.sides:
        allowed = list(m.sides)
        message = f"must be one of {', '.join(allowed)} (got {value!r})."
        return "bad_side", message, {"value": value, "allowed": allowed}
    if name == "email" and value and not valid_email(value):
        message = f"“{value}” is not an e-mail address: write one address, like name@example.org."
        return "bad_email", message, {"value": value}
    if name == "language" and normal_language(value) is None:
        return "bad_language", f"{value!r}: write en or fr.", {"value": value}
    return "", "", {}


def cleaned(name: str, value: str) -> str:
    """A field's text as given, cleaned of control characters (``core.texts``) and trimmed:
    what ``check_value`` looks at. A website keeps its bidirectional controls: its own rule
    refuses them, saying so (``people.profiles``)."""
    if name == "website":
        return texts.line(value, keep_bidi=True).strip()
    return texts.clean(value, name in MULTILINE).strip()


def normal_value(state: EventState, name: str, value: str) -> Any:
    """A checked field's value as stored (``check_value`` first)."""
    if name == "language":
        return normal_language(value) or ""
    if name in profiles.FIELDS:
        return profiles.normal(name, value, state.settings.tags)
    return value


def valid_email(value: str) -> bool:
    """Whether ``value`` is one e-mail address (``name@domain.tld``), the one rule of the
    import, the API, an organiser's edit and the sign-up form."""
    local = value.rpartition("@")[0]
    return len(value) <= EMAIL_MAX and len(local) <= 64 and bool(_EMAIL.fullmatch(value))


class Holders:
    """Who holds each e-mail address of an event (any case): one pass over the people, then a
    look-up per address (an import of 3,000 rows asks 3,000 times)."""

    def __init__(self, people: Iterable[Participant]) -> None:
        self._by: dict[str, list[Participant]] = {}
        for p in people:
            if p.email:
                self._by.setdefault(p.email.casefold(), []).append(p)

    def get(self, email: str, other_than: str | None = None) -> Participant | None:
        """Who has this address, but ``other_than`` (the first registered, if several)."""
        return next((p for p in self._by.get(email.casefold(), ()) if p.id != other_than), None)


def holder(state: EventState, email: str, other_than: str | None = None) -> Participant | None:
    """Who of the event has this e-mail address (any case), but ``other_than``."""
    return Holders(state.participants.values()).get(email, other_than)
