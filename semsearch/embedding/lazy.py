"""A model loaded once: on its first use, or started in a thread while the index opens.

Loading a model takes seconds (e5 1.6 s, USE 1.0 s on the bench machine); a one-off search from the
shell and ``serve``'s start load both beside the index's opening instead of after it
(docs/performance.md).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Generic, TypeVar

T = TypeVar("T")


class Lazy(Generic[T]):
    def __init__(self, load: Callable[[], T], value: T | None = None) -> None:
        self._load = load
        self._value = value
        self._loading: Future[T] | None = None
        self._lock = threading.Lock()  # two first requests must not load the model twice

    @property
    def loaded(self) -> T | None:
        """The model if it is loaded, without loading it."""
        return self._value

    @property
    def loading(self) -> bool:
        return self._loading is not None

    def start(self) -> None:
        """Load it in a thread of its own from now on (its errors come out at the first ``get``)."""
        if self._value is None and self._loading is None:
            pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="semsearch-model")
            self._loading = pool.submit(self._load)
            pool.shutdown(wait=False)

    def cancel(self) -> None:
        if self._loading is not None:
            self._loading.cancel()

    def get(self, before: Callable[[], None]) -> T:
        """The model; ``before`` runs once, before the first wait or load (a check that must
        refuse before a model is used)."""
        if self._value is None:
            with self._lock:
                if self._value is None:
                    before()
                    loading, self._loading = self._loading, None
                    self._value = loading.result() if loading is not None else self._load()
        return self._value
