"""French elision where a name follows "de", "le" or "la" in a text filled from the catalogue:
"La caméra de {name}" with Amélie gives "La caméra d’Amélie". The one rule on the server (the
pages' own is ``web/static/js/elision.js``; both are tested on the same table).

Only a placeholder's value decides, never the catalogue's own words: they are written right.
Simplification: every initial H is treated as silent ("d’Hélène", "d’Hugo"), though a few
names take an aspirated h ("de Hauteville"); Y elides too ("d’Yves")."""

from __future__ import annotations

import re
from typing import Any

VOWELS = frozenset("aeiouyhàâäæéèêëîïôöœùûüÿ")
APOSTROPHE = "\u2019"  # the catalogues' typographic apostrophe
_PLACEHOLDER = re.compile(r"(?<![\w’'])(de|le|la) \{(\w+)\}|\{(\w+)\}", re.IGNORECASE)


def elides(word: str) -> bool:
    """Whether "de", "le" and "la" lose their vowel before ``word`` (vowel or H first)."""
    first = word.lstrip(' «“"(')[:1]
    return bool(first) and first.casefold() in VOWELS


def elide(article: str, word: str) -> str:
    """``article`` ("de", "La", "DE"…) and ``word`` as French writes them together."""
    if not elides(word):
        return f"{article} {word}"
    return f"{article[0]}{APOSTROPHE}{word}"


def fill(text: str, lang: str, **values: Any) -> str:
    """``text`` with its {placeholders} filled from ``values`` (one missing stays as written);
    in French, "de", "le" and "la" just before a placeholder elide with its value."""

    def one(match: re.Match[str]) -> str:
        article, key = match.group(1), match.group(2) or match.group(3)
        if key not in values:
            return match.group(0)
        value = str(values[key])
        if article is None:
            return value
        return elide(article, value) if lang == "fr" else f"{article} {value}"

    return _PLACEHOLDER.sub(one, text)
