"""The embedded backend: Qdrant Edge, in-process, on a local folder (its layout, lock and meta
file: ``semsearch.store.edge_folder``; what is checked before the engine opens it:
``semsearch.store.edge_guard``; holding the folder and calling the engine:
``semsearch.store.edge_holder``; writing it: ``semsearch.store.edge_writer``; how points and
filters are spelled: ``semsearch.store.edge_models``).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from typing import Any

import qdrant_edge as qe

from semsearch.errors import IndexDamagedError
from semsearch.filters import SearchFilter
from semsearch.payload import QUESTION_FIELDS, position_of, question_id_of
from semsearch.store import edge_folder
from semsearch.store.base import DENSE, PointData, Probe, StoredPoint, check_units
from semsearch.store.conditions import (
    Conditions,
    build,
    heads_conditions,
    natural_key_conditions,
    question_conditions,
)
from semsearch.store.edge_folder import SHARD
from semsearch.store.edge_holder import SCROLL_PAGE
from semsearch.store.edge_models import EDGE, HEAD_VECTORS, nearest, to_edge_filter
from semsearch.store.edge_writer import EdgeWriter
from semsearch.store.point_keys import KEY_FIELDS, keyed_points


class EdgeStore(EdgeWriter):
    kind = "edge"
    exclusive = True  # the folder's lock: no other process writes while this one holds it

    # -- metadata -------------------------------------------------------------------------
    def read_meta(self) -> dict[str, Any] | None:
        return edge_folder.read_meta(self.root)

    def write_meta(self, meta: dict[str, Any]) -> None:
        self._open()
        edge_folder.write_meta(self.folder, meta)

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
                limit=SCROLL_PAGE,
                filter=build(heads_conditions(None), EDGE),
                with_payload=list(QUESTION_FIELDS),
                with_vector=[name],
            )
            records, offset = self._engine("read passages", lambda r=request: self.heads_shard.scroll(r))  # type: ignore[misc]
            for r in records:
                vector = r.vector.get(name) if isinstance(r.vector, dict) else None
                if vector and r.payload:
                    found[question_id_of(r.payload)] = list(vector)  # type: ignore[arg-type]
            if offset is None:
                return found

    def scan(self, where: Conditions, fields: Sequence[str]) -> list[StoredPoint]:
        """The points ``where`` matches, and those of a write that a crash cut between the
        heads' shard and the passages' (only in the first: recovery finds them here)."""
        if self._ready is None:
            return []
        found = self._scroll(build(where, EDGE), fields=list(fields) or False)
        if self._heads is not None:
            seen = {p.id for p in found}
            heads = self._scroll(build(where, EDGE), fields=list(fields) or False, heads=True)
            found += [p for p in heads if p.id not in seen]
        return found

    def read_points(self, point_ids: Sequence[str]) -> list[PointData]:
        if self._ready is None or not point_ids:
            return []
        records = self._engine(
            "read passages", lambda: self.shard.retrieve(list(point_ids), True, self.vectors[SHARD])
        )
        return self._with_heads(records)

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
            ef = probe.hnsw_ef(limit)
            request = qe.QueryRequest(
                limit=limit,
                query=nearest(probe),
                filter=to_edge_filter(flt, committed_only=committed_only),
                with_payload=payload,
                params=qe.SearchParams(hnsw_ef=ef) if ef else None,
            )
            shard = self.heads_shard if probe.using in HEAD_VECTORS else self.shard
            hits = self._engine("search", lambda: shard.query(request))
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
        ids = [str(r.id) for r in records]
        # Each read of a record's ``vector`` or ``payload`` builds it anew from the engine's copy:
        # read once, and the payload is already the caller's own dict.
        dense = [v.get(DENSE) if isinstance(v := r.vector, dict) else None for r in records]
        check_units(list(zip(ids, dense, strict=True)))  # type: ignore[arg-type]
        return {i: r.payload or {} for i, r in zip(ids, records, strict=True)}

    def points(self, batch: int = SCROLL_PAGE) -> Iterator[list[PointData]]:
        if self._ready is None:
            return
        offset: Any = None
        while True:
            request = qe.ScrollRequest(
                offset=offset, limit=batch, with_payload=True, with_vector=self.vectors[SHARD]
            )
            records, offset = self._engine("read passages", lambda r=request: self.shard.scroll(r))  # type: ignore[misc]
            yield self._with_heads(records)
            if offset is None:
                return

    def question_points(self, question_id: str, with_vectors: bool = False) -> list[StoredPoint]:
        if self._ready is None:
            return []
        points = self._scroll(build(question_conditions(question_id), EDGE), with_vectors)
        return sorted(points, key=lambda p: position_of(p.payload))
