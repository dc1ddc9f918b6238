"""The store interface: passages with their question's metadata, in a vector engine.

Two backends implement it (Qdrant Edge in-process, a Qdrant server); the search service
only ever talks to this protocol, so both behave the same.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from semsearch.errors import IndexDamagedError
from semsearch.filters import SearchFilter
from semsearch.query import SearchMode
from semsearch.sparse import Sparse
from semsearch.store.conditions import Conditions

DENSE = "dense"
SPARSE = "bm25"  # BM25 term weights; the engine applies the IDF (the vector's IDF modifier)


@dataclass
class PointData:
    id: str
    vector: list[float]
    payload: dict[str, Any]
    sparse: Sparse | None = None


@dataclass(frozen=True)
class Ranking:
    """What a search ranks passages by: the dense vector, the sparse one, or both fused in the
    engine by reciprocal rank fusion, weighted by whole numbers (``weights`` = dense, sparse)."""

    mode: SearchMode
    dense: list[float] | None = None
    sparse: Sparse | None = None
    weights: tuple[int, int] = (1, 1)
    rrf_k: int = 60
    # How deep each list is before fusion: fixed, not the page's size, so that every page of one
    # query sees the same fused scores (ranks among tied passages would otherwise shift).
    depth: int = 200

    def branches(self) -> list[str]:
        """The vectors this ranking searches; a sparse query with no term (only stop words) has none."""
        has_sparse = self.sparse is not None and bool(self.sparse.indices)
        wanted = {"dense": [DENSE], "sparse": [SPARSE], "hybrid": [DENSE, SPARSE]}[self.mode]
        return [b for b in wanted if b == DENSE and self.dense is not None or b == SPARSE and has_sparse]

    def fused(self) -> list[str]:
        """The lists to fuse, each repeated as often as its weight. Qdrant 1.16 servers ignore RRF
        weights and Edge applies its own formula; a list given twice counts twice in plain RRF on
        both engines, to the last decimal."""
        weight = {DENSE: self.weights[0], SPARSE: self.weights[1]}
        return [b for b in self.branches() for _ in range(weight[b])]

    def prefetch(self, limit: int) -> int:
        return max(limit, self.depth)


@dataclass
class StoredPoint:
    id: str
    payload: dict[str, Any]
    score: float = 0.0
    vector: list[float] | None = field(default=None, repr=False)


def check_unit(point_id: str, vector: Sequence[float] | None) -> None:
    """Refuse a dense vector that is not what the engine stored: cosine vectors are stored
    normalised, so a vector file garbled on disk shows as a norm far from 1 (or not a number)."""
    if vector is None:
        return
    norm = math.sqrt(math.fsum(x * x for x in vector))
    if not math.isfinite(norm) or abs(norm - 1.0) > 1e-3:
        raise IndexDamagedError(f"the stored vector of point {point_id} is damaged (norm {norm:.4g}, not 1)")


class Store(Protocol):
    kind: str
    location: str
    # True when no other process can write while this one holds the store (the embedded index's
    # lock): an unfinished write found then is a dead writer's, never one in progress.
    exclusive: bool

    def read_meta(self) -> dict[str, Any] | None: ...

    def write_meta(self, meta: dict[str, Any]) -> None: ...

    def ensure_collection(self, dimension: int) -> None: ...

    def upsert(self, points: Sequence[PointData]) -> None: ...

    def delete(self, where: Conditions) -> None:
        """Delete the points that match, in one engine operation (whatever their generation: the
        writer's conditions say which, ``semsearch.store.conditions``)."""
        ...

    def set_payload(self, where: Conditions, values: dict[str, Any]) -> None:
        """Set these payload fields on the points that match, in one engine operation."""
        ...

    def scan(self, where: Conditions, fields: Sequence[str]) -> list[StoredPoint]:
        """The points that match, with these payload fields only (none: ids alone, which reads
        no payload); no reader condition is added."""
        ...

    def read_points(self, point_ids: Sequence[str]) -> list[PointData]:
        """These points with their payload and vectors (``semsearch check`` reads a damaged index
        point by point, to tell which are unreadable)."""
        ...

    def heads(self, question_ids: Sequence[str] | None) -> dict[str, dict[str, Any]]:
        """Payload of each question's first passage, by question id (absent ones left out); of
        every question in the index when ``question_ids`` is None."""
        ...

    def find_natural_key(self, key: str) -> str | None:
        """Id of an indexed question with this natural key, if any."""
        ...

    def search(
        self, ranking: Ranking, limit: int, flt: SearchFilter, fields: Sequence[str] | None = None
    ) -> list[StoredPoint]:
        """Passages best first; ``fields`` limits the payload returned (None: all of it)."""
        ...

    def payloads(self, point_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """The whole payload of each of these points, by point id (absent ones left out); their
        dense vectors are read with them and checked (:func:`check_unit`)."""
        ...

    def points(self, batch: int = 1000) -> Iterator[list[PointData]]:
        """Every point with its vectors and payload, a page at a time (to copy or check the index),
        whatever its generation or state."""
        ...

    def question_points(self, question_id: str, with_vectors: bool = False) -> list[StoredPoint]: ...

    def count(self, flt: SearchFilter | None = None, heads_only: bool = False) -> int: ...

    def optimize(self) -> None: ...

    def close(self) -> None: ...
