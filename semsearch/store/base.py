"""The store interface: passages with their question's metadata, in a vector engine.

Two backends implement it (Qdrant Edge in-process, a Qdrant server); the search service
only ever talks to this protocol, so both behave the same.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from semsearch.errors import IndexDamagedError
from semsearch.filters import SearchFilter
from semsearch.sparse import Sparse
from semsearch.store.conditions import Conditions

# The named vectors. Every passage has DENSE, the model's vector of its text. A question's head (its
# first passage) carries the question-level ones too, so that a question can be ranked as a whole:
DENSE = "dense"
QUESTION = "question"  # the mean of the model's vectors of the title and question paragraphs
QUESTION_MODEL = "question_model"  # the question-level model's vector of the whole question
QUESTION_BM25 = "question_bm25"  # BM25 over the whole question; the engine applies the IDF
# The engines size a named vector's storage for every point, though only a question's head
# carries these: kept in memory they took 1.4 GiB of a 400,000-passage index and most of its
# opening time. On disk (memory-mapped) they are read as searches visit them (docs/performance.md).
ON_DISK_VECTORS = frozenset({QUESTION, QUESTION_MODEL})


@dataclass(frozen=True)
class Layout:
    """The vectors a new collection is made for (``question_dimension``: None without a
    question-level model)."""

    dimension: int
    question_dimension: int | None = None

    def vector_sizes(self) -> dict[str, int]:
        """Each dense vector's name and size: the passages', the heads' own, and the question-level
        model's when there is one."""
        sizes = {DENSE: self.dimension, QUESTION: self.dimension}
        if self.question_dimension:
            sizes[QUESTION_MODEL] = self.question_dimension
        return sizes


@dataclass
class PointData:
    id: str
    vector: list[float]
    payload: dict[str, Any]
    sparse: Sparse | None = None  # QUESTION_BM25, on heads
    extra: dict[str, list[float]] = field(default_factory=dict)  # QUESTION, QUESTION_MODEL, on heads


@dataclass(frozen=True)
class Probe:
    """One engine query: the points nearest to a dense or a sparse vector, by one named vector.
    Only heads hold the question-level vectors, so a probe of one of them finds questions."""

    using: str
    dense: list[float] | None = None
    sparse: Sparse | None = None

    @property
    def empty(self) -> bool:
        """A sparse probe with no term (only stop words) matches nothing."""
        return self.dense is None and (self.sparse is None or not self.sparse.indices)

    def hnsw_ef(self, limit: int) -> int | None:
        """How many candidates the engine's graph search keeps for ``limit`` hits (None: its
        default, ``limit``). Twice as many for the question-level vectors: the heads' graph is one
        graph of near neighbours where a corpus repeats its questions, and at the default it
        missed a quarter of the exact top ten on the bench's index (docs/performance.md)."""
        return 2 * limit if self.using in (QUESTION, QUESTION_MODEL) and self.dense is not None else None


@dataclass
class StoredPoint:
    id: str
    payload: dict[str, Any]
    score: float = 0.0
    vector: list[float] | None = field(default=None, repr=False)
    vectors: dict[str, list[float]] = field(default_factory=dict, repr=False)  # the head's others


UNIT_TOLERANCE = 1e-3  # a stored cosine vector's norm, away from 1


def check_unit(point_id: str, vector: Sequence[float] | None) -> None:
    """Refuse a dense vector that is not what the engine stored: cosine vectors are stored
    normalised, so a vector file garbled on disk shows as a norm far from 1 (or not a number)."""
    if vector is None:
        return
    values = np.asarray(vector, dtype=np.float64)
    norm = math.sqrt(float(values @ values))
    if not math.isfinite(norm) or abs(norm - 1.0) > UNIT_TOLERANCE:
        raise IndexDamagedError(f"the stored vector of point {point_id} is damaged (norm {norm:.4g}, not 1)")


def check_units(vectors: Sequence[tuple[str, Sequence[float] | None]]) -> None:
    """:func:`check_unit` over a page's points in one array (one numpy call a page instead of one
    a point); on any doubt, point by point, to name the first damaged one."""
    given = [(point_id, vector) for point_id, vector in vectors if vector is not None]
    if not given:
        return
    try:
        values = np.array([vector for _, vector in given], dtype=np.float64)
        norms = np.sqrt(np.einsum("ij,ij->i", values, values))
        whole = bool(np.all(np.abs(norms - 1.0) <= UNIT_TOLERANCE))  # NaN compares False
    except ValueError:  # vectors of unequal lengths
        whole = False
    if not whole:
        for point_id, vector in given:  # names the first damaged point
            check_unit(point_id, vector)


class Store(Protocol):
    kind: str
    location: str
    # True when no other process can write while this one holds the store (the embedded index's
    # lock): an unfinished write found then is a dead writer's, never one in progress.
    exclusive: bool

    def read_meta(self) -> dict[str, Any] | None: ...

    def write_meta(self, meta: dict[str, Any]) -> None: ...

    def ensure_collection(self, layout: Layout) -> None: ...

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

    def heads(
        self, question_ids: Sequence[str] | None, flt: SearchFilter | None = None
    ) -> dict[str, dict[str, Any]]:
        """Payload of each question's first passage, by question id (absent ones left out); of
        every question in the index when ``question_ids`` is None; only those ``flt`` keeps."""
        ...

    def head_vectors(self, name: str) -> dict[str, list[float]]:
        """Every question's head vector ``name`` (a question-level one), by question id."""
        ...

    def find_natural_key(self, key: str) -> str | None:
        """Id of an indexed question with this natural key, if any."""
        ...

    def search(
        self, probe: Probe, limit: int, flt: SearchFilter, fields: Sequence[str] | None = None
    ) -> list[StoredPoint]:
        """Points best first; ``fields`` limits the payload returned (None: all of it)."""
        ...

    def payloads(self, point_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """The whole payload of each of these points, by point id (absent ones left out); their
        dense vectors are read with them and checked (:func:`check_unit`)."""
        ...

    def points(self, batch: int = 1000) -> Iterator[list[PointData]]:
        """Every point with its vectors and payload, a page at a time (to copy or check the index),
        whatever its generation or state."""
        ...

    def question_points(self, question_id: str, with_vectors: bool = False) -> list[StoredPoint]:
        """A question's passages in order; ``with_vectors``: each with its dense vectors."""
        ...

    def count(self, flt: SearchFilter | None = None, heads_only: bool = False) -> int: ...

    def has_questions(self) -> bool:
        """Whether a question is stored: one point read, not a count (an opening's check)."""
        ...

    def optimize(self) -> None: ...

    def warm(self) -> None:
        """Bring what searches read into memory ahead of them, in the background (a long-lived
        reader, ``serve``, calls it once it has started)."""
        ...

    def close(self, leave_cached: bool = False) -> None:
        """``leave_cached``: the process ends next, and what this store reads is left in the page
        cache for the next process (``ShardHolder.close``); a server's store has nothing to leave."""
        ...
