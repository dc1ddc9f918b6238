"""What ranking reads of a passage (its question, position and language), kept by point id so
that a search need not ask the engine for payloads.

Why: the engine reads a field of a point's payload by parsing the whole payload, its text too;
at 400,000 passages that was half of a search's engine time (15 of 29 ms, docs/performance.md).

Why it needs no invalidation: a point's id is a hash of its question, position and generation
(:func:`semsearch.ids.point_id`), a generation is written once, and these three fields are
never changed after (a commit changes only the write state). So what the map says of an id
stays true; an entry of a deleted point is never looked up (the engine returns only points that
exist); an id the map does not know is read from the engine and added. The saved copy
(``point_keys.npz`` beside the shard, written when the index is optimised) is a cache: missing,
stale or unreadable, it only costs the engine reads it saves.
"""

from __future__ import annotations

import threading
import uuid
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from semsearch.payload import LANGUAGE, POSITION, QUESTION_ID
from semsearch.store.base import StoredPoint
from semsearch.store.edge_folder import KEYS_FILE as FILE
from semsearch.whole_files import write_whole

KEY_FIELDS: tuple[str, ...] = (QUESTION_ID, POSITION, LANGUAGE)
# Saved point keys may hold this many entries per passage (of passages since deleted) before a
# save reads them all from the engine again.
_SLACK = 1.25
_LOW = (1 << 64) - 1

Key = tuple[str, int, str | None]  # question id, position, language


def as_int(point_id: Any) -> int:
    if isinstance(point_id, int):
        return point_id
    return point_id.int if isinstance(point_id, uuid.UUID) else uuid.UUID(str(point_id)).int


def key_of(payload: dict[str, Any]) -> Key | None:
    qid, position = payload.get(QUESTION_ID), payload.get(POSITION)
    if not isinstance(qid, str) or not isinstance(position, int):
        return None
    language = payload.get(LANGUAGE)
    return qid, position, language if isinstance(language, str) else None


@dataclass(frozen=True)
class _Saved:
    """The saved map as arrays sorted by the ids' low 64 bits (a few bytes a passage)."""

    low: np.ndarray
    high: np.ndarray
    question: np.ndarray  # index in questions
    position: np.ndarray
    language: np.ndarray  # index in languages, -1: none
    questions: list[str]
    languages: list[str]

    def find(self, ids: Sequence[int]) -> list[Key | None]:
        if not ids or not len(self.low):
            return [None] * len(ids)
        low = np.fromiter((i & _LOW for i in ids), np.uint64, len(ids))
        high = np.fromiter((i >> 64 for i in ids), np.uint64, len(ids))
        at = np.minimum(np.searchsorted(self.low, low), len(self.low) - 1)
        found = ((self.low[at] == low) & (self.high[at] == high)).tolist()
        return self._keys(at, found)

    def all_keys(self) -> list[Key]:
        return [k for k in self._keys(np.arange(len(self.low)), [True] * len(self.low)) if k is not None]

    def _keys(self, at: np.ndarray, found: list[bool]) -> list[Key | None]:
        questions, positions = self.question[at].tolist(), self.position[at].tolist()
        named = [self.languages[n] if n >= 0 else None for n in self.language[at].tolist()]
        return [
            (self.questions[questions[n]], positions[n], named[n]) if ok else None
            for n, ok in enumerate(found)
        ]


