"""The server backend: a Qdrant server or cluster, through qdrant-client.

Same payload, same payload indexes and the same answers as the embedded backend
(``tests/test_store_congruence.py`` holds both to it). The model and dimension live in the
collection's own metadata, so no point is reserved for them and no count or search sees them.

Nothing is sent to the server until the store is used: an API can start while its server is
down, and report it on ``/health`` instead of refusing to start.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from functools import partial
from typing import Any, TypeVar

from qdrant_client import QdrantClient
from qdrant_client import models as m
from qdrant_client.http.exceptions import UnexpectedResponse

from semsearch.errors import ModelMismatchError, StoreUnavailableError
from semsearch.filters import SearchFilter
from semsearch.payload import QUESTION_FIELDS, position_of, question_id_of
from semsearch.settings import Settings
from semsearch.store import conditions as cond
from semsearch.store.base import DENSE, Layout, PointData, Probe, StoredPoint, check_units
from semsearch.store.server_calls import Missing, attempt
from semsearch.store.server_models import (
    PAYLOAD_SCHEMA,
    SPARSE_VECTORS,
    dense_of,
    filter_of,
    nearest,
    point_data,
    to_server_filter,
    vectors_config,
    vectors_of,
)

T = TypeVar("T")

_SCROLL_PAGE = 1000
_UPSERT_BATCH = 512  # points per request, so that a failed request is cheap to send again
_NO_PAGE: tuple[list[m.Record], Any] = ([], None)


class ServerStore:
    kind = "server"
    # Several processes may write one collection: an unfinished write found there may be one in
    # progress (semsearch.generations rolls such a write back only once it is old).
    exclusive = False

    def __init__(self, settings: Settings) -> None:
        self.url = str(settings.qdrant_url).rstrip("/")
        self.collection = settings.collection
        self.location = f"{self.url} (collection '{self.collection}')"
        self.timeout = math.ceil(settings.qdrant_timeout)
        self.settings = settings
        # The client's version check runs in a thread and prints a warning whenever the server is
        # down at start; the pinned client (see docs/server.md) is the check that matters.
        self.client = QdrantClient(
            url=self.url, api_key=settings.qdrant_api_key, timeout=self.timeout, check_compatibility=False
        )
        self._pinged = False
        self._exists = False
        self._pending_meta: dict[str, Any] | None = None

    def _attempt(self, what: str, fn: Callable[[], T]) -> T:
        try:
            return attempt(what, fn, self.url, self.timeout)
        except Missing:
            self._exists = False  # dropped behind our back: ensure_collection creates it again
            raise

    def _call(self, what: str, fn: Callable[[], T]) -> T:
        if not self._pinged:
            self.ping()
        return self._attempt(what, fn)

    def _read(self, what: str, fn: Callable[[], T], empty: T) -> T:
        """A read on a collection not created yet finds nothing, as on an empty embedded index."""
        try:
            return self._call(what, fn)
        except Missing:
            return empty

    def _write(self, what: str, fn: Callable[[], object]) -> None:
        try:
            self._call(what, fn)
        except Missing:
            missing = f"{self.location} does not exist: run 'semsearch index' first"
            raise StoreUnavailableError(missing) from None

    def ping(self) -> str:
        """The server's version once it has answered a request with the key, or StoreUnavailableError."""
        try:
            version = self._attempt("tell its version", self.client.info).version
        except (Missing, ValueError):  # ValueError: a body that is not Qdrant's JSON
            raise StoreUnavailableError(f"{self.url} does not answer like a Qdrant server") from None
        # The version needs no key: ask for something that does, so a wrong key shows here too.
        self._attempt("read the collection", partial(self.client.collection_exists, self.collection))
        self._pinged = True
        return version

    # -- metadata -------------------------------------------------------------------------
    def _info(self) -> m.CollectionInfo | None:
        return self._read("read the collection", partial(self.client.get_collection, self.collection), None)

    def read_meta(self) -> dict[str, Any] | None:
        if self._pending_meta is not None:
            return dict(self._pending_meta)
        info = self._info()
        return dict(info.config.metadata) if info is not None and info.config.metadata else None

    def write_meta(self, meta: dict[str, Any]) -> None:
        # The service writes the meta before it creates the collection: it waits until then. The
        # server merges metadata keys into the old ones; semsearch always writes the same keys.
        if self._info() is None:
            self._pending_meta = dict(meta)
            return
        update = partial(self.client.update_collection, self.collection, metadata=meta)
        self._write("write the index metadata", update)

    # -- writing --------------------------------------------------------------------------
    def ensure_collection(self, layout: Layout) -> None:
        if self._exists and self._pending_meta is None:
            return
        info = self._info()
        dimension = layout.dimension
        if info is None:
            self._create(layout)
        else:
            vectors = info.config.params.vectors
            size = vectors[DENSE].size if isinstance(vectors, dict) and DENSE in vectors else None
            if size != dimension:
                raise ModelMismatchError(
                    f"the collection {self.location} holds {size}-dimension vectors, not {dimension}: "
                    "index into another collection (SEMSEARCH_COLLECTION)"
                )
            if self._pending_meta is not None:
                self.write_meta(self._pending_meta)
        indexed = set(info.payload_schema) if info is not None else set()
        for name, schema in PAYLOAD_SCHEMA.items():
            if name not in indexed:
                index = partial(self.client.create_payload_index, self.collection, name, schema, wait=True)
                self._write(f"index the payload field {name}", index)
        self._pending_meta = None
        self._exists = True

    def _create(self, layout: Layout) -> None:
        def create() -> None:
            try:
                self.client.create_collection(
                    self.collection,
                    vectors_config=vectors_config(layout),
                    sparse_vectors_config=SPARSE_VECTORS or None,
                    metadata=self._pending_meta,
                    shard_number=self.settings.shard_number,
                    replication_factor=self.settings.replication_factor,
                    write_consistency_factor=self.settings.write_consistency_factor,
                )
            except UnexpectedResponse as exc:
                if exc.status_code != 409:  # 409: another worker created it first, which is as good
                    raise

        self._write("create the collection", create)

    def upsert(self, points: Sequence[PointData]) -> None:
        for start in range(0, len(points), _UPSERT_BATCH):
            batch = [
                m.PointStruct(id=p.id, vector=vectors_of(p), payload=p.payload)
                for p in points[start : start + _UPSERT_BATCH]
            ]
            self._write("write points", partial(self.client.upsert, self.collection, batch, wait=True))

    def delete(self, where: cond.Conditions) -> None:
        selector = m.FilterSelector(filter=filter_of(where))
        self._write("delete points", partial(self.client.delete, self.collection, selector, wait=True))

    def set_payload(self, where: cond.Conditions, values: dict[str, Any]) -> None:
        selector = m.FilterSelector(filter=filter_of(where))
        update = partial(self.client.set_payload, self.collection, values, selector, wait=True)
        self._write("mark points", update)

    def optimize(self) -> None:
        """Nothing to do: the server's optimizers run in the background."""

    def warm(self) -> None:
        """Nothing to do: the server holds its own files."""

    def close(self, leave_cached: bool = False) -> None:
        self.client.close()

    def drop(self) -> None:
        """Delete the collection (``semsearch index --rebuild``)."""
        self._read("delete the collection", partial(self.client.delete_collection, self.collection), None)
        self._exists = False
        self._pending_meta = None

    # -- reading --------------------------------------------------------------------------
    def _pages(
        self,
        flt: m.Filter | None,
        vectors: bool | list[str],
        fields: bool | list[str],
        batch: int = _SCROLL_PAGE,
    ) -> Iterator[list[PointData]]:
        offset: Any = None
        while True:
            options: dict[str, Any] = {"offset": offset, "with_payload": fields, "with_vectors": vectors}
            read = partial(self.client.scroll, self.collection, flt, batch, **options)
            records, offset = self._read("read points", read, _NO_PAGE)
            yield [point_data(r) for r in records]
            if offset is None:
                return

    def _scroll(
        self, flt: m.Filter | None, with_vectors: bool = False, fields: bool | list[str] = True
    ) -> Iterator[list[StoredPoint]]:
        return ([_stored(d) for d in page] for page in self._pages(flt, with_vectors, fields))

    def points(self, batch: int = _SCROLL_PAGE) -> Iterator[list[PointData]]:
        """Every point with its vectors, a page at a time (to copy this collection elsewhere)."""
        return self._pages(None, True, True, batch)

    def heads(
        self, question_ids: Sequence[str] | None, flt: SearchFilter | None = None
    ) -> dict[str, dict[str, Any]]:
        if question_ids is not None and not question_ids:
            return {}
        pages = self._scroll(filter_of(cond.heads_conditions(question_ids, flt)))
        return {question_id_of(p.payload): p.payload for page in pages for p in page}

    def head_vectors(self, name: str) -> dict[str, list[float]]:
        heads = filter_of(cond.heads_conditions(None))
        pages = self._pages(heads, [name], list(QUESTION_FIELDS))
        return {question_id_of(d.payload): d.extra[name] for page in pages for d in page if name in d.extra}

    def scan(self, where: cond.Conditions, fields: Sequence[str]) -> list[StoredPoint]:
        return [p for page in self._scroll(filter_of(where), fields=list(fields) or False) for p in page]

    def _retrieve(self, point_ids: Sequence[str], vectors: bool | list[str]) -> list[m.Record]:
        read = partial(
            self.client.retrieve, self.collection, list(point_ids), with_payload=True, with_vectors=vectors
        )
        return self._read("read points", read, []) if point_ids else []

    def read_points(self, point_ids: Sequence[str]) -> list[PointData]:
        return [point_data(r) for r in self._retrieve(point_ids, True)]

    def find_natural_key(self, key: str) -> str | None:
        flt, fields = filter_of(cond.natural_key_conditions(key)), list(QUESTION_FIELDS)
        scroll = partial(self.client.scroll, self.collection, flt, limit=1, with_payload=fields)
        records, _ = self._read("look up a question", scroll, _NO_PAGE)
        return question_id_of(records[0].payload) if records and records[0].payload else None

    def payloads(self, point_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        records = self._retrieve(point_ids, [DENSE])
        check_units([(str(r.id), dense_of(r.vector)) for r in records])
        return {str(r.id): dict(r.payload or {}) for r in records}

    def search(
        self, probe: Probe, limit: int, flt: SearchFilter, fields: Sequence[str] | None = None
    ) -> list[StoredPoint]:
        if probe.empty:
            return []
        payload: bool | list[str] = list(fields) if fields is not None else True
        query = partial(
            self.client.query_points,
            self.collection,
            nearest(probe),
            using=probe.using,
            limit=limit,
            query_filter=to_server_filter(flt),
            with_payload=payload,
            search_params=m.SearchParams(hnsw_ef=ef) if (ef := probe.hnsw_ef(limit)) else None,
        )
        response = self._read("search", query, None)
        hits = response.points if response is not None else []
        return [StoredPoint(str(h.id), dict(h.payload or {}), score=float(h.score)) for h in hits]

    def question_points(self, question_id: str, with_vectors: bool = False) -> list[StoredPoint]:
        pages = self._scroll(filter_of(cond.question_conditions(question_id)), with_vectors)
        return sorted((p for page in pages for p in page), key=lambda p: position_of(p.payload))

    def count(self, flt: SearchFilter | None = None, heads_only: bool = False) -> int:
        count = partial(self.client.count, self.collection, to_server_filter(flt, heads_only), exact=True)
        return self._read("count points", count, m.CountResult(count=0)).count

    def has_questions(self) -> bool:
        heads = to_server_filter(None, True)
        scroll = partial(self.client.scroll, self.collection, heads, limit=1, with_payload=False)
        return bool(self._read("look up a question", scroll, _NO_PAGE)[0])


def _stored(data: PointData) -> StoredPoint:
    return StoredPoint(data.id, data.payload, vector=data.vector or None, vectors=data.extra)
