"""Numbers, percentages and counted words as a person reads them in their language."""

from __future__ import annotations

from collections.abc import Mapping

from ..core import words

NARROW_NBSP = "\u202f"  # French sets the thousands apart and the % sign off with it
_DASH = "–"


def number(value: float | None, lang: str, digits: int = 0) -> str:
    """``value`` rounded to ``digits``: "1,234.5" in English, "1 234,5" in French; "–" if none."""
    if value is None:
        return _DASH
    text = f"{value:,.{digits}f}"
    if lang != "fr":
        return text
    return text.replace(",", NARROW_NBSP).replace(".", ",")


def percent(part: float | None, whole: float | None, lang: str, digits: int = 1) -> str:
    """``part`` of ``whole`` as a percentage: "25.0%" in English, "25,0 %" in French; "–" when
    there is no whole to take a share of."""
    if part is None or not whole:
        return _DASH
    figure = number(100 * part / whole, lang, digits)
    return f"{figure}{NARROW_NBSP}%" if lang == "fr" else f"{figure}%"


def is_one(count: int, lang: str) -> bool:
    """Whether ``count`` takes the singular: 1 in English, 0 and 1 in French (CLDR)."""
    return count in (0, 1) if lang == "fr" else count == 1


def counted(strings: Mapping[str, str], key: str, count: int, lang: str, **params: object) -> str:
    """The string ``key`` for ``count`` things (``key_one`` for the singular when there is one),
    with ``{count}`` written as a number of the language."""
    one = f"{key}_one"
    chosen = one if is_one(count, lang) and one in strings else key
    return words.fill(strings[chosen], lang, count=number(count, lang), **params)
