"""Events whose people carry tags and pitches drawn from a dozen themes, for bench/matching.py.

Each person has one theme: a commune's needs, a solution's domain. Their tags are one to three
of the theme's (French or English, singular or plural, to exercise the folding and the synonym
table), sometimes one of another theme (noise); their pitch strings a few of the theme's words
with everyday words and, now and then, a word of another theme. Half of the people mark no
wish; the others mark a few, aimed at popular people more than at others, whatever the themes.

A meeting "shares a theme" when its two people have the same one. Wishes come first, so the
best possible share is counted for the wishes our plan meets: the same-theme meetings among
them, plus the most same-theme meetings the rounds they leave could hold (a maximum flow: each
person in at most the rounds their wished meetings leave; by König's theorem such meetings
split into rounds), over the meetings the plan holds. It does not ask that the wished meetings
and the others fit in the same rounds together, so it is an upper bound and our share of it a
floor.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import numpy as np
from scipy.sparse import csr_array
from scipy.sparse.csgraph import maximum_flow

from server.core.matching import MatchInput, RoundPlan
from server.core.model import WishLevel
from server.core.relevance.scores import Profile

# theme: (tags a person may carry, words a pitch may use)
THEMES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "energy": (
        ("énergie", "énergies", "energy", "rénovation énergétique", "chaufferie"),
        ("chaudière", "chauffage", "photovoltaïque", "factures", "consommation", "kilowatts"),
    ),
    "mobility": (
        ("mobilité", "transports", "mobility", "covoiturage", "vélo"),
        ("navettes", "bus", "trajets", "autopartage", "stationnement", "déplacements"),
    ),
    "schools": (
        ("écoles", "bâtiments scolaires", "school", "cantine"),
        ("élèves", "classes", "enseignants", "périscolaire", "récréation", "maternelle"),
    ),
    "water": (
        ("eau", "eau potable", "water", "assainissement"),
        ("fuites", "réseau", "compteurs", "captage", "canalisations", "sécheresse"),
    ),
    "waste": (
        ("déchets", "recyclage", "waste", "économie circulaire"),
        ("tri", "collecte", "compost", "bennes", "ordures", "réemploi"),
    ),
    "digital": (
        ("numérique", "digital", "données", "open data"),
        ("logiciel", "plateforme", "démarches", "dématérialisation", "serveurs", "cybersécurité"),
    ),
    "health": (
        ("santé", "health", "e-santé", "médecins"),
        ("téléconsultation", "cabinet", "patients", "désert", "infirmiers", "soins"),
    ),
    "lighting": (
        ("éclairage public", "street lighting", "éclairage", "lampadaires"),
        ("led", "luminaires", "nuit", "candélabres", "pollution lumineuse", "détecteurs"),
    ),
    "nature": (
        ("biodiversité", "espaces verts", "biodiversity", "arbres"),
        ("haies", "pollinisateurs", "prairies", "plantations", "ombrage", "zones humides"),
    ),
    "food": (
        ("alimentation", "restauration scolaire", "food", "agriculture"),
        ("circuits courts", "producteurs", "repas", "bio", "maraîchers", "gaspillage"),
    ),
    "housing": (
        ("logement", "habitat", "housing", "logements"),
        ("locataires", "vacance", "bailleurs", "réhabilitation", "loyers", "copropriétés"),
    ),
    "citizens": (
        ("participation citoyenne", "démocratie participative", "civic tech", "concertation"),
        ("habitants", "budget participatif", "consultation", "votes", "réunions", "conseils"),
    ),
}
FILLER = (
    "nous", "cherchons", "une", "solution", "pour", "notre", "commune", "de", "habitants",
    "proposons", "aux", "collectivités", "projet", "simple", "rapide", "et", "efficace", "le",
    "la", "les", "des", "territoire", "innovante", "expérimentation", "achat", "public",
)  # fmt: skip
LEVELS: list[WishLevel] = ["like", "must", "no"]


@dataclass(frozen=True)
class ThemedSpec:
    """A two-sided event with themes."""

    name: str
    a: int  # communes
    b: int  # solutions
    rounds: int
    wishes: int = 3  # for those who mark wishes (half of the people)


def generate(spec: ThemedSpec, seed: int) -> tuple[MatchInput, dict[str, str]]:
    """The event (relevance on) and each person's theme."""
    rnd = random.Random(seed)
    names = list(THEMES)
    a = [f"a{i}" for i in range(spec.a)]
    b = [f"b{i}" for i in range(spec.b)]
    theme = {p: rnd.choice(names) for p in a + b}
    profiles = {p: _profile(rnd, theme[p], names) for p in a + b}
    wishes: dict[tuple[str, str], WishLevel] = {}
    for p in a + b:
        if rnd.random() < 0.5:
            continue  # half of the people mark no wish
        others = b if p.startswith("a") else a
        popularity = [1.0 / (1 + int(q[1:])) ** 0.5 for q in others]
        for q in sorted(set(rnd.choices(others, weights=popularity, k=spec.wishes))):
            wishes[(p, q)] = rnd.choices(LEVELS, weights=[70, 22, 8])[0]
    inp = MatchInput(
        present=tuple(a + b),
        sides={p: p[0] for p in a + b},
        mode="bipartite",
        odd="wait",
        wishes=wishes,
        relevance=True,
        profiles=profiles,
    )
    return inp, theme


