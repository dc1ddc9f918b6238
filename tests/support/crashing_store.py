"""A store that dies at its N-th write: what SIGKILL does to a writer between two engine calls.

Every engine operation is written to the engine's log before it returns, so a process killed
after its N-th write call leaves exactly the first N operations applied, and no more: this proxy
stops a write at that point (:class:`Crash`), and the test then closes the store, as the next
process would find it. It counts any method that changes the store, so the same test runs on a
write protocol with other methods (the one before generations: ``delete_question``).
"""

from __future__ import annotations

from typing import Any

WRITE_METHODS = frozenset({"upsert", "delete", "delete_question", "set_payload"})


class Crash(BaseException):
    """The simulated death of the process (a BaseException: nothing in the writer catches it)."""


class CrashingStore:
    def __init__(self, store: Any, crash_at: int | None) -> None:
        self._store = store
        self.crash_at = crash_at  # the 1-based write call that does not happen; None: never
        self.writes = 0

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._store, name)
        if name not in WRITE_METHODS or not callable(attribute):
            return attribute

        def write(*args: Any, **kwargs: Any) -> Any:
            self.writes += 1
            if self.crash_at is not None and self.writes >= self.crash_at:
                raise Crash(f"killed before write call {self.writes} ({name})")
            return attribute(*args, **kwargs)

        return write
