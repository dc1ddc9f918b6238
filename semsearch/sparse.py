"""BM25 sparse vectors, language-aware, so exact terms (programme names, places, acronyms) count.

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
_WORD = re.compile(r"[^\W\d_]+")


def detect_language(text: str, default: str = "fr") -> str:
    """French or English from stop-word counts: enough for parliamentary prose, and instant."""
    words = [w.lower() for w in _WORD.findall(text[:4000])]
    counts = {lang: sum(1 for w in words if w in stop) for lang, stop in _STOPWORDS.items()}
    best = max(counts, key=lambda lang: counts[lang])
    return best if counts[best] > 0 else default


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

    def document(self, text: str, language: str) -> Sparse:
        vector = _model(language, self.avg_len).embed_document(text)
        return Sparse(list(vector.indices), list(vector.values))

    def query(self, text: str, language: str) -> Sparse:
        vector = _model(language, self.avg_len).embed_query(text)
        return Sparse(list(vector.indices), list(vector.values))
