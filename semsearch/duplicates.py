"""Near-duplicate questions: the same question asked again, or sent to several ministers."""

from __future__ import annotations

from collections.abc import Callable

from semsearch.labels import SAME_QUESTION, Thresholds, thresholds
from semsearch.models import SearchHit
from semsearch.payload import Payload, summary_from_payload

Related = Callable[[str], list[SearchHit]]  # a question's closest ones, with their similarity
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
        for hit in related(qid):
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
