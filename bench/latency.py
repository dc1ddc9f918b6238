"""Query latency on the store-scale index with the embedded engine: a cold ``semsearch search``
with no server running, then ``semsearch serve`` (its start to its first answer, the latency
runs of ``bench.http``, its memory) and, while it holds the index, a cold ``semsearch search``
again: whatever the CLI does then (ask the running server, or open the index itself) is what is
timed, and a refusal is reported as such.
"""

from __future__ import annotations

import os
import statistics
from pathlib import Path
from typing import Any

from bench import http
from bench.common import Config, fail_line, run_child
from bench.common import semsearch_command as command
from bench.queries import QueryPool


def evict(index: Path) -> None:
    """Drop the index's files from the page cache, as the engine does when it closes a shard and as
    a reboot or memory pressure do: the next process reads them from the disk."""
    for path in index.rglob("*"):
        if path.is_file():
            fd = os.open(path, os.O_RDONLY)
            try:
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            finally:
                os.close(fd)


def cold_cli(config: Config, index: Path, texts: list[str], from_disk: bool = False) -> dict[str, Any]:
    """``semsearch search "…"`` in a new process each time: the wall time from its start to its
    exit, its results printed. ``from_disk``: the index's files are evicted from the page cache
    first; the first run then reads them from the disk and is reported apart (``first_seconds``),
    and the median is of the runs after it, which find the files as the previous command left
    them. A failed run is reported with its last line."""
    if from_disk:
        evict(index)
    times: list[float] = []
    for text in texts:
        run = run_child([*command(), "search", "--index", str(index), "-n", "10", text], config, timeout=300)
        if run.returncode != 0:
            return {"runs": len(times), "failed": fail_line(run), "seconds": [round(t, 3) for t in times]}
        times.append(run.seconds)
    after = times[1:] if from_disk and len(times) > 1 else times
    return {
        "runs": len(times),
        "median_seconds": round(statistics.median(after), 3),
        **({"first_seconds": round(times[0], 3)} if from_disk else {}),
        "seconds": [round(t, 3) for t in times],
    }


def served(config: Config, index: Path, pool: QueryPool, ids: list[str]) -> dict[str, Any]:
    """``semsearch serve`` on the index: start, the latency runs, memory, the CLI beside it."""
    server = http.Server(config, index)
    evict(index)  # as after a reboot: the runs before it left the files in the page cache
    try:
        result: dict[str, Any] = {"first_answer_seconds": round(server.start(), 3)}
        result["memory_after_start"] = server.memory()
        result["runs"] = http.runs(server.url, config, pool, ids)
        result["memory"] = server.memory()
        result["cli_with_server"] = cold_cli(config, index, pool.take(config.cli_runs))
        return result
    finally:
        server.stop()


def measure(config: Config, index: Path, pool: QueryPool, ids: list[str]) -> dict[str, Any]:
    return {
        "cli_without_server": cold_cli(config, index, pool.take(config.cli_runs), from_disk=True),
        "server": served(config, index, pool, ids),
    }
