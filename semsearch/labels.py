"""The precedent labels: each hit's similarity to what was asked, and its closeness label.

Fused scores are ranks, not comparable from one query to another; cosines are, so the labels'
thresholds ('same question', 'closely related', 'same topic') are fitted on them, per language
(docs/evaluation.md).
"""

from __future__ import annotations

from semsearch.filters import SearchFilter
from semsearch.models import SearchHit
from semsearch.payload import QUESTION_FIELDS, question_id_of
from semsearch.store.base import Ranking, Store

Thresholds = dict[str, dict[str, float]]  # language -> label -> lowest similarity
SAME_QUESTION = "same question"


def with_closeness(
    store: Store, hits: list[SearchHit], probes: list[list[float]], table: Thresholds
) -> list[SearchHit]:
    """Each hit's similarity and its precedent label.

    A hit's similarity is the mean, over the probes (the query's vector, or each passage of a
    question asked about), of the probe's best cosine with the hit's passages: 1.0 for the same
    text. One engine query per probe, on the page.
    """
    if not probes or not hits:
        return hits
    only = SearchFilter(only_questions=tuple(h.id for h in hits))
    totals: dict[str, float] = dict.fromkeys(only.only_questions or (), 0.0)
    for probe in probes:
        best: dict[str, float] = {}
        for p in store.search(Ranking("dense", probe), 40 * len(hits), only, fields=QUESTION_FIELDS):
            best.setdefault(question_id_of(p.payload), p.score)
        for qid in totals:
            totals[qid] += best.get(qid, 0.0)
    for hit in hits:
        hit.similarity = totals[hit.id] / len(probes)
        ordered = sorted(thresholds(table, hit.language).items(), key=lambda t: -t[1])
        hit.closeness = next((label for label, t in ordered if hit.similarity >= t), None)
    return hits


def thresholds(table: Thresholds, language: str | None) -> dict[str, float]:
    """A language's thresholds; another language uses the English ones."""
    return table.get(language or "", table.get("en") or next(iter(table.values()), {}))
