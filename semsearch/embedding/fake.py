"""A tiny deterministic embedder derived from the words, for tests and demos.

Texts that share words get similar vectors, so ranking tests mean something, and it
costs microseconds instead of a model load. Words are folded to ASCII and cut to five
letters, a crude stemmer that makes 'primes'/'prime' and 'rénovation'/'renovations' meet.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Sequence

import numpy as np

_WORD = re.compile(r"[a-z0-9]+")


def _words(text: str) -> list[str]:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    return [w[:5] for w in _WORD.findall(folded) if len(w) > 2]


class FakeEmbedder:
    precision = "fp32"

    def __init__(self, dimension: int = 64, max_tokens: int = 128) -> None:
        self.name = f"fake:{dimension}"
        self.dimension = dimension
        self.max_tokens = max_tokens

    def _embed(self, text: str) -> np.ndarray:
        vector = np.zeros(self.dimension, dtype=np.float32)
        for word in _words(text):
            digest = hashlib.blake2b(word.encode(), digest_size=8).digest()
            index = int.from_bytes(digest[:4], "little") % self.dimension
            # A weight from the hash, not just +-1: distinct texts then never tie exactly, and
            # ties are what engines order differently (rank fusion turns that into scores).
            weight = 1.0 + digest[5] / 255.0
            vector[index] += weight if digest[4] & 1 else -weight
        # A small component of its own on the first axis: no two texts are exactly orthogonal,
        # so texts sharing no word still get distinct (tiny) scores instead of a tie at 0.
        whole = hashlib.blake2b(text.encode(), digest_size=4).digest()
        vector[0] += 0.05 + int.from_bytes(whole, "little") / 2**32 * 0.05
        return vector / float(np.linalg.norm(vector))

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.stack([self._embed(t) for t in texts])

    def embed_query(self, text: str) -> np.ndarray:
        return self._embed(text)

    def count_tokens(self, text: str) -> int:
        return len(text.split()) + 2
