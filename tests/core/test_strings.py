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


def test_the_profile_and_directory_ask_only_for_strings_that_exist() -> None:
    used: set[str] = set()
    for name in ("profile.js", "directory.js", "participant.js"):
        text = (WEB / "static" / "js" / name).read_text(encoding="utf-8")
        used |= set(re.findall(r"\bt\('([a-z0-9_]+)'\s*[,)]", text))
    assert {"directory_title", "profile_save"} <= used, "the pattern finds the pages' strings"
    assert used - set(strings("en")) == set()
    # the keys they build: every mark and every refusal of a profile change has its words
    for lang in ("en", "fr"):
        words = strings(lang)
        for level in ("must", "like", "no"):
            for key in ("directory_mark_{}", "directory_mark_{}_label", "directory_marked_{}"):
                assert key.format(level) in words
        for code in ("profile_closed", "too_long", "too_many_tags", "bad_website", "not_an_image",
                     "photo_too_big", "photo_too_many_pixels"):  # fmt: skip
            assert f"profile_error_{code}" in words


def test_every_problem_of_a_file_has_words_in_both_languages() -> None:
    source = (WEB.parent / "server" / "people" / "spreadsheet.py").read_text(encoding="utf-8")
    codes = set(re.findall(r'Problem\(\s*"([a-z_]+)"', source))
    assert {"empty", "no_name_column", "extra_cells"} <= codes
    for lang in ("en", "fr"):
        known = {k.removeprefix("import_problem_") for k in strings(lang)}
        assert codes - known == set()


def _raised() -> dict[str, set[str]]:
    """Every code a ``UserError`` of the server carries, with the literal ``why`` of each."""
    found: dict[str, set[str]] = {}
    for path in (WEB.parent / "server").rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        for call in re.split(r"\bUserError\(", source)[1:]:
            code = re.match(r'\s*"([a-z_]+)"', call)
            if code is None:
                continue  # a code held in a variable (a profile field's check, a row problem)
            whys = found.setdefault(code.group(1), set())
            why = re.search(r'\bwhy="([a-z_]+)"', call.split("raise ", 1)[0])
            if why:
                whys.add(why.group(1))
    return found


def test_every_refusal_of_the_server_has_words_in_both_languages() -> None:
    raised = _raised()
    assert {"bad_phase", "not_due", "busy", "room_full"} <= set(raised), "the pattern finds them"
    assert "paused" in raised["bad_phase"]
    pages = ("error", "admin_error", "chat_error", "profile_error", "join_error", "followup_error")
    own = {"signup_closed", "bad_command"}  # the sign-up form says why; a client's bug
    for lang in ("en", "fr"):
        words = strings(lang)
        for code, whys in raised.items():
            if code not in own:
                assert any(f"{page}_{code}" in words for page in pages), (lang, code)
            for why in whys:
                assert f"error_{code}_{why}" in words, (lang, code, why)
        for why in ("none", "invited_only"):
            assert f"error_directory_closed_{why}" in words


def test_french_typography() -> None:
    """The apostrophe is ’, and a narrow no-break space comes before : ; ! ? % and inside « »."""
    for key, text in strings("fr").items():
        assert "'" not in text, key
        assert not re.search(r"[ \u00a0][:;!?%»]|«[ \u00a0]", text), key


# What a person reading a page should never meet: an environment variable, an API path, the
# configuration file or one of its keys (a snake_case word), a bare "Label".
TECHNICAL = re.compile(
    r"SPEEDMEET_|/api/|\bconfig\.yaml\b|\b(?:GET|POST|PATCH|DELETE) /|\b[a-z]+_[a-z_]+\b|^Label$"
)


def page_text(template: str) -> str:
    """What a template shows of its own (its tags, expressions and scripts taken out)."""
    text = re.sub(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", " ", template, flags=re.S)
    text = re.sub(r"<script.*?</script>|<style.*?</style>", " ", text, flags=re.S)
    return re.sub(r"<[^>]*>", " ", text)


def test_the_technical_words_pattern_finds_what_it_must() -> None:
    for bad in [
        "set SPEEDMEET_ADMIN_TOKEN",
        "no smtp_host in config.yaml",
        "GET /api/events/x",
        "Label",
    ]:
        assert TECHNICAL.search(bad), bad
    for fine in ["Label ou distinction", "d’Amélie", "e-mail", "La salle r1-3"]:
        assert not TECHNICAL.search(fine), fine


def test_no_page_shows_config_keys_env_vars_or_api_paths() -> None:
    """Plain words on every page: the catalogues (placeholders aside) and the templates' text."""
    found = [
        f"{lang}.json {key}: {text}"
        for lang in ("en", "fr")
        for key, text in strings(lang).items()
        if TECHNICAL.search(re.sub(r"\{\w+\}", "", text))
    ]
    for path in sorted((WEB / "templates").rglob("*.*")):
        for match in TECHNICAL.finditer(page_text(path.read_text(encoding="utf-8"))):
            found.append(f"{path.name}: {match.group(0)}")
    assert found == []
