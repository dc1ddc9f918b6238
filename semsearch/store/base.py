"""The store interface: passages with their question's metadata, in a vector engine.

Two backends implement it (Qdrant Edge in-process, a Qdrant server); the search service
only ever talks to this protocol, so both behave the same.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from semsearch.filters import SearchFilter

DENSE = "dense"

# Payload fields the engine filters on, and the index type each needs.
# "state" is "answered"/"unanswered": qdrant-edge 0.9 never matches a bool value, so the
# answered filter goes through a keyword.
KEYWORD_FIELDS = (
    "question_id",
    "natural_key",
    "assembly",
    "session",
    "language",
    "author_tokens",
    "addressee_tokens",
    "state",
)
INTEGER_FIELDS = ("position",)
DATETIME_FIELDS = ("date_asked",)


@dataclass
class PointData:
    id: str
    vector: list[float]
    payload: dict[str, Any]


@dataclass
class StoredPoint:
    id: str
    payload: dict[str, Any]
    score: float = 0.0
    vector: list[float] | None = field(default=None, repr=False)


class Store(Protocol):
    kind: str
    location: str

    def read_meta(self) -> dict[str, Any] | None: ...

    def write_meta(self, meta: dict[str, Any]) -> None: ...

    def ensure_collection(self, dimension: int) -> None: ...

    def upsert(self, points: Sequence[PointData]) -> None: ...

    def delete_question(self, question_id: str, keep_hash: str | None = None) -> None:
        """Delete the question's passages, except those written with content hash ``keep_hash``."""
        ...

    def heads(self, question_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """Payload of each question's first passage, by question id (absent ones left out)."""
        ...

    def find_natural_key(self, key: str) -> str | None:
        """Id of an indexed question with this natural key, if any."""
        ...

    def search(self, vector: Sequence[float], limit: int, flt: SearchFilter) -> list[StoredPoint]: ...

    def question_points(self, question_id: str, with_vectors: bool = False) -> list[StoredPoint]: ...

    def count(self, flt: SearchFilter | None = None, heads_only: bool = False) -> int: ...

    def optimize(self) -> None: ...

    def close(self) -> None: ...
