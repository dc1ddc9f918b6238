"""A small thread-safe LRU cache of query embeddings.

Search boxes repeat themselves (the same query paged through, refined and taken back, asked by
several people), and a hit saves the model's forward pass: milliseconds of the only CPU-heavy
step of a search. Vectors are returned read-only, so no caller can alter the cached copy.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable

import numpy as np

from semsearch.errors import ConfigError

DEFAULT_SIZE = 1024  # 1024 x 384 float32 = 1.5 MB


class QueryCache:
    """``get(text, compute)``: the cached vector of ``text``, or ``compute(text)`` remembered.

    The model runs outside the lock, so a slow embedding never holds up hits; two threads
    missing the same text at once both compute it (the same vector), which is cheaper than
    making one wait on the other. ``size=0`` turns the cache off.
    """

    def __init__(self, size: int = DEFAULT_SIZE) -> None:
        if size < 0:
            raise ConfigError(f"the query cache size must be 0 or more, not {size}")
        self.size = size
        self.hits = 0
        self.misses = 0
        self._items: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, text: str, compute: Callable[[str], np.ndarray]) -> np.ndarray:
        if self.size == 0:
            return compute(text)
        with self._lock:
            vector = self._items.get(text)
            if vector is not None:
                self._items.move_to_end(text)
                self.hits += 1
                return vector
            self.misses += 1
        vector = np.array(compute(text), dtype=np.float32)  # a private copy, then frozen
        vector.flags.writeable = False
        with self._lock:
            self._items[text] = vector
            self._items.move_to_end(text)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return vector

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def __len__(self) -> int:
        return len(self._items)
