"""What ships in ``web/``: where it is (inside the installed package as ``server/web``, or beside
it in a checkout of the repository), and the page strings of each language, with the choice of
a person's language."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

_HERE = Path(__file__).resolve().parent
LANGUAGES = ("en", "fr")


def web_root() -> Path:
    """The folder of ``templates/``, ``static/`` and ``i18n/``."""
    installed = _HERE / "web"
    return installed if (installed / "templates").is_dir() else _HERE.parent / "web"


WEB = web_root()


@cache
def strings(lang: str) -> dict[str, str]:
    """Every page string in ``lang`` (English for anything a translation lacks)."""
    folder = WEB / "i18n"
    english: dict[str, str] = json.loads((folder / "en.json").read_text(encoding="utf-8"))
    if lang == "en":
        return english
    path = folder / f"{lang}.json"
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
