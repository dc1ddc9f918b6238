"""The embedded index's folder: the lock that names its holder, the meta file, removal, and the
payload indexes' on-disk settings.

Layout: ``shard/`` (the Edge shard of the passages), ``heads/`` (the Edge shard of the questions'
heads with their question-level vectors; absent in an index made before it, where ``shard/``
holds them), ``semsearch.json`` (the model and dimension the index was
built with), ``point_keys.npz`` (each passage's question and position, ``semsearch.store.point_keys``)
and ``.lock`` (the process that holds it: Edge allows one process per shard, and says
so only with an obscure WAL error).
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import IO, Any

import qdrant_edge as qe

from semsearch.errors import IndexLockedError, StoreUnavailableError
from semsearch.payload import DATETIME_FIELDS, INTEGER_FIELDS, KEYWORD_FIELDS
from semsearch.whole_files import write_text_whole

META_FILE = "semsearch.json"
KEYS_FILE = "point_keys.npz"  # semsearch.store.point_keys: a cache, rebuilt when the index is optimised
SHARD = "shard"
# The question-level vectors in a shard of their own: the engine sizes a named vector's storage
# for every point of its shard, and only a question's head (one passage in five) has them.
HEADS = "heads"
SHARDS = (HEADS, SHARD)


class IndexLock:
    """An exclusive lock on the index folder that names the process holding it."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / ".lock"
        self._handle: IO[str] | None = None

    def acquire(self) -> None:
        try:
            handle = open(self.path, "a+", encoding="utf-8")  # noqa: SIM115 - held until release()
        except OSError as exc:
            raise StoreUnavailableError(
                f"cannot lock the index {self.path.parent}: {exc.strerror or type(exc).__name__}"
            ) from None
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = " ".join(handle.read().split()) or "another process"
            handle.close()
            what = (
                "search it through that server's API (GET /search) and send questions with "
                "POST /questions, or stop the server"
                if "serve" in holder
                else "wait for it to finish or stop it"
            )
            raise IndexLockedError(
                f"the index {self.path.parent} is in use by {holder}; {what}; to share one index "
                "between processes, use a Qdrant server (SEMSEARCH_QDRANT_URL)"
            ) from None
        handle.seek(0)
        handle.truncate()
        # Named with its command, so that a second process can say what holds the index.
        command = " ".join(Path(a).name if i == 0 else a for i, a in enumerate(sys.argv[:2]))
        handle.write(f"process {os.getpid()} ({command})" if command else f"process {os.getpid()}")
        handle.flush()
        self._handle = handle

    def release(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None


def has_shard(folder: Path) -> bool:
    """Whether the folder holds an engine shard (an index was created there), even a damaged one
    (its segments without their configuration: opening it then says the index is damaged)."""
    shard = folder / SHARD
    return (shard / "edge_config.json").exists() or any(p.is_dir() for p in (shard / "segments").glob("*"))


def vector_names(shard: Path) -> list[str]:
    """The named vectors a shard was made with (its dense ones, then its sparse ones): asking the
    engine for another one is an error."""
    try:
        config = json.loads((shard / "edge_config.json").read_bytes())
        return [*config.get("vectors", {}), *config.get("sparse_vectors", {})]
    except (OSError, ValueError, AttributeError):
        return []


def read_meta(folder: Path) -> dict[str, Any] | None:
    path = folder / META_FILE
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise StoreUnavailableError(f"{path} is unreadable: {exc}") from exc
    return data if isinstance(data, dict) else None


def writable(folder: Path) -> bool:
    """Whether this process may write in the folder (False on a read-only file system)."""
    return os.access(folder, os.W_OK)


def private_copy(folder: Path) -> Path:
    """A copy of a read-only index in a temporary folder, for reading: the engine opens an index
    only for writing (its log, its mapped files). The caller removes it (:func:`remove_copy`)."""
    from semsearch.store.edge_guard import MARGIN, ensure_free

    size = sum(p.stat().st_blocks * 512 for p in folder.rglob("*") if p.is_file())
    scratch = Path(tempfile.mkdtemp(prefix="semsearch-readonly-"))
    try:
        ensure_free(scratch, size + MARGIN, f"read the read-only index {folder} from a copy")
        for name in SHARDS:
            if (folder / name).is_dir():
                shutil.copytree(folder / name, scratch / name, copy_function=_sparse_copy)
        for name in (META_FILE, KEYS_FILE):
            if (folder / name).is_file():
                shutil.copy2(folder / name, scratch / name)
    except BaseException:
        shutil.rmtree(scratch, ignore_errors=True)
        raise
    return scratch


def _sparse_copy(source: str, target: str) -> None:
    """Copy a file's data, leaving its holes holes: the engine's files are mostly unallocated
    (a new index is 2 MB on disk and 230 MB in apparent size)."""
    with open(source, "rb") as src, open(target, "wb") as dst:
        size = os.fstat(src.fileno()).st_size
        dst.truncate(size)
        offset = 0
        while offset < size:
            try:
                start = os.lseek(src.fileno(), offset, os.SEEK_DATA)
            except OSError:  # no data after offset
                break
            end = os.lseek(src.fileno(), start, os.SEEK_HOLE)
            src.seek(start)
            dst.seek(start)
            remaining = end - start
            while remaining > 0:
                chunk = src.read(min(remaining, 1 << 20))
                if not chunk:
                    break
                dst.write(chunk)
                remaining -= len(chunk)
            offset = end


def remove_copy(copy: Path) -> None:
    shutil.rmtree(copy, ignore_errors=True)


def write_meta(folder: Path, meta: dict[str, Any]) -> None:
    write_text_whole(folder / META_FILE, json.dumps(meta, indent=2))


def remove_index(folder: Path) -> None:
    """Delete an embedded index (for ``--rebuild``), refusing while another process holds it."""
    if not folder.exists():
        return
    if not (folder / META_FILE).exists() and not (folder / SHARD).exists():
        raise StoreUnavailableError(f"{folder} does not look like a semsearch index; not deleting it")
    lock = IndexLock(folder)
    lock.acquire()
    try:
        for name in SHARDS:
            shutil.rmtree(folder / name, ignore_errors=True)
        (folder / META_FILE).unlink(missing_ok=True)
        (folder / KEYS_FILE).unlink(missing_ok=True)
    finally:
        lock.release()


def field_indexes() -> list[tuple[str, Any]]:
    """The payload indexes, kept on disk and paged in on use ("cold"): loaded into memory, they
    made opening a 400,000-passage index take 3 s instead of 0.7 s (docs/performance.md)."""
    cold = qe.Memory.Cold
    return (
        [(f, qe.KeywordIndexParams(on_disk=True, memory=cold)) for f in KEYWORD_FIELDS]
        + [
            (f, qe.IntegerIndexParams(lookup=True, range=True, on_disk=True, memory=cold))
            for f in INTEGER_FIELDS
        ]
        + [(f, qe.DatetimeIndexParams(on_disk=True, memory=cold)) for f in DATETIME_FIELDS]
    )


def warm_fields(shard: Path) -> set[str]:
    """Fields indexed without the cold parameters in some segment (the engine shows a field's
    index parameters only in the segments' own configuration files)."""
    warm: set[str] = set()
    for config in shard.glob("segments/*/payload_index/config.json"):
        try:
            fields = json.loads(config.read_text(encoding="utf-8")).get("indexed_fields", {})
        except (OSError, ValueError):
            return {f for f, _ in field_indexes()}  # unreadable: rebuild them all, it is cheap
        warm |= {
            f for f, spec in fields.items() if not (isinstance(spec, dict) and spec.get("memory") == "cold")
        }
    return warm


def is_cold(shard: Path, field: str) -> bool:
    return field not in warm_fields(shard)
