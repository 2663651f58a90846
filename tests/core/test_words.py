"""French elision on the server (``server/core/words.py``), on the table the pages' rule
(``web/static/js/elision.js``) is tested on too."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from server.core import words

CASES = json.loads((Path(__file__).parents[1] / "js" / "elision_cases.json").read_text("utf-8"))


@pytest.mark.parametrize(("lang", "text", "values", "want"), CASES)
def test_fill_elides_in_french(lang: str, text: str, values: dict[str, Any], want: str) -> None:
    assert words.fill(text, lang, **values) == want


def test_vowels_accented_capitals_and_h_elide() -> None:
    assert all(words.elides(w) for w in ["Amélie", "Élodie", "Île", "Hélène", "Yann", "Œdipe"])
    assert not any(words.elides(w) for w in ["Karim", "Zoé", "8 mars", "", " "])
    assert words.elide("LA", "ÉCOLE") == "L’ÉCOLE"
