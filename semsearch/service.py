"""The search service: the one core object behind the CLI, the API and the indexer."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from semsearch.embedder import Embedder, load_embedder, model_id
from semsearch.errors import EmptyQueryError, InputError, ModelMismatchError, NotFoundError
from semsearch.filters import SearchFilter
from semsearch.ids import point_id
from semsearch.models import IndexStats, MatchedPassage, PassageKind, Question, SearchHit
from semsearch.passages import build_passages, split_long
from semsearch.payload import passage_payload, question_from_payloads, summary_from_payload
from semsearch.query_cache import QueryCache
from semsearch.settings import Settings
from semsearch.sparse import SparseEncoder
from semsearch.store import PointData, Store, StoredPoint, open_store
from semsearch.store.base import Ranking

SCHEMA_VERSION = 2  # 2: a BM25 sparse vector beside the dense one
SEARCH_MODES = ("dense", "sparse", "hybrid")
MAX_PASSAGES_SHOWN = 3
_RANKING_FIELDS = ("question_id", "position")
# Passages fetched per wanted question before grouping; raised until enough questions come back.
_OVERFETCH = 5


@dataclass
class UpsertResult:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    duplicates: list[tuple[str, str]] = field(default_factory=list)  # (record identity, kept id)
    passages: int = 0


@dataclass
class _Write:
    qid: str
    question: Question
    content_hash: str
    source_hashes: list[str]
    updated: bool
    replaces: str | None = None  # a question indexed under another id, deleted once this is written


def _richness(answered: bool, answer_chars: int) -> tuple[bool, int]:
    """Of two records of one question, the one with an answer (then the longer answer) says more."""
    return answered, answer_chars


def _stored_richness(head: dict[str, Any]) -> tuple[bool, int]:
    return _richness(bool(head.get("answered")), int(head.get("answer_chars", 0)))


def _record_richness(q: Question) -> tuple[bool, int]:
    return _richness(q.answered, sum(map(len, q.answer)))


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

    @classmethod
    def open(
        cls, settings: Settings, embedder: Embedder | None = None, load_model: bool = False
    ) -> SearchService:
        """``load_model``: load the model in a thread while the store opens, for a one-off search
        from the shell, where both are most of the time (docs/performance.md)."""
        if embedder is not None or not load_model:
            return cls(settings, open_store(settings), embedder)
        loader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="semsearch-model")
        loading = loader.submit(load_embedder, settings)
        loader.shutdown(wait=False)
        try:
            store = open_store(settings)
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
        meta = self._meta()
        if meta and meta.get("schema", 1) != SCHEMA_VERSION:
            raise ModelMismatchError(
                f"the index {self.store.location} was built by an older semsearch (schema "
                f"{meta.get('schema', 1)}, now {SCHEMA_VERSION}): re-index it with "
                "'semsearch index --rebuild'"
            )
        if meta and meta.get("model") != self.model_name:
            raise ModelMismatchError(
                f"the index {self.store.location} was built with model '{meta.get('model')}' but "
                f"SEMSEARCH_MODEL is '{self.model_name}': set SEMSEARCH_MODEL={meta.get('model')}, or "
                f"re-index with the new model into a new {self._new_place_hint()} or with "
                "'semsearch index --rebuild'"
            )

    def _new_place_hint(self) -> str:
        return "collection (SEMSEARCH_COLLECTION)" if self.store.kind != "edge" else "folder (--index NEW)"

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            with self._load_lock:
                if self._embedder is None:
                    self.check_model()
                    loading, self._loading = self._loading, None
                    self._embedder = loading.result() if loading else load_embedder(self.settings)
        meta = self._meta()
        if meta and meta.get("dimension") != self._embedder.dimension:
            raise ModelMismatchError(
                f"the index {self.store.location} holds {meta.get('dimension')}-dimension vectors but "
                f"model '{self._embedder.name}' makes {self._embedder.dimension}: re-index with this model"
            )
        return self._embedder

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
        result = UpsertResult()
        latest: dict[str, Question] = {}
        for q in questions:  # a batch may repeat an id: the last record wins
            latest[q.qid] = q
        with self._write_lock:
            # Records with their own id go first, so that a page without one, in the same batch,
            # finds the question it duplicates already stored.
            self._upsert_part({k: q for k, q in latest.items() if q.id}, result)
            self._upsert_part({k: q for k, q in latest.items() if not q.id}, result)
        return result

    def _upsert_part(self, latest: dict[str, Question], result: UpsertResult) -> None:
        if not latest:
            return
        heads = self.store.heads(list(latest))
        writes: list[_Write] = []
        for qid, q in latest.items():
            write = self._plan(qid, q, heads.get(qid), result)
            if write is not None:
                writes.append(write)
        if writes:
            self._write(writes, result)

    def _plan(
        self, qid: str, q: Question, head: dict[str, Any] | None, result: UpsertResult
    ) -> _Write | None:
        digest = q.content_hash()
        if head is not None:
            if digest in head.get("source_hashes", []):
                result.unchanged.append(qid)
                return None
            return _Write(qid, q, digest, [digest], updated=True)
        other = self.store.find_natural_key(q.natural_key) if q.natural_key else None
        if other is None or other == qid:
            return _Write(qid, q, digest, [digest], updated=False)
        other_head = self.store.heads([other])[other]
        if q.id is None:
            # A page without an id that is already indexed under the source's own id (e.g. the
            # export's): the same question. Take its content only if it says more (an answer).
            if digest in other_head.get("source_hashes", []):
                result.unchanged.append(other)
                return None
            if _record_richness(q) > _stored_richness(other_head):
                return _Write(other, q, digest, [*other_head.get("source_hashes", []), digest], updated=True)
            result.duplicates.append((qid, other))
            return None
        if not other_head.get("id_derived"):
            return _Write(qid, q, digest, [digest], updated=False)
        # The record with its own id takes over a question first indexed from a page (derived id),
        # keeping whichever content says more, and both sources, so neither is re-embedded later.
        result.duplicates.append((other, qid))
        hashes = [digest, *other_head.get("source_hashes", [])]
        if _stored_richness(other_head) > _record_richness(q):
            page = self.get(other).model_copy(update={"id": qid})
            return _Write(qid, page, page.content_hash(), hashes, updated=False, replaces=other)
        return _Write(qid, q, digest, hashes, updated=False, replaces=other)

    def _write(self, writes: list[_Write], result: UpsertResult) -> None:
        embedder = self.embedder
        self._ensure_index(embedder)
        points: list[PointData] = []
        texts: list[str] = []
        for w in writes:
            language = self.sparse.language_of(
                " ".join([w.question.title, *w.question.question]), w.question.language
            )
            payload_question = w.question.model_copy(
                update={"id": w.qid if w.question.id else None, "language": w.question.language or language}
            )
            for p in build_passages(w.question, embedder.count_tokens, embedder.max_tokens):
                payload = passage_payload(payload_question, p, w.content_hash, w.source_hashes, w.qid)
                payload["answer_chars"] = sum(map(len, w.question.answer))
                sparse = self.sparse.document(p.text, language)
                points.append(PointData(point_id(w.qid, p.position), [], payload, sparse))
                texts.append(p.text)
        # The head (a question's first passage) carries the hashes that say "already indexed", so
        # it is written last: new passages first, then the old ones and any replaced page deleted,
        # then the head. A crash at any step leaves the old head, the re-run sees the question as
        # changed and does it all again; nothing stale or duplicated can be left behind.
        # One call for the whole batch: the encoder sorts it by length, so its forward passes pad
        # little. (Writing while the next chunk was embedded measured slower here: ONNX Runtime
        # already keeps both cores busy; see docs/performance.md.)
        vectors = embedder.embed_documents(texts)
        for point, vector in zip(points, vectors, strict=True):
            point.vector = vector.tolist()
        self.store.upsert([p for p in points if p.payload["position"] != 0])
        for w in writes:
            self.store.delete_question(w.qid, keep_hash=w.content_hash, keep_head=True)
            if w.replaces:
                self.store.delete_question(w.replaces)
        self.store.upsert([p for p in points if p.payload["position"] == 0])
        for w in writes:
            (result.updated if w.updated else result.added).append(w.qid)
        result.passages += len(points)

    def _ensure_index(self, embedder: Embedder) -> None:
        if self._meta() is None:
            self.store.write_meta(
                {"model": embedder.name, "dimension": embedder.dimension, "schema": SCHEMA_VERSION}
            )
        self.store.ensure_collection(embedder.dimension)

    def delete(self, question_id: str) -> None:
        with self._write_lock:
            if not self.store.heads([question_id]):
                raise NotFoundError(f"no question with id '{question_id}' in the index")
            self.store.delete_question(question_id)

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
        text = " ".join(query.split())
        if not text:
            raise EmptyQueryError("the query is empty: give some words to search for")
        if len(text) > self.settings.max_query_chars:
            raise InputError(
                f"the query has {len(text)} characters; the limit is {self.settings.max_query_chars}"
            )
        _check_page(limit, offset)
        self.check_model()
        mode = _check_mode(mode or self.settings.search_mode)
        dense = self.embed_query(text) if mode != "sparse" else None
        hits = self._grouped(self._ranking(mode, dense, text, None), limit, offset, flt or SearchFilter())
        return self._with_closeness(hits, [dense.tolist()] if dense is not None and label else [])

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
        _check_page(limit, offset)
        mode = _check_mode(mode or self.settings.search_mode)
        points = self.store.question_points(question_id, with_vectors=True)
        if not points:
            raise NotFoundError(f"no question with id '{question_id}' in the index")
        asked = [p for p in points if p.payload.get("kind") != PassageKind.answer.value]
        centroid = np.mean(np.asarray([p.vector for p in asked if p.vector], dtype=np.float32), axis=0)
        centroid /= max(float(np.linalg.norm(centroid)), 1e-12)
        text = " ".join(p.payload["text"] for p in asked)
        ranking = self._ranking(mode, centroid, text, points[0].payload.get("language"))
        base = flt or SearchFilter()
        scoped = SearchFilter(**{**base.__dict__, "exclude_question": question_id})
        hits = self._grouped(ranking, limit, offset, scoped)
        return self._with_closeness(hits, [p.vector for p in asked if p.vector] if label else [])

    def _ranking(self, mode: str, dense: np.ndarray | None, text: str, language: str | None) -> Ranking:
        lang = self.sparse.language_of(text, language)
        sparse = self.sparse.query(text, lang) if mode != "dense" else None
        # Another language: BM25 weighed as in French and English, where 1:4 measured best.
        weights = self.settings.hybrid_weights.get(lang, (1, 4))
        vector = dense.tolist() if dense is not None else None
        return Ranking(mode, vector, sparse, weights=weights, rrf_k=self.settings.rrf_k)

    def _grouped(self, ranking: Ranking, limit: int, offset: int, flt: SearchFilter) -> list[SearchHit]:
        wanted = offset + limit
        # At least a fixed depth: a question's score counts its next passages among those fetched,
        # so every page of one query must see the same passages (up to deep pages).
        fetch = max(wanted * _OVERFETCH, ranking.depth)
        while True:
            # Ranking needs only each passage's question and position; the payloads (texts,
            # metadata) are read for the page's passages alone: reading them for the whole fetch
            # was a third of a search's time at 400,000 passages (docs/performance.md).
            points = self.store.search(ranking, fetch, flt, fields=_RANKING_FIELDS)
            groups = _group(points, self.settings.passage_share)
            # Fewer points than asked means the engine has no more: the groups are all there is.
            if len(groups) >= wanted or len(points) < fetch:
                return self._hits(groups[offset:wanted])
            fetch *= 4

    def _hits(self, groups: list[_Group]) -> list[SearchHit]:
        payloads = self.store.payloads([m.id for g in groups for m in g.matched[:MAX_PASSAGES_SHOWN]])
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

    def _with_closeness(self, hits: list[SearchHit], probes: list[list[float]]) -> list[SearchHit]:
        """Each hit's similarity and its precedent label.

        Fused scores are ranks, not comparable from one query to another; cosines are, so the
        labels' thresholds are fitted on them. A hit's similarity is the mean, over the probes (the
        query's vector, or each passage of a question asked about), of the probe's best cosine
        with the hit's passages: 1.0 for the same text. One engine query per probe, on the page.
        """
        if not probes or not hits:
            return hits
        only = SearchFilter(only_questions=tuple(h.id for h in hits))
        totals: dict[str, float] = dict.fromkeys(only.only_questions or (), 0.0)
        for probe in probes:
            best: dict[str, float] = {}
            for p in self.store.search(Ranking("dense", probe), 40 * len(hits), only, fields=["question_id"]):
                best.setdefault(p.payload["question_id"], p.score)
            for qid in totals:
                totals[qid] += best.get(qid, 0.0)
        for hit in hits:
            hit.similarity = totals[hit.id] / len(probes)
            thresholds = sorted(self._thresholds(hit.language).items(), key=lambda t: -t[1])
            hit.closeness = next((label for label, t in thresholds if hit.similarity >= t), None)
        return hits

    def _thresholds(self, language: str | None) -> dict[str, float]:
        table = self.settings.closeness_thresholds
        return table.get(language or "", table.get("en") or next(iter(table.values()), {}))

    def duplicates(self, threshold: float | None = None, neighbours: int = 5) -> list[list[SearchHit]]:
        """Groups of near-duplicate questions: each question's closest ones with a similarity at
        or above ``threshold`` (default: the 'same question' threshold), joined transitively."""
        heads = self.store.heads(None)
        parent = {qid: qid for qid in heads}

        def root(qid: str) -> str:
            while parent[qid] != qid:
                parent[qid] = parent[parent[qid]]
                qid = parent[qid]
            return qid

        for qid in sorted(heads):
            for hit in self.related(qid, limit=neighbours, mode="dense"):
                limit = (
                    threshold if threshold is not None else self._thresholds(hit.language)["same question"]
                )
                if hit.similarity is not None and hit.similarity >= limit and hit.id in parent:
                    parent[root(hit.id)] = root(qid)
        groups: dict[str, list[str]] = {}
        for qid in sorted(heads):
            groups.setdefault(root(qid), []).append(qid)
        found = [
            [SearchHit(**summary_from_payload(heads[q]), score=1.0) for q in members]
            for members in groups.values()
            if len(members) > 1
        ]
        return sorted(found, key=lambda g: (-len(g), g[0].id))

    def get(self, question_id: str) -> Question:
        points = self.store.question_points(question_id)
        if not points:
            raise NotFoundError(f"no question with id '{question_id}' in the index")
        return question_from_payloads([p.payload for p in points])

    def stats(self) -> IndexStats:
        meta = self.store.read_meta() or {}
        return IndexStats(
            questions=self.store.count(heads_only=True),
            passages=self.store.count(),
            answered=self.store.count(SearchFilter(answered=True), heads_only=True),
            model=meta.get("model"),
            dimension=meta.get("dimension"),
            store=self.store.kind,
            location=self.store.location,
        )


def _check_mode(mode: str) -> str:
    if mode not in SEARCH_MODES:
        raise InputError(f"mode must be one of {', '.join(SEARCH_MODES)}, not '{mode}'")
    return mode


def _check_page(limit: int, offset: int) -> None:
    if not 1 <= limit <= 100:
        raise InputError(f"limit must be between 1 and 100, not {limit}")
    if not 0 <= offset <= 10_000:
        raise InputError(f"offset must be between 0 and 10000, not {offset}")


@dataclass
class _Group:
    """A question's passages among the fetched ones, best first, and the question's score."""

    question_id: str
    score: float
    matched: list[StoredPoint]

    def hit(self, shown: list[StoredPoint]) -> SearchHit:
        """The result, showing ``shown`` (its best passages, with their whole payloads)."""
        passages = [
            MatchedPassage(
                kind=m.payload["kind"],
                paragraph=m.payload["paragraph"],
                text=m.payload["text"],
                score=m.score,
            )
            for m in shown
        ]
        summary = summary_from_payload(shown[0].payload)
        return SearchHit(**summary, score=self.score, passages=passages)


def _group(points: list[StoredPoint], share: float = 0.0) -> list[_Group]:
    """One group per question, best first. Its score is its best passage's, plus ``share`` of the
    next two (a question that matches in several places ranks higher). Results are built for the
    page only: the fetch holds a few hundred passages, a page ten questions."""
    by_question: dict[str, list[StoredPoint]] = {}
    for p in points:  # points come best first, so each list is too
        by_question.setdefault(p.payload["question_id"], []).append(p)
    groups = []
    for qid, matched in by_question.items():
        matched.sort(key=lambda m: (-m.score, m.payload["position"]))
        score = matched[0].score + share * sum(m.score for m in matched[1:3])
        groups.append(_Group(qid, score, matched))
    # Equal scores are ordered by id, so that pages never overlap.
    return sorted(groups, key=lambda g: (-g.score, g.question_id))
