"""Near-duplicate questions: the same question asked again, or sent to several ministers."""

from __future__ import annotations

from collections.abc import Callable

from semsearch.filters import SearchFilter
from semsearch.labels import SAME_QUESTION, Thresholds, thresholds
from semsearch.models import SearchHit
from semsearch.payload import RANKING_FIELDS, Payload, question_id_of, summary_from_payload
from semsearch.store.base import QUESTION, Probe, Store

# A question's closest ones, with their similarity (given every head, by question id).
Related = Callable[[str, dict[str, Payload]], list[SearchHit]]


def closest_questions(
    store: Store, qid: str, vector: list[float] | None, heads: dict[str, Payload], neighbours: int
) -> list[SearchHit]:
    """The questions nearest to ``qid`` (whose title-and-question vector is ``vector``): one engine
    query, the cosine as the similarity (1.0 for the same text)."""
    if vector is None:
        return []
    found = []
    others = SearchFilter(exclude_question=qid)
    for p in store.search(Probe(QUESTION, vector), neighbours, others, fields=RANKING_FIELDS):
        other = heads.get(question_id_of(p.payload))
        if other is not None:
            hit = SearchHit(**summary_from_payload(other), score=p.score)
            hit.similarity = p.score
            found.append(hit)
    return found


# Told the number of questions first (an int), then None after each question is checked.
Progress = Callable[[int | None], None]


def find_duplicates(
    heads: dict[str, Payload],
    related: Related,
    table: Thresholds,
    threshold: float | None = None,
    on_progress: Progress | None = None,
) -> list[list[SearchHit]]:
    """Groups of near-duplicate questions: each question's closest ones with a similarity at or
    above ``threshold`` (default: the 'same question' threshold of their language), joined
    transitively; largest groups first."""
    parent = {qid: qid for qid in heads}

    def root(qid: str) -> str:
        while parent[qid] != qid:
            parent[qid] = parent[parent[qid]]
            qid = parent[qid]
        return qid

    if on_progress is not None:
        on_progress(len(heads))
    for qid in sorted(heads):
        for hit in related(qid, heads):
            limit = threshold if threshold is not None else thresholds(table, hit.language)[SAME_QUESTION]
            if hit.similarity is not None and hit.similarity >= limit and hit.id in parent:
                parent[root(hit.id)] = root(qid)
        if on_progress is not None:
            on_progress(None)
    groups: dict[str, list[str]] = {}
    for qid in sorted(heads):
        groups.setdefault(root(qid), []).append(qid)
    found = [
        [SearchHit(**summary_from_payload(heads[q]), score=1.0) for q in members]
        for members in groups.values()
        if len(members) > 1
    ]
    return sorted(found, key=lambda g: (-len(g), g[0].id))
