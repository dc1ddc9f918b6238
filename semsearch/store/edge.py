"""The embedded backend: Qdrant Edge, in-process, on a local folder (its layout, lock and meta
file: ``semsearch.store.edge_folder``; what is checked before the engine opens it:
``semsearch.store.edge_guard``).

Every engine call goes through :meth:`EdgeStore._engine`, so that whatever the engine says about
its files (a garbled page, a truncated vector file, a full disk) reaches the user as one line.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

import qdrant_edge as qe

from semsearch.errors import DiskSpaceError, IndexDamagedError, StoreUnavailableError
from semsearch.filters import SearchFilter
from semsearch.payload import QUESTION_FIELDS, position_of, question_id_of
from semsearch.store import edge_folder, edge_guard
from semsearch.store.base import DENSE, SPARSE, PointData, Ranking, StoredPoint, check_unit
from semsearch.store.conditions import (
    Conditions,
    build,
    heads_conditions,
    natural_key_conditions,
    question_conditions,
)
from semsearch.store.edge_folder import IndexLock, field_indexes, warm_fields
from semsearch.store.edge_models import EDGE, nearest, point_data, to_edge_filter, vectors_of

T = TypeVar("T")

_SCROLL_PAGE = 1000
# Bytes a passage may take on disk, written twice (the log, then its segment): vector, payload
# (its text and its question's metadata), BM25 terms.
_POINT_BYTES = 2 * 8192


class EdgeStore:
    kind = "edge"
    exclusive = True  # the folder's lock: no other process writes while this one holds it

    def __init__(self, folder: Path, read_only: bool = False) -> None:
        """``read_only``: a reading command's store. A folder this process cannot write (a
        read-only file system) is then read from a private copy, as the engine cannot open it."""
        self.folder = folder
        self.location = str(folder)
        self._shard: qe.EdgeShard | None = None
        self._lock: IndexLock | None = None
        self._copy: Path | None = None
        if read_only and folder.is_dir() and not edge_folder.writable(folder):
            self._copy = edge_folder.private_copy(folder)
        else:
            self._create_folder()
        try:
            self._open()
        except BaseException:
            self._release()
            raise

    @property
    def root(self) -> Path:
        """Where the engine's files are: the folder, or the private copy of a read-only one."""
        return self._copy or self.folder

    def _create_folder(self) -> None:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreUnavailableError(
                f"cannot create the index folder {self.folder}: {exc.strerror}"
            ) from exc
        if not edge_folder.writable(self.folder):
            raise StoreUnavailableError(
                f"the index folder {self.folder} is read-only: it can be searched, not written"
            )
        self._lock = IndexLock(self.folder)
        self._lock.acquire()

    def _open(self) -> None:
        edge_guard.check_shard_files(self.root)
        shard_path = self.root / "shard"
        if (shard_path / "edge_config.json").exists():
            edge_guard.ensure_free(self.root, edge_guard.open_needs(self.root), "open the index")
            self._shard = self._engine("open the index", lambda: qe.EdgeShard.load(str(shard_path)))

    def _engine(self, what: str, call: Callable[[], T]) -> T:
        """One engine call; its failure becomes one line saying what could not be done and why."""
        try:
            return call()
        except Exception as exc:
            detail = " ".join(str(exc).split())[:300] or type(exc).__name__
            if "No space left" in detail:
                raise DiskSpaceError(
                    f"the disk of the index {self.folder} is full (while trying to {what}): free some space"
                ) from None
            if "Read-only file system" in detail:
                raise StoreUnavailableError(f"the index folder {self.folder} is read-only") from None
            raise IndexDamagedError(f"cannot {what} in the index {self.folder}: {detail}") from None

    # -- metadata -------------------------------------------------------------------------
    def read_meta(self) -> dict[str, Any] | None:
        return edge_folder.read_meta(self.root)

    def write_meta(self, meta: dict[str, Any]) -> None:
        edge_folder.write_meta(self.folder, meta)

    # -- writing --------------------------------------------------------------------------
    def ensure_collection(self, dimension: int) -> None:
        if self._shard is not None:
            self._add_field_indexes()
            return
        edge_guard.ensure_free(self.folder, edge_guard.create_needs(self.folder), "create the index")
        config = qe.EdgeConfig(
            vectors={DENSE: qe.EdgeVectorParams(size=dimension, distance=qe.Distance.Cosine)},
            sparse_vectors={SPARSE: qe.EdgeSparseVectorParams(modifier=qe.Modifier.Idf)},
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

    @property
    def shard(self) -> qe.EdgeShard:
        if self._shard is None:
            raise StoreUnavailableError(f"the index in {self.folder} is empty: run 'semsearch index' first")
        return self._shard

    def _update(self, what: str, operation: qe.UpdateOperation) -> None:
        self._engine(what, lambda: self.shard.update(operation))

    def upsert(self, points: Sequence[PointData]) -> None:
        if points:
            needed = len(points) * (_POINT_BYTES + 8 * len(points[0].vector)) + edge_guard.MARGIN
            edge_guard.ensure_free(self.folder, needed, f"write {len(points)} passages")
            operation = qe.UpdateOperation.upsert_points(
                [qe.Point(p.id, vectors_of(p), p.payload) for p in points]
            )
            self._update("write passages", operation)

    def delete(self, where: Conditions) -> None:
        self._update("delete passages", qe.UpdateOperation.delete_points_by_filter(build(where, EDGE)))

    def set_payload(self, where: Conditions, values: dict[str, Any]) -> None:
        self._update("mark passages", qe.UpdateOperation.set_payload_by_filter(build(where, EDGE), values))

    def optimize(self) -> None:
        if self._shard is not None:
            self._upgrade_field_indexes()
            # The optimiser rewrites segments beside the old ones before it drops them.
            used = sum(p.stat().st_blocks * 512 for p in (self.folder / "shard").rglob("*") if p.is_file())
            doing = "optimise the index (what was written is kept; searches are slower until then)"
            edge_guard.ensure_free(self.folder, used + edge_guard.MARGIN, doing)
            self._engine("optimise the index", self.shard.optimize)
            self._engine("save the index", self.shard.flush)

    def _upgrade_field_indexes(self) -> None:
        """Indexes made before the field indexes were cold are rebuilt so (a fraction of a second
        at 400,000 passages). Field indexes only speed filters up: a crash half-way loses none."""
        indexed = self._engine("read the index's settings", lambda: self.shard.info().payload_schema)
        warm = warm_fields(self.folder / "shard")
        for field, params in field_indexes():
            if field in indexed and field in warm:
                self._update("index a payload field", qe.UpdateOperation.delete_field_index(field))
                self._update("index a payload field", qe.UpdateOperation.create_field_index(field, params))

    def close(self) -> None:
        try:
            if self._shard is not None:
                shard, self._shard = self._shard, None
                self._engine("save the index", shard.flush)
                shard.close()
        finally:
            self._release()

    def _release(self) -> None:
        if self._lock is not None:
            self._lock.release()
            self._lock = None
        if self._copy is not None:
            edge_folder.remove_copy(self._copy)
            self._copy = None

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
                with_vector=[DENSE] if with_vectors else False,
            )
            records, offset = self._engine("read passages", lambda r=request: self.shard.scroll(r))  # type: ignore[misc]
            for r in records:
                vector = r.vector.get(DENSE) if with_vectors and isinstance(r.vector, dict) else None
                found.append(StoredPoint(str(r.id), dict(r.payload or {}), vector=vector))  # type: ignore[arg-type]
            if offset is None:
                return found

    def heads(self, question_ids: Sequence[str] | None) -> dict[str, dict[str, Any]]:
        if self._shard is None or question_ids is not None and not question_ids:
            return {}
        flt = build(heads_conditions(question_ids), EDGE)
        return {question_id_of(p.payload): p.payload for p in self._scroll(flt)}

    def scan(self, where: Conditions, fields: Sequence[str]) -> list[StoredPoint]:
        if self._shard is None:
            return []
        return self._scroll(build(where, EDGE), fields=list(fields) or False)

    def read_points(self, point_ids: Sequence[str]) -> list[PointData]:
        if self._shard is None or not point_ids:
            return []
        records = self._engine(
            "read passages", lambda: self.shard.retrieve(list(point_ids), True, [DENSE, SPARSE])
        )
        return [point_data(r) for r in records]

    def find_natural_key(self, key: str) -> str | None:
        if self._shard is None:
            return None
        request = qe.ScrollRequest(
            limit=1, filter=build(natural_key_conditions(key), EDGE), with_payload=list(QUESTION_FIELDS)
        )
        records, _ = self._engine("look up a question", lambda: self.shard.scroll(request))
        return question_id_of(records[0].payload) if records and records[0].payload else None

    def search(
        self, ranking: Ranking, limit: int, flt: SearchFilter, fields: Sequence[str] | None = None
    ) -> list[StoredPoint]:
        branches = ranking.branches()
        if self._shard is None or not branches:
            return []
        where = to_edge_filter(flt)
        payload: bool | list[str] = list(fields) if fields is not None else True
        if len(branches) == 1:
            query = nearest(ranking, branches[0])
            request = qe.QueryRequest(limit=limit, query=query, filter=where, with_payload=payload)
        else:
            prefetches = [
                qe.Prefetch(limit=ranking.prefetch(limit), query=nearest(ranking, b), filter=where)
                for b in ranking.fused()
            ]
            fusion: Any = qe.Fusion.Rrf(k=ranking.rrf_k)  # the stub omits Fusion.Rrf from QueryRequest
            request = qe.QueryRequest(
                limit=limit, prefetches=prefetches, query=fusion, filter=where, with_payload=payload
            )
        hits = self._engine("search", lambda: self.shard.query(request))
        if branches == [DENSE] and any(not math.isfinite(h.score) or h.score > 1.001 for h in hits):
            # A cosine above 1: a vector read back from a garbled file, not what was written.
            raise IndexDamagedError(f"the index {self.folder} returned impossible similarities")
        return [StoredPoint(str(h.id), dict(h.payload or {}), score=float(h.score)) for h in hits]

    def payloads(self, point_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        if self._shard is None or not point_ids:
            return {}
        records = self._engine("read passages", lambda: self.shard.retrieve(list(point_ids), True, [DENSE]))
        for r in records:
            check_unit(str(r.id), r.vector.get(DENSE) if isinstance(r.vector, dict) else None)  # type: ignore[arg-type]
        return {str(r.id): dict(r.payload or {}) for r in records}

    def points(self, batch: int = _SCROLL_PAGE) -> Iterator[list[PointData]]:
        if self._shard is None:
            return
        offset: Any = None
        while True:
            request = qe.ScrollRequest(
                offset=offset, limit=batch, with_payload=True, with_vector=[DENSE, SPARSE]
            )
            records, offset = self._engine("read passages", lambda r=request: self.shard.scroll(r))  # type: ignore[misc]
            yield [point_data(r) for r in records]
            if offset is None:
                return

    def question_points(self, question_id: str, with_vectors: bool = False) -> list[StoredPoint]:
        if self._shard is None:
            return []
        points = self._scroll(build(question_conditions(question_id), EDGE), with_vectors)
        return sorted(points, key=lambda p: position_of(p.payload))

    def count(self, flt: SearchFilter | None = None, heads_only: bool = False) -> int:
        if self._shard is None:
            return 0
        request = qe.CountRequest(filter=to_edge_filter(flt, heads_only), exact=True)
        return int(self._engine("count passages", lambda: self.shard.count(request)))
