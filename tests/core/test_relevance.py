"""Relevance between two people: tags folded and joined by synonyms, texts by TF-IDF over
French and English stems, the score's order and the reason in the viewer's words."""

from __future__ import annotations

import pytest

from server.core.relevance import folding, text
from server.core.relevance.scores import Profile, Reason, relevance


@pytest.mark.parametrize(
    ("tag", "key"),
    [
        ("Énergie", "energie"),
        ("ÉNERGIES", "energie"),
        ("Bâtiments scolaires", "batiment scolaire"),
        ("bâtiment  scolaire", "batiment scolaire"),
        ("e-santé", "e sante"),
        ("Bateaux", "bateau"),
        ("jeux", "jeu"),
        ("régionaux", "regional"),
        ("cities", "citie"),
        ("city", "citie"),
        ("energy", "energie"),
        ("technologies", "technologie"),
        ("day", "day"),
        ("schools", "school"),
        ("bus", "bus"),
        ("gaz", "gaz"),
        ("campus", "campus"),
        ("process", "process"),
        ("Œuvres", "oeuvre"),
        ("  ", ""),
    ],
)
def test_folding(tag: str, key: str) -> None:
    assert folding.key(tag) == key


@pytest.mark.parametrize(
    ("lines", "a", "b", "same"),
    [
        ((), "Mobilité", "transports", True),  # the table shipped
        ((), "mobility", "Transport", True),  # across languages, plural folded
        ((), "écoles", "School buildings", True),
        ((), "énergie", "mobilité", False),
        ((), "vélo", "covoiturage", False),
        (("covoiturage ~ mobilité",), "vélo", "covoiturage", False),
        (("covoiturage ~ mobilité",), "Covoiturages", "transports", True),  # joins a group
        (("tiers-lieux ~ coworking",), "Tiers lieux", "coworking", True),  # a new group
        (("tiers-lieux ~ coworking", "coworking ~ fablab"), "tiers-lieux", "FabLab", True),
        (("énergie ~ mobilité",), "energy", "transportation", True),  # the event's word wins
    ],
)
def test_synonyms(lines: tuple[str, ...], a: str, b: str, same: bool) -> None:
    synonyms = folding.Synonyms(lines)
    assert (synonyms.canonical(a) == synonyms.canonical(b)) is same


@pytest.mark.parametrize(
    ("line", "terms", "problem"),
    [
        ("mobilité ~ transports", ("mobilité", "transports"), ""),
        ("  tiers-lieux~coworking ~ fablab ", ("tiers-lieux", "coworking", "fablab"), ""),
        ("mobilité ~ Mobilités", (), "one_term"),  # one tag written twice
        ("mobilité", (), "one_term"),
        ("~ ~", (), "one_term"),
        ("a ~ " + "b" * 200, ("a", "b" * 200), "too_long"),
    ],
)
def test_synonym_lines(line: str, terms: tuple[str, ...], problem: str) -> None:
    assert folding.parse_line(line) == terms
    assert folding.line_problem(line) == problem


@pytest.mark.parametrize(
    ("written", "language", "stems"),
    [
        ("Isolation biosourcée pour les écoles et les gymnases", "french",
         ["isol", "biosourc", "ecol", "gymnas"]),
        ("Insulation for the schools and the gyms of a town", "english",
         ["insul", "school", "gym"]),
        ("L'éclairage public intelligent", "french", ["eclairag", "public", "intelligent"]),
        ("", "french", []),
    ],
)  # fmt: skip
def test_terms(written: str, language: str, stems: list[str]) -> None:
    assert text.language([text._plain(w.lower()) for w in written.split()]) == language
    assert [s for s, _ in text.terms(written)] == stems


COMMUNE = Profile(
    tags=("énergie", "bâtiments scolaires"),
    pitch="Nous voulons réduire la facture énergétique de nos écoles et de nos gymnases.",
)
PEOPLE = {
    "c": COMMUNE,
    "tags_and_text": Profile(
        tags=("Énergies", "écoles"), pitch="Isolation biosourcée pour écoles et gymnases."
    ),
    "tags_only": Profile(tags=("energy",), pitch="Smart meters for public buildings."),
    "text_only": Profile(tags=("santé",), pitch="Des capteurs pour les gymnases et stades."),
    "nothing": Profile(tags=("tourisme",), pitch="Une application de visite des musées."),
    "empty": Profile(),
}


def test_the_score_s_order() -> None:
    r = relevance(PEOPLE)
    ranked = sorted(PEOPLE.keys() - {"c"}, key=lambda p: -r.of("c", p))
    assert ranked[:3] == ["tags_and_text", "tags_only", "text_only"]
    assert r.of("c", "nothing") == r.of("c", "empty") == 0.0
    assert all(0.0 <= r.of("c", p) <= 1.0 for p in PEOPLE)
    assert r.of("c", "tags_only") == r.of("tags_only", "c")  # symmetric
    assert r.of("c", "c") == 0.0 and r.of("c", "stranger") == 0.0
    assert r.suggest("c", ["nothing", "text_only", "tags_and_text", "c"]) == [
        "tags_and_text",
        "text_only",
    ]


@pytest.mark.parametrize(
    ("viewer", "other", "reason"),
    [
        ("c", "tags_and_text", Reason(tags=("énergie", "bâtiments scolaires"),
                                      words=("écoles", "gymnases"))),
        ("tags_and_text", "c", Reason(tags=("Énergies", "écoles"), words=("gymnases",))),
        ("c", "tags_only", Reason(tags=("énergie",))),  # through the table: energy ~ énergie
        ("c", "text_only", Reason(words=("gymnases",))),  # the texts alone, as written
        ("text_only", "c", Reason(words=("gymnases",))),
        ("c", "nothing", Reason()),
        ("c", "empty", Reason()),
    ],
)  # fmt: skip
def test_the_reason_in_the_viewer_s_words(viewer: str, other: str, reason: Reason) -> None:
    assert relevance(PEOPLE).why(viewer, other) == reason


def test_the_event_s_synonyms_count() -> None:
    people = {
        "c": Profile(tags=("tiers-lieux",)),
        "s": Profile(tags=("coworking",)),
    }
    assert relevance(people).of("c", "s") == 0.0
    joined = relevance(people, ["tiers-lieux ~ coworking"])
    assert joined.of("c", "s") == 1.0
    assert joined.why("s", "c") == Reason(tags=("coworking",))


def test_the_same_profiles_give_the_same_matrix() -> None:
    """Computed once per content: a round re-solved with the same profiles only looks it up."""
    assert relevance(dict(PEOPLE)) is relevance(dict(reversed(PEOPLE.items())))
    changed = {**PEOPLE, "empty": Profile(pitch="gymnases")}
    assert relevance(changed) is not relevance(PEOPLE)


def test_levels_are_integers_for_the_matching() -> None:
    r = relevance(PEOPLE)
    levels = r.levels(["c", "tags_and_text", "stranger"])
    assert levels.dtype.kind == "i" and levels.shape == (3, 3)
    assert levels[0, 1] == levels[1, 0] > 0
    assert levels[2].tolist() == [0, 0, 0] and levels[0, 0] == 0


def test_no_text_with_a_word_that_counts() -> None:
    r = relevance({"a": Profile(pitch="et les"), "b": Profile(pitch="the")})
    assert r.of("a", "b") == 0.0 and r.why("a", "b") == Reason()
