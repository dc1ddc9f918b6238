"""The embedded backend: Qdrant Edge, in-process, on a local folder (its layout, lock and meta
file: ``semsearch.store.edge_folder``; what is checked before the engine opens it:
``semsearch.store.edge_guard``; holding the folder and calling the engine:
``semsearch.store.edge_holder``; how points and filters are spelled: ``semsearch.store.edge_models``).
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import qdrant_edge as qe

from semsearch.errors import IndexDamagedError
from semsearch.filters import SearchFilter
from semsearch.payload import QUESTION_FIELDS, is_pending, position_of, question_id_of
from semsearch.store import edge_folder, edge_guard
from semsearch.store.base import (
    DENSE,
    ON_DISK_VECTORS,
    QUESTION_BM25,
    Layout,
    PointData,
    Probe,
    StoredPoint,
    check_unit,
)
from semsearch.store.conditions import (
    Conditions,
    build,
    heads_conditions,
    natural_key_conditions,
    question_conditions,
    uncommitted,
)
from semsearch.store.edge_folder import field_indexes, warm_fields
from semsearch.store.edge_holder import ShardHolder
from semsearch.store.edge_models import ALL_VECTORS, EDGE, nearest, point_data, to_edge_filter, vectors_of
from semsearch.store.pending_gate import PendingGate
from semsearch.store.point_keys import KEY_FIELDS, Key, PointKeys, key_of, keyed_points, save_covering

_SCROLL_PAGE = 1000
# Bytes a passage may take on disk, written twice (the log, then its segment): vectors, payload
# (its text and its question's metadata), BM25 terms.
_POINT_BYTES = 2 * 8192


class EdgeStore(ShardHolder):
    kind = "edge"
    exclusive = True  # the folder's lock: no other process writes while this one holds it
    _keys: PointKeys | None = None

    def __init__(self, folder: Path, create: bool = True) -> None:
        self._gate = PendingGate()
        super().__init__(folder, create)

    @property
    def keys(self) -> PointKeys:
        """The point keys (``semsearch.store.point_keys``), read from the folder on first use."""
        keys = self._keys
        if keys is None:
            with self._opening:
                if self._keys is None:
                    self._keys = PointKeys.load(self.root)
                keys = self._keys
        return keys

    # -- metadata -------------------------------------------------------------------------
    def read_meta(self) -> dict[str, Any] | None:
        return edge_folder.read_meta(self.root)

    def write_meta(self, meta: dict[str, Any]) -> None:
        self._open()
        edge_folder.write_meta(self.folder, meta)

    # -- writing --------------------------------------------------------------------------
    def ensure_collection(self, layout: Layout) -> None:
        self._open()
        if self._shard is not None:
            self._add_field_indexes()
            return
        edge_guard.ensure_free(self.folder, edge_guard.create_needs(self.folder), "create the index")
        config = qe.EdgeConfig(
            vectors={
                name: qe.EdgeVectorParams(
                    size=size, distance=qe.Distance.Cosine, on_disk=name in ON_DISK_VECTORS or None
                )
                for name, size in layout.vector_sizes().items()
            },
            sparse_vectors={QUESTION_BM25: qe.EdgeSparseVectorParams(modifier=qe.Modifier.Idf)},
        )
        shard = self._engine(
            "create the index", lambda: qe.EdgeShard.create(str(self.folder / "shard"), config)
        )
        self._shard = shard
        self._add_field_indexes()

    def _add_field_indexes(self) -> None:
        """The payload indexes this version filters on, added to an index made before them."""
        indexed = self._engine("read the index's settings", lambda: self.shard.info().payload_schema)
        for field, params in field_indexes():
            if field not in indexed:
                self._update("index a payload field", qe.UpdateOperation.create_field_index(field, params))

    def _update(self, what: str, operation: qe.UpdateOperation) -> None:
        self._engine(what, lambda: self.shard.update(operation))

    def upsert(self, points: Sequence[PointData]) -> None:
        if points:
            floats = sum(len(p.vector) + sum(len(v) for v in p.extra.values()) for p in points)
            needed = len(points) * _POINT_BYTES + 8 * floats + edge_guard.MARGIN
            edge_guard.ensure_free(self.folder, needed, f"write {len(points)} passages")
            operation = qe.UpdateOperation.upsert_points(
                [qe.Point(p.id, vectors_of(p), p.payload) for p in points]
            )
            if any(is_pending(p.payload) for p in points):
                with self._gate.writing_pending():
                    self._update("write passages", operation)
            else:
                self._update("write passages", operation)
            for p in points:
                self.keys.add(p.id, p.payload)

    def delete(self, where: Conditions) -> None:
        self._update("delete passages", qe.UpdateOperation.delete_points_by_filter(build(where, EDGE)))
        self._gate.recount(self._none_pending)

    def set_payload(self, where: Conditions, values: dict[str, Any]) -> None:
        self._update("mark passages", qe.UpdateOperation.set_payload_by_filter(build(where, EDGE), values))
        self._gate.recount(self._none_pending)

    def _none_pending(self) -> bool:
        request = qe.CountRequest(filter=build(uncommitted(), EDGE), exact=True)
        return int(self._engine("count passages", lambda: self.shard.count(request))) == 0

    def optimize(self) -> None:
        if self._shard is not None:
            self._upgrade_field_indexes()
            # The optimiser rewrites segments beside the old ones before it drops them.
            used = sum(p.stat().st_blocks * 512 for p in (self.folder / "shard").rglob("*") if p.is_file())
            doing = "optimise the index (what was written is kept; searches are slower until then)"
            edge_guard.ensure_free(self.folder, used + edge_guard.MARGIN, doing)
            self._engine("optimise the index", self.shard.optimize)
            self._engine("save the index", self.shard.flush)
            self._save_keys()

    def _save_keys(self) -> None:
        def scan() -> Iterator[tuple[str, Key]]:
            for p in self._scroll(None, fields=list(KEY_FIELDS)):
                if (key := key_of(p.payload)) is not None:
                    yield p.id, key

        save_covering(self.root, self.keys, self.count(None), scan)
        self._keys = PointKeys.load(self.root)

    def _read_keys(self, point_ids: list[str]) -> list[Any]:
        ids: list[int | uuid.UUID | str] = list(point_ids)
        return self._engine("search", lambda: self.shard.retrieve(ids, list(KEY_FIELDS), False))

    def _upgrade_field_indexes(self) -> None:
        """Indexes made before the field indexes were cold are rebuilt so (a fraction of a second
        at 400,000 passages). Field indexes only speed filters up: a crash half-way loses none."""
        indexed = self._engine("read the index's settings", lambda: self.shard.info().payload_schema)
        warm = warm_fields(self.folder / "shard")
        for field, params in field_indexes():
            if field in indexed and field in warm:
                self._update("index a payload field", qe.UpdateOperation.delete_field_index(field))
                self._update("index a payload field", qe.UpdateOperation.create_field_index(field, params))

    # -- reading --------------------------------------------------------------------------
    def _scroll(
        self, flt: qe.Filter | None, with_vectors: bool = False, fields: Any = True
    ) -> list[StoredPoint]:
        found: list[StoredPoint] = []
        offset: Any = None
        while True:
            request = qe.ScrollRequest(
                offset=offset,
                limit=_SCROLL_PAGE,
                filter=flt,
                with_payload=fields,
                with_vector=ALL_VECTORS if with_vectors else False,
            )
            records, offset = self._engine("read passages", lambda r=request: self.shard.scroll(r))  # type: ignore[misc]
            for r in records:
                data = point_data(r)
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
        where = build(heads_conditions(question_ids, flt), EDGE)
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
                filter=build(heads_conditions(None), EDGE),
                with_payload=list(QUESTION_FIELDS),
                with_vector=[name],
            )
            records, offset = self._engine("read passages", lambda r=request: self.shard.scroll(r))  # type: ignore[misc]
            for r in records:
                vector = r.vector.get(name) if isinstance(r.vector, dict) else None
                if vector and r.payload:
                    found[question_id_of(r.payload)] = list(vector)  # type: ignore[arg-type]
            if offset is None:
                return found

    def scan(self, where: Conditions, fields: Sequence[str]) -> list[StoredPoint]:
        if self._ready is None:
            return []
        return self._scroll(build(where, EDGE), fields=list(fields) or False)

    def read_points(self, point_ids: Sequence[str]) -> list[PointData]:
        if self._ready is None or not point_ids:
            return []
        records = self._engine(
            "read passages", lambda: self.shard.retrieve(list(point_ids), True, ALL_VECTORS)
        )
        return [point_data(r) for r in records]

    def find_natural_key(self, key: str) -> str | None:
        if self._ready is None:
            return None
        request = qe.ScrollRequest(
            limit=1, filter=build(natural_key_conditions(key), EDGE), with_payload=list(QUESTION_FIELDS)
        )
        records, _ = self._engine("look up a question", lambda: self.shard.scroll(request))
        return question_id_of(records[0].payload) if records and records[0].payload else None

    def search(
        self, probe: Probe, limit: int, flt: SearchFilter, fields: Sequence[str] | None = None
    ) -> list[StoredPoint]:
        if self._ready is None or probe.empty:
            return []
        keyed = fields is not None and set(fields) <= set(KEY_FIELDS)
        payload: bool | list[str] = False if keyed else list(fields) if fields is not None else True
        with self._gate.searching(self._none_pending) as committed_only:
            request = qe.QueryRequest(
                limit=limit,
                query=nearest(probe),
                filter=to_edge_filter(flt, committed_only=committed_only),
                with_payload=payload,
            )
            hits = self._engine("search", lambda: self.shard.query(request))
        if probe.dense is not None and any(not math.isfinite(h.score) or h.score > 1.001 for h in hits):
            # A cosine above 1: a vector read back from a garbled file, not what was written.
            raise IndexDamagedError(f"the index {self.folder} returned impossible similarities")
        if keyed:
            assert fields is not None
            return keyed_points(self.keys, hits, fields, self._read_keys)
        return [StoredPoint(str(h.id), dict(h.payload or {}), score=float(h.score)) for h in hits]

    def payloads(self, point_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        if self._ready is None or not point_ids:
            return {}
        records = self._engine("read passages", lambda: self.shard.retrieve(list(point_ids), True, [DENSE]))
        for r in records:
            check_unit(str(r.id), r.vector.get(DENSE) if isinstance(r.vector, dict) else None)  # type: ignore[arg-type]
        return {str(r.id): dict(r.payload or {}) for r in records}

    def points(self, batch: int = _SCROLL_PAGE) -> Iterator[list[PointData]]:
        if self._ready is None:
            return
        offset: Any = None
        while True:
            request = qe.ScrollRequest(offset=offset, limit=batch, with_payload=True, with_vector=ALL_VECTORS)
            records, offset = self._engine("read passages", lambda r=request: self.shard.scroll(r))  # type: ignore[misc]
            yield [point_data(r) for r in records]
            if offset is None:
                return

    def question_points(self, question_id: str, with_vectors: bool = False) -> list[StoredPoint]:
        if self._ready is None:
            return []
        points = self._scroll(build(question_conditions(question_id), EDGE), with_vectors)
        return sorted(points, key=lambda p: position_of(p.payload))

    def count(self, flt: SearchFilter | None = None, heads_only: bool = False) -> int:
        if self._ready is None:
            return 0
        request = qe.CountRequest(filter=to_edge_filter(flt, heads_only), exact=True)
        return int(self._engine("count passages", lambda: self.shard.count(request)))
