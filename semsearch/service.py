"""The search service: the one core object behind the CLI, the API and the indexer.

A facade: it opens the store and the model, checks them against each other, validates what is
asked (``semsearch.query``) and hands the work to the modules named by their role:
``writing`` (upserts and their crash-safe order), ``ranking`` (passages to a page of questions),
``labels`` (similarity and precedent labels), ``closeness`` (pages of a label or closer) and
``duplicates``; what the faces show around a search (stats, routing, answer times, feeds' newest
results, whether there is an index) is in its base class, ``service_views``.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any, TypedDict

import numpy as np

from semsearch import index_meta, queries
from semsearch.duplicates import Progress, closest_questions, find_duplicates
from semsearch.embedding.cache import QueryCache
from semsearch.embedding.loader import (
    NO_QUESTION_MODEL,
    Models,
    lazy_models,
    model_id,
    question_model_id,
    vector_precision,
)
from semsearch.embedding.protocol import Embedder
from semsearch.errors import NotFoundError
from semsearch.fanout import Fanout
from semsearch.filters import SearchFilter
from semsearch.generations import Recovery
from semsearch.id_migration import bring_up_to_date
from semsearch.integrity import CheckReport
from semsearch.integrity import check as check_index
from semsearch.labels import QUESTION as QUESTION_ASKED
from semsearch.labels import TEXT as TEXT_ASKED
from semsearch.labels import with_closeness
from semsearch.models import Question, SearchHit
from semsearch.passages import split_long
from semsearch.payload import (
    question_from_payloads,
)
from semsearch.query import check_page
from semsearch.ranking import RankQuery, rank
from semsearch.results import hits
from semsearch.service_views import ServiceViews
from semsearch.settings import Settings
from semsearch.sparse import SparseEncoder
from semsearch.store import Store, open_store, surely_missing
from semsearch.store.base import QUESTION, Layout
from semsearch.store.conditions import every_point_of
from semsearch.writing import Encoders, UpsertResult, Writer

__all__ = ["Options", "SearchService", "UpsertResult"]


class Options(TypedDict, total=False):
    """What a search or a related-questions request may add to its text or id and its page."""

    flt: SearchFilter | None
    mode: str | None


class SearchService(ServiceViews):
    def __init__(
        self,
        settings: Settings,
        store: Store,
        embedder: Embedder | None = None,
        models: Models | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self.passage_model, self.question_model = models or lazy_models(settings, embedder)
        self._known_meta: dict[str, Any] | None = None
        # Writes go one at a time: two first writes would both create the collection, and two
        # writes of one question would plan against the same old state. Reads never wait.
        self._write_lock = threading.Lock()
        self.sparse = SparseEncoder(settings.language, settings.bm25_avg_len)
        # Paging through a query, or asking it again, costs no forward pass.
        self.query_cache = QueryCache(settings.query_cache_size)
        self.whole_cache = QueryCache(settings.query_cache_size)  # the question-level model's vectors
        self.fanout = Fanout(settings.query_threads)
        self._writer = Writer(store, self.sparse, self._writable, self.get, settings.title_weight)

    @classmethod
    def open(
        cls,
        settings: Settings,
        embedder: Embedder | None = None,
        load_model: bool = False,
        create: bool = True,
    ) -> SearchService:
        """``load_model``: load both models in threads while the store opens (unless it is surely
        missing), for a one-off search from the shell and for ``serve``'s start
        (``semsearch.embedding.lazy``). ``create=False``: a missing index stays missing until the
        first write (reading commands, ``serve``)."""
        models = lazy_models(settings, embedder)
        if load_model and embedder is None and not surely_missing(settings):
            for model in models:
                model.start()
        try:
            store = open_store(settings, create)
        except BaseException:
            for model in models:
                model.cancel()
            raise
        return cls(settings, store, models=models)

    def warm_store(self) -> None:
        """Have the store bring what searches read into memory, in the background (``serve``)."""
        if self.settings.warm_page_cache:
            self.store.warm()

    def close(self, leave_cached: bool = False) -> None:
        """``leave_cached``: the process ends next (``Store.close``)."""
        self.fanout.close()
        self.store.close(leave_cached)

    def __enter__(self) -> SearchService:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the model ----------------------------------------------------------------------------
    @property
    def model_name(self) -> str:
        loaded = self.passage_model.loaded
        return loaded.name if loaded is not None else model_id(self.settings.model)

    def _meta(self) -> dict[str, Any] | None:
        """The index's record, read once it exists (each search checks it: a file read or a round trip)."""
        if self._known_meta is None:
            self._known_meta = self.store.read_meta()
        return self._known_meta

    def check_model(self) -> None:
        """Refuse an index built with another model, before any model is loaded."""
        place = "collection (SEMSEARCH_COLLECTION)" if self.store.kind != "edge" else "folder (--index NEW)"
        meta, location = self._meta(), self.store.location
        index_meta.check_model(meta, self.model_name, question_model_id(self.settings), location, place)
        loaded = self.passage_model.loaded
        precision = loaded.precision if loaded is not None else vector_precision(self.settings)
        index_meta.check_precision(meta, self.model_name, precision, location)

    @property
    def embedder(self) -> Embedder:
        embedder = self.passage_model.get(before=self.check_model)
        index_meta.check_dimension(self._meta(), embedder.name, embedder.dimension, self.store.location)
        index_meta.check_precision(self._meta(), embedder.name, embedder.precision, self.store.location)
        return embedder

    @property
    def question_embedder(self) -> Embedder | None:
        """The question-level model (None when the index has none)."""
        if question_model_id(self.settings) == NO_QUESTION_MODEL:
            return None
        return self.question_model.get(before=self.check_model)

    def embed_query(self, text: str) -> np.ndarray:
        return self.query_cache.get(text, self._embed_query)

    def embed_whole(self, text: str) -> np.ndarray | None:
        """The question-level model's vector of a text (None without one)."""
        encoder = self.question_embedder
        return self.whole_cache.get(text, encoder.embed_query) if encoder is not None else None

    def _embed_query(self, text: str) -> np.ndarray:
        embedder = self.embedder
        chunks = split_long(text, embedder.count_tokens, embedder.max_tokens)
        if len(chunks) == 1:
            return embedder.embed_query(text)
        # A long draft would be truncated by the model: average its parts instead.
        mean = np.mean([embedder.embed_query(c) for c in chunks], axis=0)
        return mean / max(float(np.linalg.norm(mean)), 1e-12)

    # -- writing ------------------------------------------------------------------------------
    def upsert(self, questions: Sequence[Question]) -> UpsertResult:
        """Index questions: new ones are added, changed ones replaced whole, unchanged ones skipped."""
        with self._write_lock:
            meta = self._meta()
            if meta is not None:  # before planning: merges look questions up by their natural key
                self._known_meta = bring_up_to_date(self.store, meta)
            return self._writer.upsert(questions)

    def _writable(self) -> Encoders:
        """The encoders, once the index exists for them (models recorded, collection made)."""
        embedder, question = self.embedder, self.question_embedder
        question_dimension = question.dimension if question is not None else None
        if self._meta() is None:
            self._known_meta = index_meta.new_meta(
                embedder.name,
                embedder.dimension,
                question_model_id(self.settings),
                question_dimension,
                embedder.precision,
            )
            self.store.write_meta(self._known_meta)
        self.store.ensure_collection(Layout(embedder.dimension, question_dimension))
        return Encoders(embedder, question)

    def delete(self, question_id: str) -> None:
        with self._write_lock:
            if not self.store.heads([question_id]):
                raise NotFoundError(f"no question with id '{question_id}' in the index")
            self.store.delete(every_point_of([question_id]))

    def recover(self) -> Recovery:
        """Finish or remove the writes a crash left unfinished (``semsearch.generations``); a
        writer does it before its first write, ``serve`` when it starts."""
        with self._write_lock:
            return self._writer.recover()

    def check(self, repair: bool = False) -> CheckReport:
        """Verify the index passage by passage; ``repair`` what can be (``semsearch.integrity``)."""
        with self._write_lock:
            dimension = index_meta.dimension_of(self._meta())
            return check_index(self.store, dimension, repair, reembed=self._writer.reembed)

    def optimize(self) -> None:
        with self._write_lock:
            self.store.optimize()

    # -- reading ------------------------------------------------------------------------------
    def search(
        self,
        query: str,
        limit: int = 10,
        offset: int = 0,
        flt: SearchFilter | None = None,
        mode: str | None = None,
        label: bool = True,
    ) -> list[SearchHit]:
        """Questions closest to a text; ``label=False`` skips the precedent labels (rankings do not
        need them: evaluations use it)."""
        check_page(limit, offset)
        ranked = self.text_query(query, mode)
        return self._page(ranked, limit, offset, flt or SearchFilter(), about_question=False, label=label)

    def related(
        self,
        question_id: str,
        limit: int = 10,
        offset: int = 0,
        flt: SearchFilter | None = None,
        mode: str | None = None,
        label: bool = True,
    ) -> list[SearchHit]:
        """Questions close to an indexed one (itself excluded)."""
        check_page(limit, offset)
        ranked = self.question_query(question_id, mode)
        base = flt or SearchFilter()
        scoped = SearchFilter(**{**base.__dict__, "exclude_question": question_id})
        return self._page(ranked, limit, offset, scoped, about_question=True, label=label)

    def text_query(self, query: str, mode: str | None = None, whole: bool | None = None) -> RankQuery:
        return queries.text_query(self, query, mode, whole)

    def question_query(
        self, question_id: str, mode: str | None = None, whole: bool | None = None
    ) -> RankQuery:
        return queries.question_query(self, question_id, mode, whole)

    def _page(
        self, query: RankQuery, limit: int, offset: int, flt: SearchFilter, about_question: bool, label: bool
    ) -> list[SearchHit]:
        ids, fused, gathered = rank(
            self.store, self.sparse, self.settings, query, limit, offset, flt, self.fanout
        )
        found = hits(self.store, ids, fused, query, gathered, about_question)
        asked = QUESTION_ASKED if about_question else TEXT_ASKED
        return with_closeness(found, self.settings.closeness_thresholds, asked) if label else found

    def duplicates(
        self, threshold: float | None = None, neighbours: int = 5, on_progress: Progress | None = None
    ) -> list[list[SearchHit]]:
        """Groups of near-duplicate questions: each question's closest ones by their title-and-
        question vectors with a cosine at or above ``threshold`` (default: the 'same question'
        threshold), joined transitively. ``on_progress(total)`` is called once with the number of
        questions, then ``(None)`` after each."""
        self.check_model()
        vectors = self.store.head_vectors(QUESTION)
        return find_duplicates(
            self.store.heads(None),
            lambda qid, heads: closest_questions(self.store, qid, vectors.get(qid), heads, neighbours),
            self.settings.closeness_thresholds[QUESTION_ASKED],
            threshold,
            on_progress,
        )

    def get(self, question_id: str) -> Question:
        points = self.store.question_points(question_id)
        if not points:
            raise NotFoundError(f"no question with id '{question_id}' in the index")
        return question_from_payloads([p.payload for p in points])
