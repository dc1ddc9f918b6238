"""Ranking: from a query to the ordered questions of a page.

Questions are ranked as wholes. Each signal is one engine query and scores questions its own way:
``bm25`` (BM25 over the whole question, title weighted, on the head's sparse vector), ``passages``
(the model's best passages of the question: best + a share of the next two), ``question`` (the
head's title-and-question vector) and ``question_model`` (the question-level model's vector). The
engine computes each list; fusing them is plain arithmetic here (``semsearch.fusion``), the same
for Qdrant Edge and a Qdrant server, with ties broken by question id.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

import numpy as np

from semsearch.fanout import SEQUENTIAL, Fanout
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
    fanout: Fanout = SEQUENTIAL,
) -> Gathered:
    """One engine query per signal the mode and the weights ask for, run at once by ``fanout``;
    the signals are listed in a fixed order whatever finishes first (sums of floats in another
    order could break a tie another way)."""
    language, sure = sparse.query_language(query.text, query.language)
    weights = {str(name): w for name, w in settings.weights_for(language).items()}
    question_depth = settings.question_depth * scale
    tasks: list[Callable[[], _Part]] = []

    def question_level(name: str, probe: Probe) -> _Part:
        points = store.search(probe, question_depth, flt, fields=RANKING_FIELDS)
        scores = {question_id_of(p.payload): p.score for p in points}
        return _Part(Signal(name, scores, weights[name]), len(points) >= question_depth)

    def passages(vector: list[float]) -> _Part:
        depth = settings.passage_depth * scale
        points = store.search(Probe(DENSE, vector), depth, flt, fields=RANKING_FIELDS)
        matched = group(points)
        scores = {qid: passage_score(m, settings.passage_share) for qid, m in matched.items()}
        return _Part(Signal("passages", scores, weights["passages"]), len(points) >= depth, matched)

    def lexical() -> _Part:
        found = _lexical(store, sparse, query.text, (language, sure), flt, question_depth)
        discount = {qid: 1.0 if same else settings.cross_language_weight for qid, (_, same) in found.items()}
        scores = {qid: score * discount[qid] for qid, (score, _) in found.items()}
        # Normalised scores forget a common factor: a list in another language than the query's
        # also counts less as a whole.
        share = sum(discount.values()) / len(discount) if discount else 1.0
        return _Part(Signal("bm25", scores, weights["bm25"] * share), len(found) >= question_depth)

    if query.mode != "sparse" and query.dense is not None:
        vector = query.dense.tolist()
        if weights.get("passages", 0) > 0:
            tasks.append(partial(passages, vector))
        if weights.get("question", 0) > 0:
            tasks.append(partial(question_level, "question", Probe(QUESTION, vector)))
    if query.mode != "sparse" and query.whole is not None and weights.get("question_model", 0) > 0:
        tasks.append(partial(question_level, "question_model", Probe(QUESTION_MODEL, query.whole.tolist())))
    if query.mode != "dense" and weights.get("bm25", 0) > 0:
        tasks.append(lexical)
    found = Gathered()
    for part in fanout.run(tasks):
        found.signals.append(part.signal)
        found.full |= part.full
        if part.passages is not None:
            found.passages = part.passages
    return found


@dataclass(frozen=True)
class _Part:
    """One signal's engine query: its scores, whether its list came back full, and (the passage
    signal) the passages it matched."""

    signal: Signal
    full: bool
    passages: dict[str, list[StoredPoint]] | None = None


def _lexical(
    store: Store,
    sparse: SparseEncoder,
    text: str,
    language: tuple[str, bool],
    flt: SearchFilter,
    depth: int,
) -> dict[str, tuple[float, bool]]:
    """BM25 over whole questions: each question's score, and whether it is in the query's language
    (across languages only names and figures match; the rest of BM25's evidence is noise)."""
    name, sure = language
    points = store.search(Probe(QUESTION_BM25, sparse=sparse.query(text, name)), depth, flt, _LEXICAL_FIELDS)
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
    fanout: Fanout = SEQUENTIAL,
) -> tuple[list[str], dict[str, float], Gathered]:
    """The ids of the page's questions, best first, with every fused score and what was gathered.

    ``settings`` is read on every call (an evaluation may sweep the weights on one service).
    """
    wanted = offset + limit
    scale = 1
    while True:
        found = gather(store, sparse, settings, query, flt, scale, fanout)
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
