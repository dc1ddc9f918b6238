"""An embedded index folder held by this process: its lock, its shard, and a private copy of a
read-only one; every engine call made through :meth:`ShardHolder._engine`, so that whatever the
engine says about its files (a garbled page, a truncated vector file, a full disk) reaches the
user as one line. :class:`semsearch.store.edge.EdgeStore` reads and writes through it."""

from __future__ import annotations

import ctypes
import threading
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import qdrant_edge as qe

from semsearch.errors import DiskSpaceError, IndexDamagedError, StoreUnavailableError
from semsearch.filters import SearchFilter
from semsearch.store import edge_folder, edge_guard
from semsearch.store.base import PointData, StoredPoint
from semsearch.store.edge_folder import HEADS, SHARD, SHARDS, IndexLock
from semsearch.store.edge_models import point_data, to_edge_filter
from semsearch.store.page_cache import CacheWarmer

T = TypeVar("T")
SCROLL_PAGE = 1000


def outlive(kept: object) -> None:
    """Keep ``kept`` until the process ends: one more reference that nothing gives back, so that
    neither its collection nor the interpreter's teardown frees it (the system does, at exit)."""
    ctypes.pythonapi.Py_IncRef(ctypes.py_object(kept))


class ShardHolder:
    def __init__(self, folder: Path, create: bool = True) -> None:
        """``create=False`` (the commands that only read, ``serve``): a missing index is left
        missing, nothing is written until the first write, and an index built meanwhile by
        another process is opened on the next read; a folder this process cannot write (a
        read-only file system) is then read from a private copy, as the engine cannot open it."""
        self.folder = folder
        self.location = str(folder)
        self.warmer = CacheWarmer()
        self._shard: qe.EdgeShard | None = None
        # The heads' shard (``edge_folder.HEADS``); None in an index made before it, whose one
        # shard holds the question-level vectors too.
        self._heads: qe.EdgeShard | None = None
        self.vectors: dict[str, list[str]] = {}  # each open shard's named vectors, by its folder's name
        self._lock: IndexLock | None = None
        self._copy: Path | None = None
        self._opening = threading.Lock()  # two first requests must not open it twice
        if not create and folder.is_dir() and not edge_folder.writable(folder):
            self._copy = edge_folder.private_copy(folder)
            self._guarded(self._load)
        elif create or edge_folder.has_shard(folder):
            self._open()

    @property
    def root(self) -> Path:
        """Where the engine's files are: the folder, or the private copy of a read-only one."""
        return self._copy or self.folder

    @property
    def _held(self) -> bool:
        return self._lock is not None or self._copy is not None

    def _open(self) -> None:
        """Create the folder, take the lock, load the shard when there is one."""
        with self._opening:
            if self._held:
                return
            self._create_folder()
            self._guarded(self._load)

    def _guarded(self, step: Callable[[], None]) -> None:
        try:
            step()
        except BaseException:
            self._release()
            raise

    def _create_folder(self) -> None:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreUnavailableError(
                f"cannot create the index folder {self.folder}: {exc.strerror}"
            ) from exc
        if not edge_folder.writable(self.folder):
            raise StoreUnavailableError(
                f"the index folder {self.folder} is read-only: it can be searched, not written"
            )
        lock = IndexLock(self.folder)
        lock.acquire()
        self._lock = lock

    def _load(self) -> None:
        for name in SHARDS:
            edge_guard.check_shard_files(self.root, name)
        if (self.root / SHARD / "edge_config.json").exists():
            edge_guard.ensure_free(self.root, edge_guard.open_needs(self.root), "open the index")
            shard = self._engine("open the index", lambda: qe.EdgeShard.load(str(self.root / SHARD)))
            if (self.root / HEADS / "edge_config.json").exists():
                try:
                    self._heads = self._engine(
                        "open the index", lambda: qe.EdgeShard.load(str(self.root / HEADS))
                    )
                except BaseException:
                    shard.close()
                    raise
            self._shard = shard
            self.remember_vectors()

    def remember_vectors(self) -> None:
        self.vectors = {name: edge_folder.vector_names(self.root / name) for name in SHARDS}

    def _release(self) -> None:
        if self._lock is not None:
            self._lock.release()
            self._lock = None
        if self._copy is not None:
            edge_folder.remove_copy(self._copy)
            self._copy = None

    @property
    def _ready(self) -> qe.EdgeShard | None:
        """The shard for a read: None while there is no index (opened once another process made one)."""
        if self._shard is None and not self._held and edge_folder.has_shard(self.folder):
            self._open()
        return self._shard

    def _engine(self, what: str, call: Callable[[], T]) -> T:
        """One engine call; its failure becomes one line saying what could not be done and why."""
        try:
            return call()
        except Exception as exc:
            detail = " ".join(str(exc).split())[:300] or type(exc).__name__
            if "No space left" in detail:
                raise DiskSpaceError(
                    f"the disk of the index {self.folder} is full (while trying to {what}): free some space"
                ) from None
            if "Read-only file system" in detail:
                raise StoreUnavailableError(f"the index folder {self.folder} is read-only") from None
            raise IndexDamagedError(f"cannot {what} in the index {self.folder}: {detail}") from None

    @property
    def heads_shard(self) -> qe.EdgeShard:
        """Where the question-level vectors are."""
        return self._heads if self._heads is not None else self.shard

    @property
    def shards(self) -> list[qe.EdgeShard]:
        """The open shards, the heads' first: a write goes there first (``EdgeStore``)."""
        return [s for s in (self._heads, self._shard) if s is not None]

    @property
    def shard(self) -> qe.EdgeShard:
        if self._ready is None:
            raise StoreUnavailableError(f"the index in {self.folder} is empty: run 'semsearch index' first")
        assert self._shard is not None
        return self._shard

    def warm(self) -> None:
        """Read the index's files into the page cache in a thread (``semsearch.store.page_cache``)."""
        if self._shard is not None:
            self.warmer.start([self.root / name for name in SHARDS])

    def close(self, leave_cached: bool = False) -> None:
        """``leave_cached``: for a process that ends next (a command of the ``semsearch`` CLI).
        The engine drops a shard's files from the page cache as it closes or frees it, so the next
        command would read them from the disk again (a cold ``semsearch search`` opened 400,000
        passages in about 1.0 s that way, 0.5 s with the files cached). The shards are flushed
        (what a close saves) and kept, with the lock, until the process ends; it cannot open this
        index again meanwhile. A private copy is closed and removed as usual."""
        self.warmer.stop()
        leave = leave_cached and self._copy is None
        try:
            shards, self._heads, self._shard = self.shards, None, None
            for shard in shards:
                self._engine("save the index", shard.flush)
                if leave:
                    outlive(shard)
                else:
                    shard.close()
        finally:
            if leave and self._lock is not None:
                outlive(self._lock)  # released by the system as the process ends, after the shards
                self._lock = None
            self._release()

    # -- reading, in either shard ---------------------------------------------------------
    def _scroll(
        self, flt: qe.Filter | None, with_vectors: bool = False, fields: Any = True, heads: bool = False
    ) -> list[StoredPoint]:
        """Every point ``flt`` matches, in the passages' shard (or the heads' one)."""
        shard = self.heads_shard if heads else self.shard
        found: list[StoredPoint] = []
        offset: Any = None
        while True:
            request = qe.ScrollRequest(
                offset=offset,
                limit=SCROLL_PAGE,
                filter=flt,
                with_payload=fields,
                with_vector=self.vectors[HEADS if heads else SHARD] if with_vectors else False,
            )
            records, offset = self._engine("read passages", lambda r=request: shard.scroll(r))  # type: ignore[misc]
            for data in self._with_heads(records) if with_vectors else map(point_data, records):
                found.append(
                    StoredPoint(data.id, data.payload, vector=data.vector or None, vectors=data.extra)
                )
            if offset is None:
                return found

    def _with_heads(self, records: list[Any]) -> list[PointData]:
        """Records of the passages' shard with their question-level vectors from the heads'."""
        if self._heads is None or not records:
            return [point_data(r) for r in records]
        ids: list[int | uuid.UUID | str] = [r.id for r in records]
        heads = self._engine(
            "read passages", lambda: self.heads_shard.retrieve(ids, False, self.vectors[HEADS])
        )
        by_id = {str(h.id): h for h in heads}
        return [point_data(r, by_id.get(str(r.id))) for r in records]

    def count(self, flt: SearchFilter | None = None, heads_only: bool = False) -> int:
        if self._ready is None:
            return 0
        request = qe.CountRequest(filter=to_edge_filter(flt, heads_only), exact=True)
        return int(self._engine("count passages", lambda: self.shard.count(request)))

    def has_questions(self) -> bool:
        # A count of the heads read them all, holding the interpreter: 0.4 s of a cold CLI's
        # opening on 400,000 passages, against 1 ms for the first one (docs/performance.md).
        if self._ready is None:
            return False
        heads = to_edge_filter(None, True)
        request = qe.ScrollRequest(limit=1, filter=heads, with_payload=False, with_vector=False)
        records, _ = self._engine("look up a question", lambda: self.shard.scroll(request))
        return bool(records)
