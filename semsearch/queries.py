"""What a search or a related lookup ranks by: a text, or an indexed question, made into a
:class:`~semsearch.ranking.RankQuery` (its vectors computed, or read from the index)."""

from __future__ import annotations

from typing import Protocol

import numpy as np

from semsearch.errors import NotFoundError
from semsearch.fanout import Deferred
from semsearch.payload import is_answer, language_of, text_of
from semsearch.query import check_mode, query_text
from semsearch.ranking import RankQuery
from semsearch.settings import Settings
from semsearch.sparse import SparseEncoder
from semsearch.store.base import QUESTION, Store


class Encoding(Protocol):
    """What building a query needs of the service."""

    settings: Settings
    sparse: SparseEncoder
    store: Store

    def check_model(self) -> None: ...

    def embed_query(self, text: str) -> np.ndarray: ...

    def embed_whole(self, text: str) -> np.ndarray | None: ...


def uses_whole(service: Encoding, text: str, language: str | None) -> bool:
    """Whether the query's language weighs the question-level model (else: no forward pass)."""
    detected, _ = service.sparse.query_language(text, language)
    return service.settings.weights_for(detected).get("question_model", 0) > 0


def text_query(service: Encoding, query: str, mode: str | None, whole: bool | None) -> RankQuery:
    """A search for a text; ``whole``: compute the question-level model's vector (None: when the
    query's language weighs it). The vectors are computed by the ranking, in the parts of the
    search that use them (``semsearch.ranking.gather``)."""
    text = query_text(query, service.settings.max_query_chars)
    service.check_model()
    chosen = check_mode(mode or service.settings.search_mode)
    if chosen == "sparse":
        return RankQuery(chosen, text)
    wanted = uses_whole(service, text, None) if whole is None else whole
    vector = Deferred(lambda: service.embed_whole(text)) if wanted else None
    return RankQuery(chosen, text, Deferred(lambda: service.embed_query(text)), vector)


def question_query(service: Encoding, question_id: str, mode: str | None, whole: bool | None) -> RankQuery:
    """A related lookup: the question's title and question paragraphs, as text (BM25, the
    question-level model) and as its stored title-and-question vector (no forward pass)."""
    service.check_model()
    chosen = check_mode(mode or service.settings.search_mode)
    points = service.store.question_points(question_id, with_vectors=True)
    if not points:
        raise NotFoundError(f"no question with id '{question_id}' in the index")
    text = " ".join(text_of(p.payload) for p in points if not is_answer(p.payload))
    language = language_of(points[0].payload)
    if chosen == "sparse":
        return RankQuery(chosen, text, language=language)
    stored = points[0].vectors.get(QUESTION)
    dense = (
        Deferred.of(np.asarray(stored, dtype=np.float32))
        if stored
        else Deferred(lambda: service.embed_query(text))
    )
    wanted = uses_whole(service, text, language) if whole is None else whole
    vector = Deferred(lambda: service.embed_whole(text)) if wanted else None
    return RankQuery(chosen, text, dense, vector, language)
