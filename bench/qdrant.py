"""The same latency bench against a Qdrant server: the store-scale index copied into a real Qdrant
(the tests' 1.16.3 binary, ``tests/support/qdrant.py``) by ``semsearch migrate``, the floor
in-process against it, then ``semsearch serve --workers 2`` and the latency runs of ``bench.http``.

The server's storage stays in the work folder and is reused while it holds a copy of the same
store-scale index; the runs start once the collection's optimiser has finished (status green).
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from bench import floor, http
from bench.common import BenchError, Config, fail_line, run_child, say, tree_memory
from bench.common import semsearch_command as command
from bench.queries import QueryPool

WORKERS = 2
COLLECTION = "semsearch"  # the product's default (SEMSEARCH_COLLECTION)
MARKER = "bench.json"


def start_node(folder: Path) -> Any:
    """A Qdrant server on free ports; a missing binary (no npm, no network) is a BenchError."""
    from tests.support.qdrant import QdrantNode

    try:
        return QdrantNode(folder).start()
    except (pytest.skip.Exception, pytest.fail.Exception) as exc:
        raise BenchError(f"no Qdrant server: {exc}") from None


def wait_green(url: str, timeout: float = 3 * 3600) -> float:
    """Seconds until the collection's optimiser is done (HNSW built over everything)."""
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        info = httpx.get(f"{url}/collections/{COLLECTION}", timeout=30).json()["result"]
        if info["status"] == "green":
            return time.perf_counter() - started
        time.sleep(2)
    raise BenchError(f"the Qdrant collection is still being optimised after {timeout:.0f} s")


def migrate(config: Config, index: Path, url: str, folder: Path, wanted: dict[str, Any]) -> dict[str, Any]:
    """``semsearch migrate`` of the index into the server, unless it already holds that copy."""
    marker = folder / MARKER
    if marker.is_file():
        done: dict[str, Any] = json.loads(marker.read_text(encoding="utf-8"))
        if done.get("wanted") == wanted:
            return {**done, "reused": True, "optimise_wait_seconds": round(wait_green(url), 1)}
    run = run_child([*command(), "migrate", "--to", url, "--index", str(index)], config)
    if run.returncode != 0:
        raise BenchError(f"semsearch migrate failed ({run.returncode}): {fail_line(run)}")
    done = {"wanted": wanted, "migrate_seconds": round(run.seconds, 1), "summary": fail_line(run)}
    done["optimise_wait_seconds"] = round(wait_green(url), 1)
    marker.write_text(json.dumps(done, indent=2), encoding="utf-8")
    return {**done, "reused": False}


def measure(
    config: Config, index: Path, wanted: dict[str, Any], pool: QueryPool, ids: list[str]
) -> dict[str, Any]:
    """Migrate (or reuse), floor in-process, then ``serve --workers 2`` and the latency runs."""
    folder = config.workdir / "qdrant"
    marker = folder / MARKER
    if marker.is_file() and json.loads(marker.read_text(encoding="utf-8")).get("wanted") != wanted:
        shutil.rmtree(folder)  # a copy of another index: start from an empty server
    folder.mkdir(parents=True, exist_ok=True)
    node = start_node(folder)
    try:
        say("qdrant: migrate the store-scale index (reused when already there)")
        result: dict[str, Any] = {"version": _version(node.url), "workers": WORKERS}
        result["migration"] = migrate(config, index, node.url, folder, wanted)
        say("qdrant: the floor in-process, then serve --workers 2")
        result["floor"] = floor.measure(config, index, pool, qdrant_url=node.url)
        server = http.Server(config, index, workers=WORKERS, qdrant_url=node.url, log="serve-qdrant")
        try:
            result["first_answer_seconds"] = round(server.start(), 3)
            result["runs"] = http.runs(server.url, config, pool, ids)
            result["memory"] = server.memory()
        finally:
            server.stop()
        result["qdrant_memory"] = tree_memory(node.process.pid)
        return result
    finally:
        node.stop()


def _version(url: str) -> str:
    return str(httpx.get(url, timeout=10).json().get("version", "?"))
