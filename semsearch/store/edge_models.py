"""How the embedded backend's points, probes and filters are spelled in Qdrant Edge's classes
(the counterpart of ``semsearch.store.server_models``)."""

from __future__ import annotations

from typing import Any

import qdrant_edge as qe

from semsearch.filters import SearchFilter
from semsearch.sparse import Sparse
from semsearch.store.base import (
    DENSE,
    ON_DISK_VECTORS,
    QUESTION,
    QUESTION_BM25,
    QUESTION_MODEL,
    Layout,
    PointData,
    Probe,
)
from semsearch.store.conditions import Spelling, build_optional, search_conditions

EDGE: Spelling[qe.Filter] = Spelling(
    match=lambda key, value: qe.FieldCondition(key=key, match=qe.MatchValue(value)),
    match_any=lambda key, values: qe.FieldCondition(key=key, match=qe.MatchAny(values)),
    date_range=lambda key, bounds: qe.FieldCondition(key=key, range=qe.RangeDateTime(**bounds)),
    has_id=lambda ids: qe.HasIdCondition(set(ids)),
    filter=lambda must, must_not: qe.Filter(must=must, must_not=must_not),
)

# The vectors only a question's head carries (a passage has its dense one).
HEAD_VECTORS = [QUESTION, QUESTION_MODEL, QUESTION_BM25]


def shard_configs(layout: Layout, split: bool) -> tuple[qe.EdgeConfig, qe.EdgeConfig | None]:
    """The passages' shard and the heads' (``split``), or one shard for every vector."""
    vectors = {
        name: qe.EdgeVectorParams(
            size=size, distance=qe.Distance.Cosine, on_disk=name in ON_DISK_VECTORS or None
        )
        for name, size in layout.vector_sizes().items()
    }
    sparse = {QUESTION_BM25: qe.EdgeSparseVectorParams(modifier=qe.Modifier.Idf)}
    if not split:
        return qe.EdgeConfig(vectors=vectors, sparse_vectors=sparse), None
    heads = {name: params for name, params in vectors.items() if name != DENSE}
    return qe.EdgeConfig(vectors={DENSE: vectors[DENSE]}), qe.EdgeConfig(vectors=heads, sparse_vectors=sparse)


def to_edge_filter(
    flt: SearchFilter | None, heads_only: bool = False, committed_only: bool = True
) -> qe.Filter | None:
    return build_optional(search_conditions(flt, heads_only, committed_only), EDGE)


def vectors_of(point: PointData) -> dict[str, Any]:
    return {DENSE: point.vector, **head_vectors_of(point)}


def head_vectors_of(point: PointData) -> dict[str, Any]:
    """A head's question-level vectors; none for another passage."""
    vectors: dict[str, Any] = dict(point.extra)
    if point.sparse is not None and point.sparse.indices:
        vectors[QUESTION_BM25] = qe.SparseVector(point.sparse.indices, point.sparse.values)
    return vectors


def nearest(probe: Probe) -> Any:
    if probe.dense is not None:
        return qe.Query.Nearest(list(probe.dense), using=probe.using)
    assert probe.sparse is not None
    return qe.Query.Nearest(qe.SparseVector(probe.sparse.indices, probe.sparse.values), using=probe.using)


def point_data(record: Any, head: Any = None) -> PointData:
    """A record read back; ``head``: the same point's record in the heads' shard, if any."""
    vectors = record.vector if isinstance(record.vector, dict) else {}
    if head is not None and isinstance(head.vector, dict):
        vectors = {**vectors, **head.vector}
    sparse = vectors.get(QUESTION_BM25)
    return PointData(
        str(record.id),
        list(vectors.get(DENSE) or []),
        dict(record.payload or {}),
        Sparse(list(sparse.indices), list(sparse.values)) if sparse is not None else None,
        {name: list(vectors[name]) for name in (QUESTION, QUESTION_MODEL) if vectors.get(name)},
    )
