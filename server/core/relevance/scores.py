"""Relevance of every pair of an event's people (0..1), its reason in their words, suggestions.

A pair's relevance joins two similarities: of their tags (the groups of their folded tags,
``folding``: shared groups over the geometric mean of their counts) and of their texts (TF-IDF
cosine of pitch and tags, ``text``), as ``1 - (1 - tags)(1 - texts)``: either alone counts, and
both count more. The matrix is computed once for a given content of the profiles and synonyms
(``relevance`` keeps the last few), so a round re-solved live only looks it up.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

import msgspec
import numpy as np
import numpy.typing as npt
from scipy.sparse import csr_array

from . import folding, text

LEVELS = 20  # a pair's relevance as the matching weighs it: 0..LEVELS
SHOWN_AT = 0.05  # below this a pair has nothing worth saying (no reason, no suggestion)
WORD_AT = 0.02  # a shared word's part of the similarity worth naming
CACHED = 4  # matrices kept (one an event whose people's profiles did not change)

Floats = npt.NDArray[np.float32]
Levels = npt.NDArray[np.int8]  # 0..LEVELS: small, so that 2,000 people take 4 MB


class Profile(msgspec.Struct, frozen=True, kw_only=True):
    """What relevance reads of a person: their tags and their pitch."""

    tags: tuple[str, ...] = ()
    pitch: str = ""


class Reason(msgspec.Struct, frozen=True, kw_only=True):
    """Why two people are relevant to each other, in the words of the one it is shown to:
    their tags the other shares (through a synonym too), then words both texts use."""

    tags: tuple[str, ...] = ()
    words: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, eq=False)
class Relevance:
    """The relevance of every pair of ``people`` and what explains it."""

    people: tuple[str, ...]
    index: Mapping[str, int]
    score: Floats  # people x people, 0 on the diagonal
    level: Levels  # the same as integers 0..LEVELS
    groups: tuple[Mapping[str, str], ...]  # per person: tag group -> their tag as written
    texts: text.Texts
    words: tuple[Mapping[str, str], ...]  # per person: stem -> their first word for it

    def of(self, a: str, b: str) -> float:
        """The relevance of ``a`` and ``b`` (0 when either is unknown)."""
        i, j = self.index.get(a), self.index.get(b)
        return 0.0 if i is None or j is None else float(self.score[i, j])

    def levels(self, people: Sequence[str]) -> Levels:
        """The pairwise relevance of ``people`` in that order, as integers 0..``LEVELS``."""
        if tuple(people) == self.people:
            return self.level.copy()
        at = np.array([self.index.get(p, -1) for p in people], dtype=np.int64)
        known = at >= 0
        out = np.zeros((len(people), len(people)), dtype=np.int8)
        out[np.ix_(known, known)] = self.level[np.ix_(at[known], at[known])]
        return out

    def why(self, viewer: str, other: str, most: int = 3) -> Reason:
        """What ``viewer`` and ``other`` share, in ``viewer``'s words (empty: nothing worth
        saying): the viewer's tags in a group the other has, then up to ``most`` words both
        texts use, most telling first, those of the shared tags left out."""
        i, j = self.index.get(viewer), self.index.get(other)
        if i is None or j is None or self.score[i, j] < SHOWN_AT:
            return Reason()
        mine, theirs = self.groups[i], self.groups[j]
        tags = tuple(written for group, written in mine.items() if group in theirs)
        tagged = {s for t in tags for s, _ in text.terms(t)}
        words: list[str] = []
        for stem, part in self.texts.shared(i, j):
            if len(words) >= most or part < WORD_AT:
                break
            word = self.words[i].get(stem)
            if word and stem not in tagged and word not in words:
                words.append(word)
        return Reason(tags=tags, words=tuple(words))

    def suggest(self, viewer: str, candidates: Iterable[str], most: int = 5) -> list[str]:
        """Up to ``most`` of ``candidates`` most relevant to ``viewer``, most first (ties in
        the order given), each worth showing."""
        ranked = sorted(
            ((-self.of(viewer, c), n, c) for n, c in enumerate(candidates) if c != viewer),
        )
        return [c for s, _, c in ranked[:most] if -s >= SHOWN_AT]


def relevance(profiles: Mapping[str, Profile], synonyms: Sequence[str] = ()) -> Relevance:
    """The relevance of every pair of ``profiles``' people, with the event's ``synonyms`` lines
    (``"mobilité ~ transports"``); the same content gives the same (cached) object."""
    return _build(tuple(sorted(profiles.items())), tuple(synonyms))


@lru_cache(maxsize=CACHED)
def _build(people: tuple[tuple[str, Profile], ...], lines: tuple[str, ...]) -> Relevance:
    synonyms = folding.Synonyms(lines)
    groups: list[dict[str, str]] = []
    terms: list[list[tuple[str, str]]] = []
    for _, p in people:
        mine: dict[str, str] = {}
        for tag in p.tags:
            if group := synonyms.canonical(tag):
                mine.setdefault(group, tag)
        groups.append(mine)
        terms.append(text.terms(" ".join((p.pitch, *p.tags))))
    n = len(people)
    texts = text.weigh([[s for s, _ in t] for t in terms])
    score = 1.0 - (1.0 - _tag_similarity(groups)) * (1.0 - np.clip(texts.similarity(), 0, 1))
    np.fill_diagonal(score, 0.0)
    words = tuple(_first_words(t) for t in terms)
    return Relevance(
        people=tuple(pid for pid, _ in people),
        index={pid: i for i, (pid, _) in enumerate(people)},
        score=score.astype(np.float32).reshape(n, n),
        level=np.rint(score * LEVELS).astype(np.int8).reshape(n, n),
        groups=tuple(groups),
        texts=texts,
        words=words,
    )


def _tag_similarity(groups: Sequence[Mapping[str, str]]) -> npt.NDArray[np.float64]:
    """Shared tag groups over the geometric mean of each person's count (0..1)."""
    names = {g: k for k, g in enumerate(sorted({g for mine in groups for g in mine}))}
    rows = [i for i, mine in enumerate(groups) for _ in mine]
    cols = [names[g] for mine in groups for g in mine]
    counts = np.array([max(len(mine), 1) for mine in groups], dtype=np.float64)
    member = csr_array((np.ones(len(rows)), (rows, cols)), shape=(len(groups), max(len(names), 1)))
    shared = np.asarray((member @ member.T).toarray(), dtype=np.float64)
    return np.asarray(shared / np.sqrt(np.outer(counts, counts)), dtype=np.float64)


def _first_words(terms: Sequence[tuple[str, str]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for stem, word in terms:
        out.setdefault(stem, word)
    return out
