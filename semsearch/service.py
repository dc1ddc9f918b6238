"""The search service: the one core object behind the CLI, the API and the indexer.

A facade: it opens the store and the model, checks them against each other, validates what is
asked (``semsearch.query``) and hands the work to the modules named by their role:
``writing`` (upserts and their crash-safe order), ``ranking`` (passages to a page of questions),
``labels`` (similarity and precedent labels) and ``duplicates``.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypedDict, Unpack

import numpy as np

from semsearch import index_meta
from semsearch.duplicates import find_duplicates
from semsearch.embedding.cache import QueryCache
from semsearch.embedding.loader import load_embedder, model_id
from semsearch.embedding.protocol import Embedder
from semsearch.errors import NotFoundError
from semsearch.filters import SearchFilter
from semsearch.generations import Recovery
from semsearch.id_migration import bring_up_to_date
from semsearch.integrity import CheckReport, probe
from semsearch.integrity import check as check_index
from semsearch.labels import with_closeness
from semsearch.models import IndexStats, Question, SearchHit
from semsearch.passages import split_long
from semsearch.payload import is_answer, language_of, question_from_payloads, text_of
from semsearch.query import check_mode, check_page, query_text
from semsearch.ranking import Page, RankQuery, page, rank
from semsearch.settings import Settings
from semsearch.sparse import SparseEncoder
from semsearch.store import Store, open_store
from semsearch.store.conditions import every_point_of
from semsearch.writing import UpsertResult, Writer

__all__ = ["Options", "SearchService", "UpsertResult"]


class Options(TypedDict, total=False):
    """What a search or a related-questions request may add to its text or id and its page."""

    flt: SearchFilter | None
    mode: str | None


class SearchService:
    def __init__(
        self,
        settings: Settings,
        store: Store,
        embedder: Embedder | None = None,
        loading: Future[Embedder] | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self._embedder = embedder
        self._loading = loading  # a model being loaded while the store opened
        self._known_meta: dict[str, Any] | None = None
        # Writes go one at a time: two first writes would both create the collection, and two
        # writes of one question would plan against the same old state. Reads never wait.
        self._write_lock = threading.Lock()
        self._load_lock = threading.Lock()  # two first requests must not load the model twice
        self.sparse = SparseEncoder(settings.language, settings.bm25_avg_len)
        # Paging through a query, or asking it again, costs no forward pass.
        self.query_cache = QueryCache(settings.query_cache_size)
        self._writer = Writer(store, self.sparse, self._writable, self.get)

    @classmethod
    def open(
        cls,
        settings: Settings,
        embedder: Embedder | None = None,
        load_model: bool = False,
        read_only: bool = False,
    ) -> SearchService:
        """``load_model``: load the model in a thread while the store opens, for a one-off search
        from the shell, where both are most of the time (docs/performance.md). ``read_only``: the
        service only reads (a read-only index folder can then be opened)."""
        if embedder is not None or not load_model:
            return cls(settings, open_store(settings, read_only), embedder)
        loader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="semsearch-model")
        loading = loader.submit(load_embedder, settings)
        loader.shutdown(wait=False)
        try:
            store = open_store(settings, read_only)
        except BaseException:
            loading.cancel()
            raise
        return cls(settings, store, loading=loading)

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> SearchService:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the model ----------------------------------------------------------------------------
    @property
    def model_name(self) -> str:
        return self._embedder.name if self._embedder is not None else model_id(self.settings.model)

    def _meta(self) -> dict[str, Any] | None:
        """The index's recorded model, read once it exists: every search checks it, and reading
        it each time cost a file read (Edge) or a server round trip per request."""
        if self._known_meta is None:
            self._known_meta = self.store.read_meta()
        return self._known_meta

    def check_model(self) -> None:
        """Refuse an index built with another model, before any model is loaded."""
        new_place = (
            "collection (SEMSEARCH_COLLECTION)" if self.store.kind != "edge" else "folder (--index NEW)"
        )
        index_meta.check_model(self._meta(), self.model_name, self.store.location, new_place)

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            with self._load_lock:
                if self._embedder is None:
                    self.check_model()
                    loading, self._loading = self._loading, None
                    self._embedder = loading.result() if loading else load_embedder(self.settings)
        embedder = self._embedder
        index_meta.check_dimension(self._meta(), embedder.name, embedder.dimension, self.store.location)
        return embedder

    def embed_query(self, text: str) -> np.ndarray:
        return self.query_cache.get(text, self._embed_query)

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

    def _writable(self) -> Embedder:
        """The embedder, once the index exists for it (its model recorded, its collection made)."""
        embedder = self.embedder
        if self._meta() is None:
            self.store.write_meta(index_meta.new_meta(embedder.name, embedder.dimension))
        self.store.ensure_collection(embedder.dimension)
        return embedder

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
        """Questions closest to a text; ``label=False`` skips the similarity and precedent label
        (one engine query per page, which rankings do not need: evaluations use it)."""
        text = query_text(query, self.settings.max_query_chars)
        check_page(limit, offset)
        self.check_model()
        chosen = check_mode(mode or self.settings.search_mode)
        dense = self.embed_query(text) if chosen != "sparse" else None
        hits = self._rank(RankQuery(chosen, text, dense), limit, offset, flt or SearchFilter())
        return self._labelled(hits, [dense.tolist()] if dense is not None and label else [])

    def related(
        self,
        question_id: str,
        limit: int = 10,
        offset: int = 0,
        flt: SearchFilter | None = None,
        mode: str | None = None,
        label: bool = True,
    ) -> list[SearchHit]:
        """Questions close to an indexed one (itself excluded), from its stored vectors and text."""
        check_page(limit, offset)
        chosen = check_mode(mode or self.settings.search_mode)
        points = self.store.question_points(question_id, with_vectors=True)
        if not points:
            raise NotFoundError(f"no question with id '{question_id}' in the index")
        asked = [p for p in points if not is_answer(p.payload)]
        centroid = np.mean(np.asarray([p.vector for p in asked if p.vector], dtype=np.float32), axis=0)
        centroid /= max(float(np.linalg.norm(centroid)), 1e-12)
        text = " ".join(text_of(p.payload) for p in asked)
        query = RankQuery(chosen, text, centroid, language_of(points[0].payload))
        base = flt or SearchFilter()
        scoped = SearchFilter(**{**base.__dict__, "exclude_question": question_id})
        hits = self._rank(query, limit, offset, scoped)
        return self._labelled(hits, [p.vector for p in asked if p.vector] if label else [])

    def search_page(self, query: str, limit: int = 10, offset: int = 0, **options: Unpack[Options]) -> Page:
        """:meth:`search`'s page and the offset of the next one (None on the last page)."""
        return page(lambda n, skip: self.search(query, n, skip, **options), limit, offset)

    def related_page(
        self, question_id: str, limit: int = 10, offset: int = 0, **options: Unpack[Options]
    ) -> Page:
        """:meth:`related`'s page and the offset of the next one (None on the last page)."""
        return page(lambda n, skip: self.related(question_id, n, skip, **options), limit, offset)

    def _rank(self, query: RankQuery, limit: int, offset: int, flt: SearchFilter) -> list[SearchHit]:
        return rank(self.store, self.sparse, self.settings, query, limit, offset, flt)

    def _labelled(self, hits: list[SearchHit], probes: list[list[float]]) -> list[SearchHit]:
        return with_closeness(self.store, hits, probes, self.settings.closeness_thresholds)

    def duplicates(self, threshold: float | None = None, neighbours: int = 5) -> list[list[SearchHit]]:
        """Groups of near-duplicate questions: each question's closest ones with a similarity at
        or above ``threshold`` (default: the 'same question' threshold), joined transitively."""
        return find_duplicates(
            self.store.heads(None),
            lambda qid: self.related(qid, limit=neighbours, mode="dense"),
            self.settings.closeness_thresholds,
            threshold,
        )

    def get(self, question_id: str) -> Question:
        points = self.store.question_points(question_id)
        if not points:
            raise NotFoundError(f"no question with id '{question_id}' in the index")
        return question_from_payloads([p.payload for p in points])

    def probe(self) -> None:
        """Read what a search reads, or raise (``/health``; ``semsearch.integrity.probe``)."""
        probe(self.store, index_meta.dimension_of(self._meta()))

    def stats(self) -> IndexStats:
        meta = self.store.read_meta()
        return IndexStats(
            questions=self.store.count(heads_only=True),
            passages=self.store.count(),
            answered=self.store.count(SearchFilter(answered=True), heads_only=True),
            model=index_meta.model_of(meta),
            dimension=index_meta.dimension_of(meta),
            store=self.store.kind,
            location=self.store.location,
        )
