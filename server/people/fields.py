"""The fields of a person and their rules, the same wherever people are added or changed (an
import, the API, the sign-up form, an organiser's edit): names, sides, languages, e-mail
addresses (one person per address in an event) and the profile's fields (``profiles``)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..core.model import EventState, Participant
from . import profiles

# what a row may set (the profile's fields last: people/profiles.py)
EDITABLE = ("name", "organization", "side", "email", "language", *profiles.FIELDS)

LANGUAGES = {
    "en": "en", "english": "en", "anglais": "en", "eng": "en",
    "fr": "fr", "french": "fr", "francais": "fr", "français": "fr", "fra": "fr",
}  # fmt: skip

MAX_TEXT = 200


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
        return "bad_email", f"{value!r} is not an e-mail address.", {"value": value}
    if name == "language" and normal_language(value) is None:
        return "bad_language", f"{value!r}: write en or fr.", {"value": value}
    return "", "", {}


def normal_value(state: EventState, name: str, value: str) -> Any:
    """A checked field's value as stored (``check_value`` first)."""
    if name == "language":
        return normal_language(value) or ""
    if name in profiles.FIELDS:
        return profiles.normal(name, value, state.settings.tags)
    return value


def valid_email(value: str) -> bool:
    """Whether ``value`` reads as one e-mail address (``name@domain.tld``, no spaces)."""
    local, at, domain = value.rpartition("@")
    return bool(at and local and "." in domain.strip(".") and not any(c.isspace() for c in value))


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
