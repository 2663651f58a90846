"""Similarity of texts (a need, a pitch): TF-IDF over stems, French or English per text.

Each text's words are folded (lower case, no accents), stop words dropped and the rest stemmed
by the Snowball stemmer of the text's language (the one whose stop words it uses more); a stem
remembers the words it came from, so that a reason shows the words as people wrote them.
scikit-learn's ``TfidfVectorizer`` weighs the stems (sublinear term frequency, smoothed inverse
document frequency, rows of unit length), so the similarity of two texts is a dot product.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np
import numpy.typing as npt
import snowballstemmer
from scipy.sparse import csr_array

from .stopwords import ENGLISH, FRENCH

_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
MIN_LETTERS = 3

Floats = npt.NDArray[np.float64]


def _plain(word: str) -> str:
    flat = unicodedata.normalize("NFKD", word.replace("œ", "oe"))
    return "".join(c for c in flat if not unicodedata.combining(c))


@cache
def _stemmer(language: str) -> snowballstemmer.BaseStemmer:  # one a language: two in all
    return snowballstemmer.stemmer(language)


def language(words: Sequence[str]) -> str:
    """``french`` or ``english``: the language whose stop words the folded ``words`` use more
    (French when neither wins: the events this serves are mostly French)."""
    fr = sum(w in FRENCH for w in words)
    en = sum(w in ENGLISH for w in words)
    return "english" if en > fr else "french"


def terms(text: str) -> list[tuple[str, str]]:
    """The text's ``(stem, word)`` pairs in order, stop words and short words left out; the
    word lower case as written (accents kept), the stem folded."""
    written = [w.lower() for piece in _WORD.findall(text) for w in re.split(r"['’-]", piece)]
    folded = [_plain(w) for w in written]
    stop = FRENCH | ENGLISH
    kept = [(w, f) for w, f in zip(written, folded, strict=True) if len(f) >= MIN_LETTERS]
    kept = [(w, f) for w, f in kept if f not in stop]
    stems = _stemmer(language(folded)).stemWords([w for w, _ in kept])
    return [(_plain(s), w) for s, (w, _) in zip(stems, kept, strict=True)]


@dataclass(frozen=True, slots=True)
class Texts:
    """The TF-IDF rows of a list of texts: ``weights[i]`` is text ``i``'s row of unit length."""

    weights: csr_array
    vocabulary: dict[str, int]

    def similarity(self) -> Floats:
        """Every pair's cosine similarity (0..1), as a dense square matrix."""
        return np.asarray((self.weights @ self.weights.T).toarray(), dtype=np.float64)

    def shared(self, i: int, j: int) -> list[tuple[str, float]]:
        """The stems texts ``i`` and ``j`` share, each with its part of their similarity,
        largest first."""
        a, b = self.weights[[i], :].tocoo(), self.weights[[j], :].tocoo()
        mine = dict(zip(a.col.tolist(), a.data.tolist(), strict=True))
        names = {v: k for k, v in self.vocabulary.items() if v in mine}
        both = [
            (names[c], mine[c] * w)
            for c, w in zip(b.col.tolist(), b.data.tolist(), strict=True)
            if c in mine
        ]
        return sorted(both, key=lambda x: (-x[1], x[0]))


def _same(stems: list[str]) -> list[str]:
    return stems


def weigh(stems: Sequence[list[str]]) -> Texts:
    """The TF-IDF rows of texts given as their stems (``terms``); all zero when no text has a
    word that counts."""
    texts = list(stems)
    if not any(texts):  # no text has a word that counts: nothing is similar
        return Texts(csr_array((len(texts), 0), dtype=np.float64), {})
    # scikit-learn on first use: a process whose events say nothing of themselves never loads
    # it (it was half of the server's start, 0.76 of 1.68 s)
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectorizer = TfidfVectorizer(analyzer=_same, sublinear_tf=True, dtype=np.float64)
    weights = vectorizer.fit_transform(texts)  # some text has a word: a vocabulary
    vocabulary = {str(k): int(v) for k, v in vectorizer.vocabulary_.items()}
    return Texts(csr_array(weights), vocabulary)
