"""Page strings in English and French, and choosing a person's language."""

from __future__ import annotations

import json
from functools import cache

from .assets import WEB

LANGUAGES = ("en", "fr")
_I18N = WEB / "i18n"


@cache
def strings(lang: str) -> dict[str, str]:
    """Every page string in ``lang`` (English for anything a translation lacks)."""
    english: dict[str, str] = json.loads((_I18N / "en.json").read_text(encoding="utf-8"))
    if lang == "en":
        return english
    path = _I18N / f"{lang}.json"
    local: dict[str, str] = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    return {**english, **local}


def choose(query: str | None, accept_language: str | None, default: str) -> str:
    """``?lang=`` first, then the browser's preference, then the event's default."""
    if query in LANGUAGES:
        return query
    for part in (accept_language or "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGUAGES:
            return code
    return default if default in LANGUAGES else "en"
