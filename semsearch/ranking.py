"""Ranking: from a query to a page of questions.

The engine ranks passages (by the model's vector, by BM25, or both fused by reciprocal rank
fusion). This module builds that request, groups the passages it returns into questions, scores
each question, cuts the page and says where the next page starts. A new signal of a question's
score belongs here: the service only says what the query is (:class:`RankQuery`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from semsearch.filters import SearchFilter
from semsearch.models import SearchHit
from semsearch.payload import (
    RANKING_FIELDS,
    matched_passage,
    position_of,
    question_id_of,
    summary_from_payload,
)
from semsearch.query import MAX_LIMIT, MAX_OFFSET, SearchMode, check_page
from semsearch.settings import Settings
from semsearch.sparse import SparseEncoder
from semsearch.store.base import Ranking, Store, StoredPoint

MAX_PASSAGES_SHOWN = 3
# Passages fetched per wanted question before grouping; raised until enough questions come back.
_OVERFETCH = 5


@dataclass(frozen=True)
class RankQuery:
    """What questions are ranked against: a text and, unless the mode is sparse, its vector."""

    mode: SearchMode
    text: str
    dense: np.ndarray | None = None
    language: str | None = None  # the text's language when known (a question's own), else detected


def rank(
    store: Store,
    sparse: SparseEncoder,
    settings: Settings,
    query: RankQuery,
    limit: int,
    offset: int,
    flt: SearchFilter,
) -> list[SearchHit]:
    """The questions from ``offset`` to ``offset + limit``, best first, each with its best passages.

    ``settings`` is read on every call (an evaluation may sweep the weights on one service).
    """
    ranking = _ranking(settings, sparse, query)
    return _questions(store, ranking, limit, offset, flt, settings.passage_share)


def _ranking(settings: Settings, sparse: SparseEncoder, query: RankQuery) -> Ranking:
    lang = sparse.language_of(query.text, query.language)
    terms = sparse.query(query.text, lang) if query.mode != "dense" else None
    # Another language: BM25 weighed as in French and English, where 1:4 measured best.
    weights = settings.hybrid_weights.get(lang, (1, 4))
    vector = query.dense.tolist() if query.dense is not None else None
    return Ranking(query.mode, vector, terms, weights=weights, rrf_k=settings.rrf_k)


def _questions(
    store: Store, ranking: Ranking, limit: int, offset: int, flt: SearchFilter, share: float
) -> list[SearchHit]:
    wanted = offset + limit
    # At least a fixed depth: a question's score counts its next passages among those fetched,
    # so every page of one query must see the same passages (up to deep pages).
    fetch = max(wanted * _OVERFETCH, ranking.depth)
    while True:
        # Ranking needs only each passage's question and position; the payloads (texts,
        # metadata) are read for the page's passages alone: reading them for the whole fetch
        # was a third of a search's time at 400,000 passages (docs/performance.md).
        points = store.search(ranking, fetch, flt, fields=RANKING_FIELDS)
        groups = group(points, share)
        # Fewer points than asked means the engine has no more: the groups are all there is.
        if len(groups) >= wanted or len(points) < fetch:
            return _hits(store, groups[offset:wanted])
        fetch *= 4


def _hits(store: Store, groups: list[_Group]) -> list[SearchHit]:
    payloads = store.payloads([m.id for g in groups for m in g.matched[:MAX_PASSAGES_SHOWN]])
    hits = []
    for g in groups:
        # A passage deleted between the two reads is left out (its whole question, if none
        # of its passages is left); the next search no longer ranks it.
        shown = [m for m in g.matched[:MAX_PASSAGES_SHOWN] if m.id in payloads]
        for m in shown:
            m.payload = payloads[m.id]
        if shown:
            hits.append(g.hit(shown))
    return hits


@dataclass
class _Group:
    """A question's passages among the fetched ones, best first, and the question's score."""

    question_id: str
    score: float
    matched: list[StoredPoint]

    def hit(self, shown: list[StoredPoint]) -> SearchHit:
        """The result, showing ``shown`` (its best passages, with their whole payloads)."""
        passages = [matched_passage(m.payload, m.score) for m in shown]
        summary = summary_from_payload(shown[0].payload)
        return SearchHit(**summary, score=self.score, passages=passages)


def group(points: list[StoredPoint], share: float = 0.0) -> list[_Group]:
    """One group per question, best first. Its score is its best passage's, plus ``share`` of the
    next two (a question that matches in several places ranks higher). Results are built for the
    page only: the fetch holds a few hundred passages, a page ten questions."""
    by_question: dict[str, list[StoredPoint]] = {}
    for p in points:  # points come best first, so each list is too
        by_question.setdefault(question_id_of(p.payload), []).append(p)
    groups = []
    for qid, matched in by_question.items():
        matched.sort(key=lambda m: (-m.score, position_of(m.payload)))
        score = matched[0].score + share * sum(m.score for m in matched[1:3])
        groups.append(_Group(qid, score, matched))
    # Equal scores are ordered by id, so that pages never overlap.
    return sorted(groups, key=lambda g: (-g.score, g.question_id))


class Page(NamedTuple):
    """A page of results and the offset of the next one (None on the last page)."""

    hits: list[SearchHit]
    next_offset: int | None


def page(fetch: Callable[[int, int], list[SearchHit]], limit: int, offset: int) -> Page:
    """``fetch(limit, offset)``'s page, and whether a next one exists.

    One hit more than asked tells whether a next page exists; at the largest limit, where one
    more is refused, a one-hit probe of the next page does.
    """
    check_page(limit, offset)
    following = offset + limit
    if limit < MAX_LIMIT:
        hits = fetch(limit + 1, offset)
        more = len(hits) > limit
        hits = hits[:limit]
    else:
        hits = fetch(limit, offset)
        more = len(hits) == limit and following <= MAX_OFFSET and bool(fetch(1, following))
    return Page(hits, following if more and following <= MAX_OFFSET else None)
