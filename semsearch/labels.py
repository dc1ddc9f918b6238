"""The precedent labels: 'same question', 'closely related', 'same topic', from a hit's similarity.

Fused scores are not comparable from one query to another; cosines are, so the labels' thresholds
are fitted on the similarity (``semsearch.results``), per language (docs/evaluation.md).
"""

from __future__ import annotations

from semsearch.models import SearchHit

Thresholds = dict[str, dict[str, float]]  # language -> label -> lowest similarity
SAME_QUESTION = "same question"
TEXT, QUESTION = "text", "question"  # what was asked: a text, or an indexed question


def with_closeness(hits: list[SearchHit], tables: dict[str, Thresholds], asked: str) -> list[SearchHit]:
    """Each hit's precedent label from its similarity (none without a similarity)."""
    table = tables[asked]
    for hit in hits:
        if hit.similarity is None:
            continue
        ordered = sorted(thresholds(table, hit.language).items(), key=lambda t: -t[1])
        hit.closeness = next((label for label, t in ordered if hit.similarity >= t), None)
    return hits


def thresholds(table: Thresholds, language: str | None) -> dict[str, float]:
    """A language's thresholds; another language uses the English ones."""
    return table.get(language or "", table.get("en") or next(iter(table.values()), {}))
