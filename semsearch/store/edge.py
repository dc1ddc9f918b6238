"""The embedded backend: Qdrant Edge, in-process, on a local folder (its layout, lock and meta
file: ``semsearch.store.edge_folder``)."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import qdrant_edge as qe

from semsearch.errors import StoreUnavailableError
from semsearch.filters import SearchFilter
from semsearch.payload import QUESTION_FIELDS, position_of, question_id_of
from semsearch.sparse import Sparse
from semsearch.store import edge_folder
from semsearch.store.base import (
    DENSE,
    QUESTION,
    QUESTION_BM25,
    QUESTION_MODEL,
    Layout,
    PointData,
    Probe,
    StoredPoint,
)
from semsearch.store.conditions import (
    Spelling,
    build,
    build_optional,
    heads_conditions,
    natural_key_conditions,
    question_conditions,
    search_conditions,
)
from semsearch.store.edge_folder import IndexLock, field_indexes, warm_fields

_SCROLL_PAGE = 1000


_EDGE: Spelling[qe.Filter] = Spelling(
    match=lambda key, value: qe.FieldCondition(key=key, match=qe.MatchValue(value)),
    match_any=lambda key, values: qe.FieldCondition(key=key, match=qe.MatchAny(values)),
    date_range=lambda key, bounds: qe.FieldCondition(key=key, range=qe.RangeDateTime(**bounds)),
    filter=lambda must, must_not: qe.Filter(must=must, must_not=must_not),
)


def to_edge_filter(flt: SearchFilter | None, heads_only: bool = False) -> qe.Filter | None:
    return build_optional(search_conditions(flt, heads_only), _EDGE)


def _vectors(point: PointData) -> dict[str, Any]:
    vectors: dict[str, Any] = {DENSE: point.vector, **point.extra}
    if point.sparse is not None and point.sparse.indices:
        vectors[QUESTION_BM25] = qe.SparseVector(point.sparse.indices, point.sparse.values)
    return vectors


def _nearest(probe: Probe) -> Any:
    if probe.dense is not None:
        return qe.Query.Nearest(list(probe.dense), using=probe.using)
    assert probe.sparse is not None
    return qe.Query.Nearest(qe.SparseVector(probe.sparse.indices, probe.sparse.values), using=probe.using)


def _point_data(record: Any) -> PointData:
    vectors = record.vector if isinstance(record.vector, dict) else {}
    sparse = vectors.get(QUESTION_BM25)
    return PointData(
        str(record.id),
        list(vectors.get(DENSE) or []),
        dict(record.payload or {}),
        Sparse(list(sparse.indices), list(sparse.values)) if sparse is not None else None,
        {name: list(vectors[name]) for name in (QUESTION, QUESTION_MODEL) if vectors.get(name)},
    )


class EdgeStore:
    kind = "edge"

    def __init__(self, folder: Path, create: bool = True) -> None:
        """``create=False`` (the commands that only read, ``serve``): a missing index is left
        missing, nothing is written until the first write, and an index built meanwhile by
        another process is opened on the next read."""
        self.folder = folder
        self.location = str(folder)
        self._shard: qe.EdgeShard | None = None
        self._lock = IndexLock(folder)
        self._held = False
        self._opening = threading.Lock()  # two first requests must not open it twice
        if create or edge_folder.has_shard(folder):
            self._open()

    def _open(self) -> None:
        """Create the folder, take the lock, load the shard when there is one."""
        with self._opening:
            if self._held:
                return
            try:
                self.folder.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreUnavailableError(
                    f"cannot create the index folder {self.folder}: {exc.strerror}"
                ) from exc
            self._lock.acquire()
            self._held = True
            if edge_folder.has_shard(self.folder):
                try:
                    self._shard = qe.EdgeShard.load(str(self.folder / "shard"))
                except Exception as exc:
                    self._release()
                    raise StoreUnavailableError(f"cannot open the index in {self.folder}: {exc}") from exc

    def _release(self) -> None:
        self._lock.release()
        self._held = False

    @property
    def _ready(self) -> qe.EdgeShard | None:
        """The shard for a read: None while there is no index (opened once another process made one)."""
        if self._shard is None and not self._held and edge_folder.has_shard(self.folder):
            self._open()
        return self._shard

    # -- metadata -------------------------------------------------------------------------
    def read_meta(self) -> dict[str, Any] | None:
        return edge_folder.read_meta(self.folder)

    def write_meta(self, meta: dict[str, Any]) -> None:
        self._open()
        edge_folder.write_meta(self.folder, meta)

    # -- writing --------------------------------------------------------------------------
    def ensure_collection(self, layout: Layout) -> None:
        self._open()
        if self._shard is not None:
            return
        sizes = {DENSE: layout.dimension, QUESTION: layout.dimension}
        if layout.question_dimension:
            sizes[QUESTION_MODEL] = layout.question_dimension
        config = qe.EdgeConfig(
            vectors={
                name: qe.EdgeVectorParams(size=size, distance=qe.Distance.Cosine)
                for name, size in sizes.items()
            },
            sparse_vectors={QUESTION_BM25: qe.EdgeSparseVectorParams(modifier=qe.Modifier.Idf)},
        )
        shard = qe.EdgeShard.create(str(self.folder / "shard"), config)
        for field, params in field_indexes():
            shard.update(qe.UpdateOperation.create_field_index(field, params))
        self._shard = shard

    @property
    def shard(self) -> qe.EdgeShard:
        if self._ready is None:
            raise StoreUnavailableError(f"the index in {self.folder} is empty: run 'semsearch index' first")
        assert self._shard is not None
        return self._shard

    def upsert(self, points: Sequence[PointData]) -> None:
        if points:
            self.shard.update(
                qe.UpdateOperation.upsert_points([qe.Point(p.id, _vectors(p), p.payload) for p in points])
            )

    def delete_question(
        self, question_id: str, keep_hash: str | None = None, keep_head: bool = False
    ) -> None:
        flt = build(question_conditions(question_id, keep_hash, keep_head), _EDGE)
        self.shard.update(qe.UpdateOperation.delete_points_by_filter(flt))

    def optimize(self) -> None:
        if self._shard is not None:
            self._upgrade_field_indexes()
            self._shard.optimize()
            self._shard.flush()

    def _upgrade_field_indexes(self) -> None:
        """Indexes made before the field indexes were cold are rebuilt so (a fraction of a second
        at 400,000 passages). Field indexes only speed filters up: a crash half-way loses none."""
        indexed = self.shard.info().payload_schema
        warm = warm_fields(self.folder / "shard")
        for field, params in field_indexes():
            if field in indexed and field in warm:
                self.shard.update(qe.UpdateOperation.delete_field_index(field))
                self.shard.update(qe.UpdateOperation.create_field_index(field, params))

    def close(self) -> None:
        if self._shard is not None:
            self._shard.flush()
            self._shard.close()
            self._shard = None
        self._release()

    # -- reading --------------------------------------------------------------------------
    def _scroll(self, flt: qe.Filter, with_vectors: bool = False) -> list[StoredPoint]:
        found: list[StoredPoint] = []
        offset: Any = None
        while True:
            records, offset = self.shard.scroll(
                qe.ScrollRequest(
                    offset=offset,
                    limit=_SCROLL_PAGE,
                    filter=flt,
                    with_payload=True,
                    with_vector=with_vectors,
                )
            )
            for r in records:
                data = _point_data(r)
                found.append(
                    StoredPoint(data.id, data.payload, vector=data.vector or None, vectors=data.extra)
                )
            if offset is None:
                return found

    def heads(
        self, question_ids: Sequence[str] | None, flt: SearchFilter | None = None
    ) -> dict[str, dict[str, Any]]:
        if self._ready is None or question_ids is not None and not question_ids:
            return {}
        where = build(heads_conditions(question_ids, flt), _EDGE)
        return {question_id_of(p.payload): p.payload for p in self._scroll(where)}

    def head_vectors(self, name: str) -> dict[str, list[float]]:
        if self._ready is None:
            return {}
        found: dict[str, list[float]] = {}
        offset: Any = None
        while True:
            request = qe.ScrollRequest(
                offset=offset,
                limit=_SCROLL_PAGE,
                filter=build(heads_conditions(None), _EDGE),
                with_payload=list(QUESTION_FIELDS),
                with_vector=[name],
            )
            records, offset = self.shard.scroll(request)
            for r in records:
                vector = r.vector.get(name) if isinstance(r.vector, dict) else None
                if vector and r.payload:
                    found[question_id_of(r.payload)] = list(vector)  # type: ignore[arg-type]
            if offset is None:
                return found

    def find_natural_key(self, key: str) -> str | None:
        if self._ready is None:
            return None
        records, _ = self.shard.scroll(
            qe.ScrollRequest(
                limit=1, filter=build(natural_key_conditions(key), _EDGE), with_payload=list(QUESTION_FIELDS)
            )
        )
        return question_id_of(records[0].payload) if records and records[0].payload else None

    def search(
        self, probe: Probe, limit: int, flt: SearchFilter, fields: Sequence[str] | None = None
    ) -> list[StoredPoint]:
        if self._ready is None or probe.empty:
            return []
        payload: bool | list[str] = list(fields) if fields is not None else True
        request = qe.QueryRequest(
            limit=limit, query=_nearest(probe), filter=to_edge_filter(flt), with_payload=payload
        )
        hits = self.shard.query(request)
        return [StoredPoint(str(h.id), dict(h.payload or {}), score=float(h.score)) for h in hits]

    def payloads(self, point_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        if self._ready is None or not point_ids:
            return {}
        records = self.shard.retrieve(list(point_ids), True, False)
        return {str(r.id): dict(r.payload or {}) for r in records}

    def points(self, batch: int = _SCROLL_PAGE) -> Iterator[list[PointData]]:
        if self._ready is None:
            return
        offset: Any = None
        while True:
            request = qe.ScrollRequest(offset=offset, limit=batch, with_payload=True, with_vector=True)
            records, offset = self.shard.scroll(request)
            page = [_point_data(r) for r in records]
            yield page
            if offset is None:
                return

    def question_points(self, question_id: str, with_vectors: bool = False) -> list[StoredPoint]:
        if self._ready is None:
            return []
        points = self._scroll(build(question_conditions(question_id), _EDGE), with_vectors)
        return sorted(points, key=lambda p: position_of(p.payload))

    def count(self, flt: SearchFilter | None = None, heads_only: bool = False) -> int:
        if self._ready is None:
            return 0
        return int(self.shard.count(qe.CountRequest(filter=to_edge_filter(flt, heads_only), exact=True)))