def _profile(rnd: random.Random, theme: str, names: list[str]) -> Profile:
    tags, words = THEMES[theme]
    mine = rnd.sample(tags, rnd.randint(1, 3))
    if rnd.random() < 0.2:
        mine.append(rnd.choice(THEMES[rnd.choice(names)][0]))  # a tag of another theme
    pitch = rnd.sample(words, rnd.randint(2, 4)) + rnd.sample(FILLER, rnd.randint(4, 8))
    if rnd.random() < 0.3:
        pitch.append(rnd.choice(THEMES[rnd.choice(names)][1]))  # a word of another theme
    rnd.shuffle(pitch)
    return Profile(tags=tuple(dict.fromkeys(mine)), pitch=" ".join(pitch).capitalize() + ".")


def same_theme(plans: list[RoundPlan], theme: dict[str, str]) -> tuple[int, int]:
    """Meetings whose two people share a theme, and all meetings."""
    rooms = [r.members for plan in plans for r in plan.rooms]
    return sum(theme[x] == theme[y] for x, y in rooms), len(rooms)


def best_same_theme(
    inp: MatchInput, theme: dict[str, str], rounds: int, plans: list[RoundPlan]
) -> int:
    """The most same-theme meetings a plan of ``rounds`` rounds could hold that meets the wishes
    ``plans`` meets (wishes come first): those of the wished meetings, plus a maximum flow of
    same-theme meetings among the others, each person in at most the rounds their wished
    meetings leave ("no thanks" pairs left out)."""
    wanted = {frozenset(k) for k, level in inp.wishes.items() if level != "no"}
    wished = [r.members for plan in plans for r in plan.rooms if frozenset(r.members) in wanted]
    busy: dict[str, int] = {}
    for pair in wished:
        for p in pair:
            busy[p] = busy.get(p, 0) + 1
    a = [p for p in inp.present if inp.sides[p] == "a"]
    b = [p for p in inp.present if inp.sides[p] == "b"]
    n = len(a) + len(b)
    source, sink = n, n + 1
    heads, tails, caps = [], [], []
    for i, p in enumerate(a):
        heads.append(source), tails.append(i), caps.append(rounds - busy.get(p, 0))
        for j, q in enumerate(b):
            no = "no" in (inp.wishes.get((p, q)), inp.wishes.get((q, p)))
            if theme[p] == theme[q] and not no and frozenset((p, q)) not in wanted:
                heads.append(i), tails.append(len(a) + j), caps.append(1)
    for j, q in enumerate(b):
        heads.append(len(a) + j), tails.append(sink), caps.append(rounds - busy.get(q, 0))
    graph = csr_array(
        (np.array(caps, dtype=np.int32), (np.array(heads), np.array(tails))), shape=(n + 2,) * 2
    )
    same_wished = sum(theme[x] == theme[y] for x, y in wished)
    return same_wished + int(maximum_flow(graph, source, sink).flow_value)
