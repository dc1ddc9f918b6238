"""Whether an embedded index may hold passages of an unfinished write, so that searches can leave
out the condition that hides them when it cannot.

Why: every read must not see a write's pending passages (``semsearch.generations``), but the
condition costs each engine query a payload check per candidate: 2.7 of a search's 14 ms of
engine time at 400,000 passages (docs/performance.md). On the embedded index this process is the
only writer (the folder's lock), so it can know when there are none: after a count found none,
until its next pending write. The gate makes that safe with concurrent searches: a write of
pending passages first closes the gate and waits for the searches that run without the
condition, and only a count made while no such write is under way opens it again.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager


class PendingGate:
    def __init__(self) -> None:
        self._state = threading.Condition()
        self._open = False  # no pending passage: searches may leave out the condition
        self._checked = False  # a count was made since the index was opened
        self._bare = 0  # searches running without the condition
        self._writing = threading.Lock()  # a write of pending passages, or a count, under way

    @contextmanager
    def searching(self, none_pending: Callable[[], bool]) -> Iterator[bool]:
        """Whether this search needs the condition (True), held until the search is done.
        ``none_pending`` counts (once, at the first search after opening)."""
        if not self._checked:
            self.recount(none_pending)
        with self._state:
            bare = self._open
            if bare:
                self._bare += 1
        try:
            yield not bare
        finally:
            if bare:
                with self._state:
                    self._bare -= 1
                    if not self._bare:
                        self._state.notify_all()

    @contextmanager
    def writing_pending(self) -> Iterator[None]:
        """Around a write that adds pending passages: no search runs without the condition from
        before the write until a count finds none again."""
        with self._writing:
            with self._state:
                self._open = False
                self._state.wait_for(lambda: self._bare == 0)
            yield

    def recount(self, none_pending: Callable[[], bool]) -> None:
        """After a write that may have removed the last pending passages (a commit, a delete)."""
        with self._writing:
            self._checked = True
            if self._open:
                return
            none = none_pending()
            with self._state:
                self._open = none