class PointKeys:
    """Point id → (question id, position, language): the saved map, and what this process learnt since."""

    def __init__(self, saved: _Saved | None = None) -> None:
        self._saved = saved
        self._added: dict[int, Key] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return (len(self._saved.low) if self._saved is not None else 0) + len(self._added)

    def find(self, point_ids: Sequence[Any]) -> list[Key | None]:
        ids = [as_int(p) for p in point_ids]
        keys = self._saved.find(ids) if self._saved is not None else [None] * len(ids)
        return [k if k is not None else self._added.get(i) for i, k in zip(ids, keys, strict=True)]

    def entries(self) -> Iterator[tuple[int, Key]]:
        """Every entry known: of the saved copy, then learnt since."""
        saved = self._saved
        if saved is not None:
            ids = ((h << 64) | low for low, h in zip(saved.low.tolist(), saved.high.tolist(), strict=True))
            yield from zip(ids, saved.all_keys(), strict=True)
        yield from list(self._added.items())  # one snapshot: searches may add meanwhile

    def add(self, point_id: Any, payload: dict[str, Any]) -> Key | None:
        key = key_of(payload)
        if key is not None:
            with self._lock:
                self._added[as_int(point_id)] = key
        return key

    # -- the saved copy ---------------------------------------------------------------------
    @classmethod
    def load(cls, folder: Path) -> PointKeys:
        """The saved map of an index folder; an empty one when there is none or it cannot be read."""
        try:
            with np.load(folder / FILE, allow_pickle=False) as saved:
                arrays = {name: saved[name] for name in saved.files}
            loaded = _Saved(
                arrays["low"],
                arrays["high"],
                arrays["question"],
                arrays["position"],
                arrays["language"],
                [str(q) for q in arrays["questions"].tolist()],
                [str(q) for q in arrays["languages"].tolist()],
            )
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
            return cls()
        if not _consistent(loaded):
            return cls()
        return cls(loaded)

    @staticmethod
    def save(folder: Path, entries: Iterable[tuple[Any, Key]]) -> bool:
        """Write the map of ``entries`` (point id, key) beside the shard, whole or not at all.
        False when it could not be written: searches then read the engine."""
        keys = {as_int(point_id): key for point_id, key in entries}
        ids = sorted(keys, key=lambda i: i & _LOW)
        questions = sorted({keys[i][0] for i in ids})
        languages = sorted({lang for i in ids if (lang := keys[i][2]) is not None})
        q_index = {q: n for n, q in enumerate(questions)}
        l_index = {lang: n for n, lang in enumerate(languages)}
        arrays = {
            "low": np.array([i & _LOW for i in ids], np.uint64),
            "high": np.array([i >> 64 for i in ids], np.uint64),
            "question": np.array([q_index[keys[i][0]] for i in ids], np.int32),
            "position": np.array([keys[i][1] for i in ids], np.int32),
            "language": np.array([l_index.get(keys[i][2] or "", -1) for i in ids], np.int16),
            "questions": np.array(questions, dtype=str) if questions else np.array([], dtype="<U1"),
            "languages": np.array(languages, dtype=str) if languages else np.array([], dtype="<U1"),
        }
        try:
            write_whole(folder / FILE, lambda handle: np.savez(handle, **arrays))  # type: ignore[arg-type]
        except OSError:
            return False
        return True


def keyed_points(
    keys: PointKeys, hits: Sequence[Any], fields: Sequence[str], read: Callable[[list[str]], list[Any]]
) -> list[StoredPoint]:
    """Engine hits (with ids and scores, no payload) with the asked ``fields`` from ``keys``; those
    it does not know are ``read`` from the engine and learnt (a hit deleted meanwhile is left out)."""
    # The engine makes a new UUID object each time a hit's id is read: read once (1 µs a hit, 500
    # hits a search).
    ids = [h.id for h in hits]
    found = keys.find(ids)
    unknown = [str(i) for i, k in zip(ids, found, strict=True) if k is None]
    if unknown:
        read_now = {str(r.id): keys.add(r.id, dict(r.payload or {})) for r in read(unknown)}
        found = [k if k is not None else read_now.get(str(i)) for i, k in zip(ids, found, strict=True)]
    picks = [(f, KEY_FIELDS.index(f)) for f in fields]
    return [
        StoredPoint(str(point_id), {f: key[n] for f, n in picks if key[n] is not None}, score=h.score)
        for h, point_id, key in zip(hits, ids, found, strict=True)
        if key is not None
    ]


def save_covering(
    folder: Path, keys: PointKeys, count: int, scan: Callable[[], Iterable[tuple[Any, Key]]]
) -> bool:
    """Save the point keys of an index of ``count`` passages: what is known (the copy read, each
    passage this process wrote or looked up) when it is as many as the passages and not many
    more; else ``scan`` every passage (24 s at 400,000 passages), which also drops the entries
    of deleted passages. Either way a passage the copy misses is only looked up by the searches
    that meet it."""
    entries = keys.entries() if count <= len(keys) <= count * _SLACK else scan()
    return PointKeys.save(folder, entries)


def _consistent(saved: _Saved) -> bool:
    """Whether a loaded copy is whole: same lengths, sorted ids, indexes in range."""
    n = len(saved.low)
    kinds = (saved.low, saved.high, saved.question, saved.position, saved.language)
    if [a.dtype.kind for a in kinds] != ["u", "u", "i", "i", "i"] or any(a.ndim != 1 for a in kinds):
        return False
    if any(len(a) != n for a in (saved.high, saved.question, saved.position, saved.language)):
        return False
    if n == 0:
        return True
    return bool(
        np.all(saved.low[1:] >= saved.low[:-1])
        and saved.question.min() >= 0
        and saved.question.max() < len(saved.questions)
        and saved.language.min() >= -1
        and saved.language.max() < len(saved.languages)
    )
