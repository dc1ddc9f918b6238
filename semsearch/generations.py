"""The write protocol that keeps an index exact whatever moment a crash falls on.

Every write of a question is a new *generation* (a number that only grows), in its points' ids and
payloads. A write goes in three engine operations:

1. its passages are written *pending*: every reader's conditions exclude pending points
   (``semsearch.store.conditions``), so nobody sees them, and the old generation is untouched;
2. the question's other generations (and a question it replaces) are deleted;
3. its passages are marked *committed*, in one operation: the question is whole again.

A crash before 2 leaves the old question as it was, plus invisible pending points; a crash
between 2 and 3 leaves the new generation complete but pending. :func:`recover` (run before a
writer's first write, and by ``semsearch check --repair``) finishes the second kind (roll
forward: its points are all there, each pending point records how many there are) and removes the
first (roll back). A committed question is therefore always exactly one complete generation, and
its head's content hash is the hash of exactly its passages: "unchanged" can trust it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from semsearch import payload as pl
from semsearch.store import conditions as cond
from semsearch.store.base import Store, StoredPoint

# An unfinished write this old is a dead writer's even on a shared server (where a younger one may
# be in progress in another process): it is rolled back.
STALE_SECONDS = 15 * 60

_lock = threading.Lock()
_last = 0


def next_generation() -> int:
    """A number greater than every one this process gave before: the clock in microseconds, so
    that generations also grow from one run to the next (and tell an unfinished write's age)."""
    global _last
    with _lock:
        _last = max(time.time_ns() // 1000, _last + 1)
        return _last


def age_seconds(generation: int) -> float:
    return time.time() - generation / 1e6


def commit(store: Store, question_ids: Sequence[str], generation: int, replaced: Sequence[str] = ()) -> None:
    """Make ``generation`` of these questions the one readers see (steps 2 and 3 above)."""
    if not question_ids:
        return
    store.delete(cond.other_generations(question_ids, generation))
    if replaced:
        store.delete(cond.every_point_of(replaced))
    store.set_payload(cond.generation_of(question_ids, generation), {pl.WRITE_STATE: pl.COMMITTED})


@dataclass
class Recovery:
    """What :func:`recover` did: the questions whose unfinished write it finished or removed."""

    finished: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    left: list[str] = field(default_factory=list)  # possibly in progress elsewhere (a shared server)


@dataclass
class _Unfinished:
    question_id: str
    generation: int
    expected: int | None = None
    positions: set[int] = field(default_factory=set)
    replaces: str | None = None

    @property
    def complete(self) -> bool:
        return self.expected is not None and self.positions == set(range(self.expected))


def unfinished_writes(store: Store) -> list[_Unfinished]:
    """Every pending generation in the store, oldest first."""
    found: dict[tuple[str, int], _Unfinished] = {}
    for p in store.scan(cond.uncommitted(), pl.WRITE_FIELDS):
        key = (pl.question_id_of(p.payload), pl.generation_of(p.payload))
        write = found.setdefault(key, _Unfinished(*key))
        write.positions.add(pl.position_of(p.payload))
        write.expected = pl.passage_count_of(p.payload)
        write.replaces = write.replaces or pl.replaces_of(p.payload)
    return sorted(found.values(), key=lambda w: w.generation)


def recover(store: Store) -> Recovery:
    """Finish the unfinished writes whose passages are all there, remove the others.

    On a store another process may be writing to (``store.exclusive`` False), a write that is not
    complete is removed only once it is :data:`STALE_SECONDS` old: younger, it may be in
    progress. Finishing a complete one is what its writer would do next, so it is always safe.
    """
    done = Recovery()
    for write in unfinished_writes(store):
        qid = write.question_id
        if write.complete:
            commit(store, [qid], write.generation, [write.replaces] if write.replaces else [])
            done.finished.append(qid)
        elif store.exclusive or age_seconds(write.generation) > STALE_SECONDS:
            store.delete(cond.generation_of([qid], write.generation))
            done.removed.append(qid)
        else:
            done.left.append(qid)
    return done


def consistent(head: pl.Payload, points: Sequence[StoredPoint]) -> bool:
    """Whether a question's committed points are exactly one version: its head's generation and
    content hash on every one, positions 0..n-1 once each (and n as recorded, when it is)."""
    generation, digest = pl.generation_of(head), pl.content_hash_of(head)
    positions = sorted(pl.position_of(p.payload) for p in points)
    expected = pl.passage_count_of(head)
    return (
        all(pl.generation_of(p.payload) == generation for p in points)
        and all(pl.content_hash_of(p.payload) == digest for p in points)
        and positions == list(range(len(positions)))
        and (expected is None or expected == len(positions))
    )
