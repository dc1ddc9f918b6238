"""How the embedded index is written (:class:`semsearch.store.edge.EdgeStore` reads it): its shards
made, each write sent to the heads' shard first, then to the passages' one, its point keys kept.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import qdrant_edge as qe

from semsearch.payload import is_pending
from semsearch.store import edge_guard
from semsearch.store.base import DENSE, Layout, PointData
from semsearch.store.conditions import Conditions, build, uncommitted
from semsearch.store.edge_folder import HEADS, SHARD, SHARDS, field_indexes, warm_fields
from semsearch.store.edge_holder import ShardHolder
from semsearch.store.edge_models import EDGE, head_vectors_of, shard_configs, vectors_of
from semsearch.store.pending_gate import PendingGate
from semsearch.store.point_keys import KEY_FIELDS, Key, PointKeys, key_of, save_covering

# Bytes a passage may take on disk, written twice (the log, then its segment): vectors, payload
# (its text and its question's metadata), BM25 terms.
_POINT_BYTES = 2 * 8192


class EdgeWriter(ShardHolder):
    split_heads = True  # False: a new index in one shard, as before the heads' own (tests)
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

    def ensure_collection(self, layout: Layout) -> None:
        self._open()
        if self._shard is not None:
            self._add_field_indexes()
            return
        edge_guard.ensure_free(self.folder, 2 * edge_guard.create_needs(self.folder), "create the index")
        config, heads_config = shard_configs(layout, self.split_heads)
        # The passages' shard is made last: an index is there once it is (``edge_folder.has_shard``),
        # so a crash before leaves no index, and this heads' shard is made anew.
        shutil.rmtree(self.folder / HEADS, ignore_errors=True)
        if heads_config is not None:
            self._heads = self._engine(
                "create the index", lambda: qe.EdgeShard.create(str(self.folder / HEADS), heads_config)
            )
        self._shard = self._engine(
            "create the index", lambda: qe.EdgeShard.create(str(self.folder / SHARD), config)
        )
        self.remember_vectors()
        self._add_field_indexes()

    def _add_field_indexes(self) -> None:
        """The payload indexes this version filters on, added to an index made before them."""
        for shard in self.shards:
            indexed = self._engine("read the index's settings", lambda s=shard: s.info().payload_schema)  # type: ignore[misc]
            for field, params in field_indexes():
                if field not in indexed:
                    operation = qe.UpdateOperation.create_field_index(field, params)
                    self._engine("index a payload field", lambda s=shard, o=operation: s.update(o))  # type: ignore[misc]

    def _update(self, what: str, operation: qe.UpdateOperation) -> None:
        """The same change in every shard, the heads' first: a crash between the two leaves the
        heads' shard ahead, which recovery sees (``scan``) and every reader's conditions exclude."""
        for shard in self.shards:
            self._engine(what, lambda s=shard: s.update(operation))  # type: ignore[misc]

    def upsert(self, points: Sequence[PointData]) -> None:
        if points:
            floats = sum(len(p.vector) + sum(len(v) for v in p.extra.values()) for p in points)
            needed = len(points) * _POINT_BYTES + 8 * floats + edge_guard.MARGIN
            edge_guard.ensure_free(self.folder, needed, f"write {len(points)} passages")
            if any(is_pending(p.payload) for p in points):
                with self._gate.writing_pending():
                    self._write(points)
            else:
                self._write(points)
            for p in points:
                self.keys.add(p.id, p.payload)

    def _write(self, points: Sequence[PointData]) -> None:
        if self._heads is None:
            operation = qe.UpdateOperation.upsert_points(
                [qe.Point(p.id, vectors_of(p), p.payload) for p in points]
            )
            self._engine("write passages", lambda: self.shard.update(operation))
            return
        heads = [qe.Point(p.id, v, p.payload) for p in points if (v := head_vectors_of(p))]
        if heads:
            operation = qe.UpdateOperation.upsert_points(heads)
            self._engine("write passages", lambda: self.heads_shard.update(operation))
        operation = qe.UpdateOperation.upsert_points(
            [qe.Point(p.id, {DENSE: p.vector}, p.payload) for p in points]
        )
        self._engine("write passages", lambda: self.shard.update(operation))

    def delete(self, where: Conditions) -> None:
        self._update("delete passages", qe.UpdateOperation.delete_points_by_filter(build(where, EDGE)))
        self._gate.recount(self._none_pending)

    def set_payload(self, where: Conditions, values: dict[str, Any]) -> None:
        self._update("mark passages", qe.UpdateOperation.set_payload_by_filter(build(where, EDGE), values))
        self._gate.recount(self._none_pending)

    def _none_pending(self) -> bool:
        request = qe.CountRequest(filter=build(uncommitted(), EDGE), exact=True)
        counts = [self._engine("count passages", lambda s=s: s.count(request)) for s in self.shards]  # type: ignore[misc]
        return not any(counts)

    def optimize(self) -> None:
        if self._shard is not None:
            self._upgrade_field_indexes()
            # The optimiser rewrites segments beside the old ones before it drops them.
            used = sum(
                p.stat().st_blocks * 512 for n in SHARDS for p in (self.folder / n).rglob("*") if p.is_file()
            )
            doing = "optimise the index (what was written is kept; searches are slower until then)"
            edge_guard.ensure_free(self.folder, used + edge_guard.MARGIN, doing)
            for shard in self.shards:
                self._engine("optimise the index", shard.optimize)
                self._engine("save the index", shard.flush)
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
        warm = warm_fields(self.folder / SHARD)
        for field, params in field_indexes():
            if field in indexed and field in warm:
                self._update("index a payload field", qe.UpdateOperation.delete_field_index(field))
                self._update("index a payload field", qe.UpdateOperation.create_field_index(field, params))
