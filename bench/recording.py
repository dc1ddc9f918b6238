"""What the service does for one request, recorded so that exactly that work can be replayed.

The floor (``bench.floor``) and the bare encoders of indexing (``bench.indexing``) must stay true
when the service's internals change (fewer engine queries, a batch call, another encoder), so
they are not written out by hand: the bench patches, on the very objects the service holds (its
store and its encoders), every public method, runs a request through the service's public API and
keeps the outermost calls with their arguments. Replaying them later does the same engine and
model work with nothing around it (no fusion, no result building, no cache, no HTTP).
"""

from __future__ import annotations

import inspect
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

STORE = "store"
PASSAGE_MODEL = "passage model"
QUESTION_MODEL = "question model"
# Store methods that are engine queries (``search``, and any batch or query form of it); the
# other store calls (payload reads, a question's points) are counted but not replayed.
ENGINE_PREFIXES = ("search", "query")
ENCODING_PREFIX = "embed"


@dataclass
class Call:
    target: str
    name: str
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    seconds: float = 0.0

    @property
    def engine(self) -> bool:
        return self.target == STORE and self.name.startswith(ENGINE_PREFIXES)

    @property
    def encoding(self) -> bool:
        return self.target != STORE and self.name.startswith(ENCODING_PREFIX)

    @property
    def texts(self) -> int:
        """How many texts an encoding call encodes."""
        first = self.args[0] if self.args else None
        return 1 if isinstance(first, str) else len(first) if first is not None else 0


@dataclass
class Recording:
    calls: list[Call] = field(default_factory=list)

    @property
    def engine(self) -> list[Call]:
        return [c for c in self.calls if c.engine]

    @property
    def encodings(self) -> list[Call]:
        return [c for c in self.calls if c.encoding]

    def other(self) -> dict[str, int]:
        """Calls neither replayed as engine queries nor as encodings, by ``target.name``."""
        counts: dict[str, int] = {}
        for c in self.calls:
            if not (c.engine or c.encoding):
                counts[f"{c.target}.{c.name}"] = counts.get(f"{c.target}.{c.name}", 0) + 1
        return counts


def _public_methods(obj: object) -> list[str]:
    return [
        name
        for name, member in inspect.getmembers(type(obj))
        if not name.startswith("_") and inspect.isfunction(member)
    ]


def _random_vectors(target: object, first: Any) -> np.ndarray:
    """Unit vectors of the encoder's dimension, shaped as its answer (one text or a list)."""
    dimension = int(getattr(target, "dimension"))  # noqa: B009 (the protocol's attribute)
    rows = 1 if isinstance(first, str) else max(len(first), 0)
    vectors = np.random.default_rng(rows).standard_normal((rows, dimension)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors[0] if isinstance(first, str) else vectors


class Recorder:
    """``with Recorder({name: obj}) as rec:`` records the outermost public method calls on each
    object into ``rec.recording``; ``stand_in=True``: encodings return random unit vectors instead
    of running the model (to learn what indexing encodes without paying for it twice)."""

    def __init__(self, targets: Mapping[str, object | None], stand_in: bool = False) -> None:
        self.targets = {name: obj for name, obj in targets.items() if obj is not None}
        self.stand_in = stand_in
        self.recording = Recording()
        # Per thread: a search's parts run in several threads at once (semsearch.fanout), and a
        # call in one is not nested in a call in another.
        self._local = threading.local()
        self._patched: list[tuple[object, str]] = []

    def _wrap(self, target: str, obj: object, name: str) -> Callable[..., Any]:
        original = getattr(obj, name)

        def recorded(*args: Any, **kwargs: Any) -> Any:
            depth = self._depths()
            if depth[target]:  # called by another recorded method: part of that call
                return original(*args, **kwargs)
            depth[target] += 1
            call = Call(target, name, args, kwargs)
            started = time.perf_counter()
            try:
                if self.stand_in and call.encoding:
                    return _random_vectors(obj, args[0] if args else kwargs.get("texts"))
                return original(*args, **kwargs)
            finally:
                call.seconds = time.perf_counter() - started
                self.recording.calls.append(call)
                depth[target] -= 1

        return recorded

    def _depths(self) -> dict[str, int]:
        """This thread's depth of recorded calls, per target."""
        if not hasattr(self._local, "depth"):
            self._local.depth = dict.fromkeys(self.targets, 0)
        depth: dict[str, int] = self._local.depth
        return depth

    def __enter__(self) -> Recorder:
        for target, obj in self.targets.items():
            for name in _public_methods(obj):
                setattr(obj, name, self._wrap(target, obj, name))
                self._patched.append((obj, name))
        return self

    def __exit__(self, *exc: object) -> None:
        for obj, name in self._patched:
            delattr(obj, name)  # the class's method shows again
        self._patched.clear()

    def take(self) -> Recording:
        """The calls so far; the next ones go to a new recording."""
        recording, self.recording = self.recording, Recording()
        return recording


def replay(targets: dict[str, Any], calls: Iterable[Call]) -> None:
    """Make the same calls again on ``targets`` (the recorded objects, no longer patched)."""
    for c in calls:
        getattr(targets[c.target], c.name)(*c.args, **c.kwargs)


def timed_replay(targets: dict[str, Any], calls: Iterable[Call]) -> dict[str, float]:
    """:func:`replay`, with the seconds spent on each target."""
    spent: dict[str, float] = {}
    for c in calls:
        started = time.perf_counter()
        getattr(targets[c.target], c.name)(*c.args, **c.kwargs)
        spent[c.target] = spent.get(c.target, 0.0) + time.perf_counter() - started
    return spent
