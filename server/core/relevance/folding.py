"""Tags as compared: case, accents and plural forms folded, synonyms joined.

``key("Bâtiments scolaires")`` is ``"batiment scolaire"``; ``Synonyms`` maps a key to the key
of its group, from a small French/English table shipped here plus the event's own lines
(``"mobilité ~ transports"``), so that ``"Transports"`` and ``"mobility"`` share a tag.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence

SYNONYMS_MAX = 100  # lines an event may add
SYNONYM_LINE_MAX = 200
_WORD = re.compile(r"[a-z0-9]+")
_LINE_SPLIT = re.compile(r"\s*~\s*")

# Groups of tags that mean the same for a commune and a maker of solutions, French and English.
# Each term is folded as a tag is; the first names the group.
BUILT_IN: tuple[tuple[str, ...], ...] = (
    ("énergie", "energy", "énergies renouvelables", "renewable energy"),
    ("mobilité", "transports", "mobility", "déplacements", "transportation"),
    ("école", "bâtiments scolaires", "school", "school buildings", "établissements scolaires"),
    ("éducation", "education", "enseignement"),
    ("bâtiment", "building", "patrimoine bâti", "bâtiments publics", "public buildings"),
    ("rénovation énergétique", "energy renovation", "isolation", "insulation"),
    ("eau", "water", "eau potable", "drinking water"),
    ("assainissement", "sanitation", "eaux usées", "wastewater"),
    ("déchets", "waste", "recyclage", "recycling", "économie circulaire", "circular economy"),
    ("numérique", "digital", "transformation numérique", "digital transformation"),
    ("données", "data", "open data", "données ouvertes"),
    ("intelligence artificielle", "artificial intelligence", "ia", "ai"),
    ("santé", "health", "e-santé", "e-health"),
    ("sécurité", "safety", "security", "prévention"),
    ("éclairage public", "street lighting", "éclairage", "lighting"),
    ("voirie", "roads", "routes", "chaussée"),
    ("environnement", "environment", "écologie", "ecology"),
    ("biodiversité", "biodiversity", "espaces verts", "green spaces", "nature en ville"),
    ("climat", "climate", "transition écologique", "ecological transition", "adaptation"),
    ("alimentation", "food", "agriculture", "restauration scolaire", "cantine", "school canteen"),
    ("tourisme", "tourism"),
    ("culture", "cultural", "patrimoine", "heritage"),
    ("sport", "sports", "équipements sportifs", "sports facilities"),
    ("action sociale", "social", "social care", "solidarité", "solidarity"),
    ("participation citoyenne", "citizen participation", "démocratie participative", "civic tech"),
    ("urbanisme", "urban planning", "aménagement", "aménagement du territoire"),
    ("logement", "housing", "habitat"),
    ("services publics", "public services", "administration", "e-administration"),
    ("emploi", "employment", "jobs", "insertion"),
    ("vélo", "bike", "cycling", "cyclisme", "pistes cyclables", "cycle lanes"),
)


def _plain(text: str) -> str:
    """Lower case, no accents, ``œ`` as ``oe``."""
    flat = unicodedata.normalize("NFKD", text.replace("œ", "oe").replace("Œ", "oe"))
    return "".join(c for c in flat if not unicodedata.combining(c)).lower()


def singular(word: str) -> str:
    """A folded word's singular, French or English, by the common rules (``scolaires`` →
    ``scolaire``, ``bateaux`` → ``bateau``, ``régionaux`` → ``regional``); a final ``y`` after
    a consonant becomes ``ie``, so that ``city`` and ``cities`` fold alike (and ``energy``
    with ``énergie``). Short words and ``-ss``, ``-us``, ``-is`` endings are kept (``bus``)."""
    if len(word) <= 3:
        return word
    if word.endswith("eaux") or word.endswith("eux"):
        return word[:-1]
    if word.endswith("aux") and len(word) > 4:
        return word[:-3] + "al"
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    if word.endswith("y") and word[-2:-1] not in "aeiouy":
        word = word[:-1] + "ie"  # city, cities: citie; energy, énergie: energie
    return word


def key(tag: str) -> str:
    """A tag as compared: its words folded (case, accents) and singular, spaces between;
    hyphens and other marks split words (``e-santé`` → ``e sante``)."""
    return " ".join(singular(w) for w in _WORD.findall(_plain(tag)))


def parse_line(line: str) -> tuple[str, ...]:
    """The terms of an event's synonym line (``"mobilité ~ transports"``), as written, each
    once; a line that does not name two different tags gives ``()``."""
    terms = [" ".join(t.split()) for t in _LINE_SPLIT.split(line.strip())]
    seen: dict[str, str] = {}
    for term in terms:
        if key(term):
            seen.setdefault(key(term), term)
    return tuple(seen.values()) if len(seen) >= 2 else ()


def line_problem(line: str) -> str:
    """What is wrong with an event's synonym line ("" when nothing)."""
    if len(line) > SYNONYM_LINE_MAX:
        return "too_long"
    if not parse_line(line):
        return "one_term"
    return ""


class Synonyms:
    """Which group each tag key belongs to: the table above joined with the event's lines."""

    def __init__(self, lines: Iterable[str] = ()) -> None:
        self._parent: dict[str, str] = {}
        for group in (*BUILT_IN, *(parse_line(line) for line in lines)):
            self._join([key(t) for t in group if key(t)])

    def _find(self, k: str) -> str:
        root = k
        while self._parent.get(root, root) != root:
            root = self._parent[root]
        while k != root:  # shorten the path for the next time
            k, self._parent[k] = self._parent[k], root
        return root

    def _join(self, keys: Sequence[str]) -> None:
        for other in keys[1:]:
            a, b = self._find(keys[0]), self._find(other)
            if a != b:
                self._parent[b] = a

    def canonical(self, tag: str) -> str:
        """The key that stands for ``tag``'s group (its own key when it is in none)."""
        return self._find(key(tag))
