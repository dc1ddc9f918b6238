"""Ranking: from a query to the ordered questions of a page.

Questions are ranked as wholes. Each signal is one engine query and scores questions its own way:
``bm25`` (BM25 over the whole question, title weighted, on the head's sparse vector), ``passages``
(the model's best passages of the question: best + a share of the next two), ``question`` (the
head's title-and-question vector) and ``question_model`` (the question-level model's vector). The
engine computes each list; fusing them is plain arithmetic here (``semsearch.fusion``), the same
for Qdrant Edge and a Qdrant server, with ties broken by question id.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from semsearch.filters import SearchFilter
from semsearch.fusion import Signal, fuse, ordered
from semsearch.payload import RANKING_FIELDS, language_of, position_of, question_id_of
from semsearch.query import SearchMode
from semsearch.settings import Settings
from semsearch.sparse import SparseEncoder
from semsearch.store.base import DENSE, QUESTION, QUESTION_BM25, QUESTION_MODEL, Probe, Store, StoredPoint

_LEXICAL_FIELDS = (*RANKING_FIELDS, "language")
_MAX_SCALE = 64  # deep pages fetch up to 64 times the usual depth


@dataclass(frozen=True)
class RankQuery:
    """What questions are ranked against."""

    mode: SearchMode
    text: str
    dense: np.ndarray | None = None  # the model's vector of the text (or a question's own vector)
    whole: np.ndarray | None = None  # the question-level model's vector of the text
    language: str | None = None  # the text's language when known (a question's own), else detected


@dataclass
class Gathered:
    """Each signal's questions and raw scores, and the passages the passage signal matched."""

    signals: list[Signal] = field(default_factory=list)
    passages: dict[str, list[StoredPoint]] = field(default_factory=dict)
    full: bool = False  # a list came back as long as asked: a deeper page may need more


def gather(
    store: Store,
    sparse: SparseEncoder,
    settings: Settings,
    query: RankQuery,
    flt: SearchFilter,
    scale: int = 1,
) -> Gathered:
    """One engine query per signal the mode and the weights ask for."""
    language, sure = sparse.query_language(query.text, query.language)
    weights = {str(name): w for name, w in settings.weights_for(language).items()}
    found = Gathered()
    question_depth = settings.question_depth * scale

    def question_level(name: str, using: str, probe: Probe) -> None:
        points = store.search(probe, question_depth, flt, fields=RANKING_FIELDS)
        found.full |= len(points) >= question_depth
        found.signals.append(
            Signal(name, {question_id_of(p.payload): p.score for p in points}, weights[name])
        )

    if query.mode != "sparse" and query.dense is not None:
        vector = query.dense.tolist()
        if weights.get("passages", 0) > 0:
            depth = settings.passage_depth * scale
            points = store.search(Probe(DENSE, vector), depth, flt, fields=RANKING_FIELDS)
            found.full |= len(points) >= depth
            found.passages = group(points)
            scores = {qid: passage_score(m, settings.passage_share) for qid, m in found.passages.items()}
            found.signals.append(Signal("passages", scores, weights["passages"]))
        if weights.get("question", 0) > 0:
            question_level("question", QUESTION, Probe(QUESTION, vector))
    if query.mode != "sparse" and query.whole is not None and weights.get("question_model", 0) > 0:
        question_level("question_model", QUESTION_MODEL, Probe(QUESTION_MODEL, query.whole.tolist()))
    if query.mode != "dense" and weights.get("bm25", 0) > 0:
        lexical = _lexical(store, sparse, query.text, (language, sure), flt, question_depth, found)
        discount = {
            qid: 1.0 if same else settings.cross_language_weight for qid, (_, same) in lexical.items()
        }
        scores = {qid: score * discount[qid] for qid, (score, _) in lexical.items()}
        # Normalised scores forget a common factor: a list in another language than the query's
        # also counts less as a whole.
        share = sum(discount.values()) / len(discount) if discount else 1.0
        found.signals.append(Signal("bm25", scores, weights["bm25"] * share))
    return found


def _lexical(
    store: Store,
    sparse: SparseEncoder,
    text: str,
    language: tuple[str, bool],
    flt: SearchFilter,
    depth: int,
    found: Gathered,
) -> dict[str, tuple[float, bool]]:
    """BM25 over whole questions: each question's score, and whether it is in the query's language
    (across languages only names and figures match; the rest of BM25's evidence is noise)."""
    name, sure = language
    points = store.search(Probe(QUESTION_BM25, sparse=sparse.query(text, name)), depth, flt, _LEXICAL_FIELDS)
    found.full |= len(points) >= depth
    return {
        question_id_of(p.payload): (p.score, not sure or language_of(p.payload) in (None, name))
        for p in points
    }


def rank(
    store: Store,
    sparse: SparseEncoder,
    settings: Settings,
    query: RankQuery,
    limit: int,
    offset: int,
    flt: SearchFilter,
) -> tuple[list[str], dict[str, float], Gathered]:
    """The ids of the page's questions, best first, with every fused score and what was gathered.

    ``settings`` is read on every call (an evaluation may sweep the weights on one service).
    """
    wanted = offset + limit
    scale = 1
    while True:
        found = gather(store, sparse, settings, query, flt, scale)
        fused = fuse(found.signals, settings.fusion)
        order = ordered(fused)
        # A deeper page than the lists hold: fetch deeper (its scores may then shift a little).
        if len(order) >= wanted or not found.full or scale >= _MAX_SCALE:
            return order[offset:wanted], fused, found
        scale *= 4


def group(points: list[StoredPoint]) -> dict[str, list[StoredPoint]]:
    """Each question's passages among ``points``, best first (then in the question's order)."""
    by_question: dict[str, list[StoredPoint]] = {}
    for p in points:
        by_question.setdefault(question_id_of(p.payload), []).append(p)
    for matched in by_question.values():
        matched.sort(key=lambda m: (-m.score, position_of(m.payload)))
    return by_question


def passage_score(matched: list[StoredPoint], share: float) -> float:
    """Its best passage's score, plus ``share`` of the next two: a question that matches in
    several places ranks higher."""
    return matched[0].score + share * sum(m.score for m in matched[1:3])
