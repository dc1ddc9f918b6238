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

from semsearch.fanout import SEQUENTIAL, Deferred, Fanout
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
    """What questions are ranked against. Its vectors are computed when the ranking first needs
    them, in the part of the search that uses them: a search's engine queries that need no vector
    of the passage model run while it encodes the text."""

    mode: SearchMode
    text: str
    dense_vector: Deferred[np.ndarray] | None = None  # the model's vector of the text (or a question's own)
    whole_vector: Deferred[np.ndarray | None] | None = None  # the question-level model's (or None)
    language: str | None = None  # the text's language when known (a question's own), else detected

    @property
    def dense(self) -> np.ndarray | None:
        return self.dense_vector.get() if self.dense_vector is not None else None

    @property
    def whole(self) -> np.ndarray | None:
        return self.whole_vector.get() if self.whole_vector is not None else None


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
    """One engine query per signal the mode and the weights ask for, in three parts run at once by
    ``fanout``: the passage model's signals (after its encoding, in the calling thread: the longest
    part), the question-level model's (after its encoding) and BM25 (at once). The signals are
    listed in a fixed order whatever finishes first (sums of floats in another order could break a
    tie another way)."""
    language = sparse.query_language(query.text, query.language)
    weights = {str(name): w for name, w in settings.weights_for(language[0]).items()}
    signals = _Signals(store, sparse, settings, flt, weights, scale)
    parts: list[Callable[[], list[_Part]]] = []
    if query.mode != "sparse" and query.dense_vector is not None:
        wanted = [name for name in ("passages", "question") if weights.get(name, 0) > 0]
        if wanted:
            parts.append(partial(signals.by_passage_model, query.dense_vector, wanted))
    if query.mode != "sparse" and query.whole_vector is not None and weights.get("question_model", 0) > 0:
        parts.append(partial(signals.by_question_model, query.whole_vector))
    if query.mode != "dense" and weights.get("bm25", 0) > 0:
        parts.append(partial(signals.lexical, query.text, language))
    found = Gathered()
    for part in (p for ran in fanout.run(parts) for p in ran):
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


@dataclass(frozen=True)
class _Signals:
    """The engine queries of one gathering, each giving its signal."""

    store: Store
    sparse: SparseEncoder
    settings: Settings
    flt: SearchFilter
    weights: dict[str, float]
    scale: int

    @property
    def question_depth(self) -> int:
        return self.settings.question_depth * self.scale

    def by_passage_model(self, encoded: Deferred[np.ndarray], wanted: list[str]) -> list[_Part]:
        # One after the other: an embedded engine's query holds the interpreter, so two threads
        # would not run them faster.
        vector = encoded.get().tolist()
        found = [self.passages(vector)] if "passages" in wanted else []
        if "question" in wanted:
            found.append(self.question_level("question", Probe(QUESTION, vector)))
        return found

    def by_question_model(self, encoded: Deferred[np.ndarray | None]) -> list[_Part]:
        whole = encoded.get()  # None: the index has no question-level model
        if whole is None:
            return []
        return [self.question_level("question_model", Probe(QUESTION_MODEL, whole.tolist()))]

    def question_level(self, name: str, probe: Probe) -> _Part:
        depth = self.question_depth
        points = self.store.search(probe, depth, self.flt, fields=RANKING_FIELDS)
        scores = {question_id_of(p.payload): p.score for p in points}
        return _Part(Signal(name, scores, self.weights[name]), len(points) >= depth)

    def passages(self, vector: list[float]) -> _Part:
        depth = self.settings.passage_depth * self.scale
        points = self.store.search(Probe(DENSE, vector), depth, self.flt, fields=RANKING_FIELDS)
        matched = group(points)
        scores = {qid: passage_score(m, self.settings.passage_share) for qid, m in matched.items()}
        return _Part(Signal("passages", scores, self.weights["passages"]), len(points) >= depth, matched)

    def lexical(self, text: str, language: tuple[str, bool]) -> list[_Part]:
        depth = self.question_depth
        found = _lexical(self.store, self.sparse, text, language, self.flt, depth)
        cross = self.settings.cross_language_weight
        discount = {qid: 1.0 if same else cross for qid, (_, same) in found.items()}
        scores = {qid: score * discount[qid] for qid, (score, _) in found.items()}
        # Normalised scores forget a common factor: a list in another language than the query's
        # also counts less as a whole.
        share = sum(discount.values()) / len(discount) if discount else 1.0
        return [_Part(Signal("bm25", scores, self.weights["bm25"] * share), len(found) >= depth)]


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
