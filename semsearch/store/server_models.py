"""How the store's points, rankings, filters and payload indexes are spelled in qdrant-client's
models (the server backend's counterpart of the Qdrant Edge classes)."""

from __future__ import annotations

from typing import Any

from qdrant_client import models as m

from semsearch.filters import SearchFilter
from semsearch.payload import DATETIME_FIELDS, INTEGER_FIELDS, KEYWORD_FIELDS
from semsearch.sparse import Sparse
from semsearch.store import conditions as cond
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

# BM25 term weights; the server applies the IDF, as Qdrant Edge does.
SPARSE_VECTORS: dict[str, m.SparseVectorParams] = {
    QUESTION_BM25: m.SparseVectorParams(modifier=m.Modifier.IDF)
}


def vectors_config(layout: Layout) -> dict[str, m.VectorParams]:
    return {
        name: m.VectorParams(size=size, distance=m.Distance.COSINE, on_disk=name in ON_DISK_VECTORS or None)
        for name, size in layout.vector_sizes().items()
    }


PAYLOAD_SCHEMA: dict[str, m.PayloadSchemaType] = {
    **dict.fromkeys(KEYWORD_FIELDS, m.PayloadSchemaType.KEYWORD),
    **dict.fromkeys(INTEGER_FIELDS, m.PayloadSchemaType.INTEGER),
    **dict.fromkeys(DATETIME_FIELDS, m.PayloadSchemaType.DATETIME),
}

_SERVER: cond.Spelling[m.Filter] = cond.Spelling(
    match=lambda key, value: m.FieldCondition(key=key, match=m.MatchValue(value=value)),
    match_any=lambda key, values: m.FieldCondition(key=key, match=m.MatchAny(any=values)),
    date_range=lambda key, bounds: m.FieldCondition(key=key, range=m.DatetimeRange(**bounds)),  # type: ignore[arg-type]
    has_id=lambda ids: m.HasIdCondition(has_id=ids),  # type: ignore[arg-type]
    filter=lambda must, must_not: m.Filter(must=must, must_not=must_not),
)


def to_server_filter(flt: SearchFilter | None, heads_only: bool = False) -> m.Filter | None:
    return cond.build_optional(cond.search_conditions(flt, heads_only), _SERVER)


def filter_of(conditions: cond.Conditions) -> m.Filter:
    return cond.build(conditions, _SERVER)


def vectors_of(point: PointData) -> dict[str, Any]:
    vectors: dict[str, Any] = {DENSE: point.vector, **point.extra}
    if point.sparse is not None and point.sparse.indices:
        vectors[QUESTION_BM25] = m.SparseVector(indices=point.sparse.indices, values=point.sparse.values)
    return vectors


def point_data(record: m.Record | m.ScoredPoint) -> PointData:
    vectors = record.vector if isinstance(record.vector, dict) else {}
    sparse = vectors.get(QUESTION_BM25)
    dense = {name: list(v) for name, v in vectors.items() if isinstance(v, list)}
    return PointData(
        str(record.id),
        list(dense.pop(DENSE, [])),  # type: ignore[arg-type]
        dict(record.payload or {}),
        Sparse(list(sparse.indices), list(sparse.values)) if isinstance(sparse, m.SparseVector) else None,
        {name: v for name, v in dense.items() if name in (QUESTION, QUESTION_MODEL)},  # type: ignore[misc]
    )


def nearest(probe: Probe) -> Any:
    if probe.dense is not None:
        return list(probe.dense)
    assert probe.sparse is not None
    return m.SparseVector(indices=probe.sparse.indices, values=probe.sparse.values)


def dense_of(vectors: Any) -> list[float] | None:
    return vectors.get(DENSE) if isinstance(vectors, dict) else None
