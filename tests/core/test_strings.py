"""Page strings: English and French have the same keys, and every key the organiser's page asks
for by name exists."""

from __future__ import annotations

import json
import re
from pathlib import Path

WEB = Path(__file__).resolve().parents[2] / "web"


def strings(lang: str) -> dict[str, str]:
    return json.loads((WEB / "i18n" / f"{lang}.json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def test_english_and_french_have_the_same_keys() -> None:
    assert set(strings("en")) ^ set(strings("fr")) == set()


def test_the_organisers_page_asks_only_for_strings_that_exist() -> None:
    used: set[str] = set()
    for path in (WEB / "static" / "js").glob("admin*.js"):
        used |= set(re.findall(r"\bt\('([a-z0-9_]+)'\s*[,)]", path.read_text(encoding="utf-8")))
    assert used, "the pattern finds the page's strings"
    assert used - set(strings("en")) == set()


def test_every_problem_of_a_file_has_words_in_both_languages() -> None:
    source = (WEB.parent / "server" / "spreadsheet.py").read_text(encoding="utf-8")
    codes = set(re.findall(r'Problem\(\s*"([a-z_]+)"', source))
    assert {"empty", "no_name_column", "extra_cells"} <= codes
    for lang in ("en", "fr"):
        known = {k.removeprefix("import_problem_") for k in strings(lang)}
        assert codes - known == set()
