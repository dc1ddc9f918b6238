"""What the indexer and the search service need from a model.

Models encode queries and passages differently (``encode_query`` / ``encode_document``),
so the protocol keeps the two apart.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np


class Embedder(Protocol):
    name: str
    dimension: int
    max_tokens: int
    precision: str  # of its vectors: "fp32", or "int8" (a quantised ONNX graph); an index records it

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray: ...

    def embed_query(self, text: str) -> np.ndarray: ...

    def count_tokens(self, text: str) -> int: ...
