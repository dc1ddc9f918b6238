"""BM25 sparse vectors of whole questions, language-aware, so exact terms (programme names, places,
acronyms) count.

``qdrant_edge.Bm25`` produces the same token ids as Qdrant's server-side BM25, so one encoder
serves both backends; the IDF part is applied by the engine (the sparse vector's IDF modifier).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

import qdrant_edge as qe

# Our language codes -> the engine's stemmer/stop-word language names.
LANGUAGES = {
    "fr": "french",
    "en": "english",
    "nl": "dutch",
    "de": "german",
    "it": "italian",
    "es": "spanish",
}
_STOPWORDS = {
    "fr": {
        "le",
        "la",
        "les",
        "des",
        "du",
        "de",
        "et",
        "est",
        "une",
        "un",
        "que",
        "qui",
        "dans",
        "pour",
        "au",
        "aux",
        "sur",
        "par",
        "pas",
        "ce",
        "cette",
        "il",
        "elle",
        "sont",
        "ont",
        "plus",
        "ses",
    },
    "en": {
        "the",
        "of",
        "and",
        "to",
        "in",
        "is",
        "that",
        "for",
        "on",
        "what",
        "his",
        "her",
        "with",
        "by",
        "has",
        "have",
        "will",
        "be",
        "are",
        "this",
        "which",
        "from",
        "its",
        "an",
        "as",
        "at",
        "their",
    },
}
# Only words no other list has ('en', 'in', 'de', 'die' are in several languages).
_STOPWORDS["nl"] = set(
    "het een van dat voor met zijn niet aan ook als bij door wordt worden naar hoe welke deze nog "
    "heeft hebben kan over uit wij uw".split()
)
_STOPWORDS["de"] = set(
    "der das und ist nicht mit von dem zu auf für sich auch eine ein wird werden wie welche im noch "
    "hat".split()
)
_WORD = re.compile(r"[^\W\d_]+")
# Stop words needed before a text's language counts as known (a few words prove nothing).
_CONFIDENT = 3


def detect(text: str, default: str = "fr") -> tuple[str, bool]:
    """The language from stop-word counts (enough for parliamentary prose, and instant), and
    whether the text says enough to be sure of it."""
    words = [w.lower() for w in _WORD.findall(text[:4000])]
    counts = {lang: sum(1 for w in words if w in stop) for lang, stop in _STOPWORDS.items()}
    ranked = sorted(counts, key=lambda lang: -counts[lang])
    best, second = counts[ranked[0]], counts[ranked[1]]
    if best == 0:
        return default, False
    return ranked[0], best >= _CONFIDENT and best >= 2 * second


def detect_language(text: str, default: str = "fr") -> str:
    return detect(text, default)[0]


@dataclass(frozen=True)
class Sparse:
    indices: list[int]
    values: list[float]


@cache
def _model(language: str, avg_len: float) -> qe.Bm25:
    name = LANGUAGES.get(language, "english")
    # Folding accents makes 'Economie' (a title in capitals) meet 'économie'.
    return qe.Bm25(qe.Bm25Config(language=name, ascii_folding=True, avg_len=avg_len))


class SparseEncoder:
    """Document and query BM25 vectors; the language is the question's, else detected."""

    def __init__(self, language: str = "auto", avg_len: float = 60.0) -> None:
        self.language = language
        self.avg_len = avg_len

    def language_of(self, text: str, declared: str | None = None) -> str:
        if self.language != "auto":
            return self.language
        if declared and declared in LANGUAGES:
            return declared
        return detect_language(text)

    def query_language(self, text: str, declared: str | None = None) -> tuple[str, bool]:
        """A query's language, and whether it is known for sure (a question's own, or a text with
        enough stop words): the ranking then discounts matches in other languages."""
        if self.language != "auto":
            return self.language, False
        if declared and declared in LANGUAGES:
            return declared, True
        return detect(text)

    def document(self, text: str, language: str) -> Sparse:
        vector = _model(language, self.avg_len).embed_document(text)
        return Sparse(list(vector.indices), list(vector.values))

    def query(self, text: str, language: str) -> Sparse:
        vector = _model(language, self.avg_len).embed_query(text)
        return Sparse(list(vector.indices), list(vector.values))
