"""Numbers, percentages and counted words as each language writes them."""

from __future__ import annotations

import pytest

from server import assets
from server.results import formats

N = "\u202f"  # narrow no-break space


@pytest.mark.parametrize(
    ("value", "lang", "digits", "text"),
    [
        (0.0, "fr", 1, "0,0"),
        (12.345, "fr", 2, "12,35"),
        (1234567.5, "fr", 1, f"1{N}234{N}567,5"),
        (1234567.5, "en", 1, "1,234,567.5"),
        (3, "en", 0, "3"),
        (None, "fr", 2, "–"),
    ],
)
def test_number(value: float | None, lang: str, digits: int, text: str) -> None:
    assert formats.number(value, lang, digits) == text


@pytest.mark.parametrize(
    ("part", "whole", "lang", "text"),
    [
        (0, 4, "fr", f"0,0{N}%"),
        (1, 3, "fr", f"33,3{N}%"),
        (4, 4, "fr", f"100,0{N}%"),
        (1, 3, "en", "33.3%"),
        (1, 0, "fr", "–"),  # no whole: no share
        (None, 3, "en", "–"),
    ],
)
def test_percent(part: float | None, whole: float | None, lang: str, text: str) -> None:
    assert formats.percent(part, whole, lang) == text


@pytest.mark.parametrize(
    ("count", "fr", "en"),
    [
        (0, "{met} (dont 0 réciproque)", "{met} (0 mutual)"),
        (1, "{met} (dont 1 réciproque)", "{met} (1 mutual)"),
        (2, "{met} (dont 2 réciproques)", "{met} (2 mutual)"),
    ],
)
def test_counted_words_agree_with_their_number(count: int, fr: str, en: str) -> None:
    for lang, text in (("fr", fr), ("en", en)):
        said = formats.counted(assets.strings(lang), "wishes_met_cell", count, lang, met="{met}")
        assert said == text


def test_every_counted_string_has_both_forms_in_both_languages() -> None:
    for lang in assets.LANGUAGES:
        words = assets.strings(lang)
        ones = {k.removesuffix("_one") for k in words if k.endswith("_one")}
        assert ones - set(words) == set(), lang
        assert formats.counted(words, "summary_meetings_count", 1, lang).startswith("1 ")
