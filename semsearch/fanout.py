"""A request's independent parts run at once: each model's encoding of the query and the engine
queries that need it, BM25's engine query. Alone on the machine a search would wait for each in
turn although the other core is idle; under load the pool's queue takes the requests' parts in
the order they came.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import Generic, TypeVar

T = TypeVar("T")


class Fanout:
    """Runs a list of tasks, the first in the calling thread and the others in a shared pool of
    ``workers`` threads (0: all in the calling thread, one after the other). A task must not use
    the fan-out itself: with every worker waiting on the pool, nothing would run."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix="semsearch-part") if workers else None

    def run(self, tasks: Sequence[Callable[[], T]]) -> list[T]:
        """The tasks' results, in the tasks' order; the first failure is raised once every task
        has ended (none is left running behind a request that has already answered)."""
        if self._pool is None or len(tasks) < 2:
            return [task() for task in tasks]
        others: list[Future[T]] = [self._pool.submit(task) for task in tasks[1:]]
        try:
            first = tasks[0]()
        finally:
            wait(others)
        return [first, *(f.result() for f in others)]

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)


SEQUENTIAL = Fanout(0)


class Deferred(Generic[T]):
    """A value made on its first use, by whichever thread asks first (one that asks meanwhile
    waits for it): a query's vector, computed in the part of the search that needs it. A failure
    is raised to the thread that asked, and the next one tries again."""

    def __init__(self, make: Callable[[], T]) -> None:
        self._make: Callable[[], T] | None = make
        self._value: T | None = None
        self._lock = threading.Lock()

    @classmethod
    def of(cls, value: T) -> Deferred[T]:
        """One already made."""
        done: Deferred[T] = cls(lambda: value)
        done.get()
        return done

    def get(self) -> T:
        if self._make is not None:
            with self._lock:
                if self._make is not None:
                    self._value = self._make()
                    self._make = None
        return self._value  # type: ignore[return-value]  # made above (T may itself allow None)
