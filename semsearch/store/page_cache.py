"""The embedded index's files read once into the operating system's page cache, in the background.

The engine maps the files it keeps on disk (the question-level vectors, the payloads and their
indexes) and reads a page from the disk when a search first touches it, holding the interpreter
meanwhile, so every other request waits on that disk read too. It also drops its files from the
page cache when it closes an index: a new server starts cold whatever ran before. On the
400,002-passage bench index 8 threads of new searches right after the opening met about 90 disk
reads a search and searched at 28.6-28.8 a second, against 43.1-44.8 with the files read first
(``python -m bench.levers pagecache``; docs/performance.md).

The files are read in the order the searches need them most (the question-level vectors first),
as long as they fit in half the memory the system says is available; the rest is left to the
searches. Reading is best effort: a file that vanished (an optimisation replaced its segment) or
cannot be read is skipped.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from pathlib import Path

_CHUNK = 1 << 20  # a search's own disk reads wait behind one chunk at most
# The vectors an HNSW search visits at random (the passage vectors are held in memory already).
_FIRST = ("vector_storage-question",)


def available_memory(meminfo: Path = Path("/proc/meminfo")) -> int | None:
    """The bytes the system can give without swapping (Linux's MemAvailable), None if unknown."""
    try:
        for line in meminfo.read_text(encoding="ascii").splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def files_to_read(shards: Sequence[Path], budget: int) -> list[Path]:
    """The shards' files worth reading, most needed first, as many as ``budget`` bytes allow."""
    found: list[tuple[bool, int, Path]] = []
    for shard in shards:
        for path in shard.glob("segments/*/**/*"):
            try:
                size = path.stat().st_size if path.is_file() else 0
            except OSError:
                continue
            if size:
                first = any(part.startswith(_FIRST) for part in path.relative_to(shard).parts)
                found.append((not first, size, path))
    chosen: list[Path] = []
    for _, size, path in sorted(found):
        if size > budget:
            continue
        budget -= size
        chosen.append(path)
    return chosen


def read_into_cache(paths: list[Path], stop: threading.Event) -> int:
    """Read ``paths`` whole (the kernel keeps what it read); the bytes read. ``stop`` ends it early."""
    buffer = bytearray(_CHUNK)
    total = 0
    for path in paths:
        try:
            fd = os.open(path, os.O_RDONLY)
        except OSError:
            continue
        try:
            offset = 0
            while not stop.is_set():
                read = os.preadv(fd, [buffer], offset)
                if not read:
                    break
                offset += read
        except OSError:
            pass
        finally:
            os.close(fd)
            total += offset
        if stop.is_set():
            break
    return total


class CacheWarmer:
    """Reads an index's files in a thread of its own (started once), stopped when the index closes."""

    def __init__(self) -> None:
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.bytes_read: int | None = None  # once done

    def start(self, shards: Sequence[Path], memory: int | None = None) -> bool:
        """Start reading the ``shards``' files; False when it was started before, or the memory
        available is unknown (``memory``: instead of the system's figure)."""
        available = memory if memory is not None else available_memory()
        if self._thread is not None or available is None or not hasattr(os, "preadv"):
            return False
        paths = files_to_read(shards, available // 2)

        def run() -> None:
            self.bytes_read = read_into_cache(paths, self._stop)

        self._thread = threading.Thread(target=run, name="semsearch-page-cache", daemon=True)
        self._thread.start()
        return True

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def wait(self, timeout: float | None = None) -> bool:
        """Whether the reading has ended (tests, the bench)."""
        if self._thread is not None:
            self._thread.join(timeout)
        return self._thread is not None and not self._thread.is_alive()
