"""An engine shard standing in for the real one in a store, noting something of each query it is
sent (the tests of the pending condition, of the graph search's breadth)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class ShardSpy:
    def __init__(self, shard: Any, note: Callable[[Any], Any]) -> None:
        self.shard = shard
        self._note = note
        self.seen: list[Any] = []

    def query(self, request: Any) -> Any:
        self.seen.append(self._note(request))
        return self.shard.query(request)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.shard, name)
