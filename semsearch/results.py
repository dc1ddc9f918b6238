"""Results: a page of ranked question ids made into hits, and where the next page starts.

A hit shows its best passages (up to three) and a ``similarity``: a cosine, comparable from one
query to another (fused scores are not), which the precedent labels read. For a text it is the
best cosine between the query and the question's passages; for a question asked about it is the
cosine of the two questions' title-and-question vectors (1.0 for the same text). Both come from
the signals' own lists, or one engine query restricted to the page's questions they missed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from semsearch.filters import SearchFilter
from semsearch.ids import point_id
from semsearch.models import SearchHit
from semsearch.payload import (
    RANKING_FIELDS,
    generation_of,
    matched_passage,
    question_id_of,
    summary_from_payload,
)
from semsearch.query import MAX_LIMIT, MAX_OFFSET, check_page
from semsearch.ranking import Gathered, RankQuery, group
from semsearch.store.base import DENSE, QUESTION, Probe, Store, StoredPoint

MAX_PASSAGES_SHOWN = 3
# Passages read per question of the page to find its best ones (a long answer has many).
_PASSAGES_PER_QUESTION = 40


def hits(
    store: Store,
    ids: list[str],
    fused: dict[str, float],
    query: RankQuery,
    found: Gathered,
    about_question: bool,
) -> list[SearchHit]:
    """The page's hits, best first; ``about_question``: the query is an indexed question's own.

    The signals already hold most of what a hit shows: a question among the passage signal's
    passages has its best ones there (any passage of it in the list means its best one is too), and
    a question among the ``question`` signal's has its similarity to the question asked about. The
    engine is asked only for the rest: usually nothing (docs/performance.md).
    """
    if not ids:
        return []
    shown = {qid: found.passages[qid][:MAX_PASSAGES_SHOWN] for qid in ids if qid in found.passages}
    similarity: dict[str, float] = {}
    if query.dense is not None:
        vector = query.dense.tolist()
        missing = [qid for qid in ids if qid not in shown]
        if missing:
            page = SearchFilter(only_questions=tuple(missing))
            points = store.search(
                Probe(DENSE, vector), _PASSAGES_PER_QUESTION * len(missing), page, RANKING_FIELDS
            )
            shown |= {qid: matched[:MAX_PASSAGES_SHOWN] for qid, matched in group(points).items()}
        if about_question:
            similarity = _question_similarity(store, ids, vector, found)
        else:
            similarity = {qid: matched[0].score for qid, matched in shown.items()}
    return _built(store, ids, fused, shown, similarity)


def _question_similarity(
    store: Store, ids: list[str], vector: list[float], found: Gathered
) -> dict[str, float]:
    """The cosine of each page question's title-and-question vector with the one asked about."""
    known = next((s.scores for s in found.signals if s.name == "question"), {})
    similarity = {qid: known[qid] for qid in ids if qid in known}
    missing = tuple(qid for qid in ids if qid not in similarity)
    if missing:
        page = SearchFilter(only_questions=missing)
        for p in store.search(Probe(QUESTION, vector), len(missing), page, RANKING_FIELDS):
            similarity[question_id_of(p.payload)] = p.score
    return similarity


def _built(
    store: Store,
    ids: list[str],
    fused: dict[str, float],
    shown: dict[str, list[StoredPoint]],
    similarity: dict[str, float],
) -> list[SearchHit]:
    # Without a vector (BM25 alone), a question shows its first passages: the title and the start,
    # named by the generation its head was written in.
    unshown = [qid for qid in ids if qid not in shown]
    heads = store.heads(unshown) if unshown else {}
    first = {
        qid: [point_id(qid, n, generation_of(head)) for n in range(MAX_PASSAGES_SHOWN)]
        for qid, head in heads.items()
    }
    wanted = [m.id for matched in shown.values() for m in matched] + [
        i for ids_ in first.values() for i in ids_
    ]
    payloads = store.payloads(wanted)
    built = []
    for qid in ids:
        # A passage deleted between the reads is left out (its whole question, if none is left).
        passages = [(payloads[m.id], m.score) for m in shown.get(qid, []) if m.id in payloads]
        if qid not in shown:
            passages = [(payloads[pid], 0.0) for pid in first.get(qid, []) if pid in payloads]
        if not passages:
            continue
        hit = SearchHit(
            **summary_from_payload(passages[0][0]),
            score=fused[qid],
            passages=[matched_passage(payload, score) for payload, score in passages],
        )
        hit.similarity = similarity.get(qid)
        built.append(hit)
    return built


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
        found = fetch(limit + 1, offset)
        more = len(found) > limit
        found = found[:limit]
    else:
        found = fetch(limit, offset)
        more = len(found) == limit and following <= MAX_OFFSET and bool(fetch(1, following))
    return Page(found, following if more and following <= MAX_OFFSET else None)
