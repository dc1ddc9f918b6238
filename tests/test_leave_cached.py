"""A command's process leaves the index's files in the page cache as it ends (``Store.close``'s
``leave_cached``): the engine drops a shard's files from the cache when it closes or frees it, so
every cold ``semsearch search`` read them from the disk again. Real processes through the entry
point; the test's own process closes as before, and can open the index again."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from bench.latency import evict
from semsearch.cli.common import CommandProcess
from semsearch.service import SearchService
from tests.support.ports import free_port
from tests.support.resident import resident_in
from tests.support.serve import ServeProcess
from tests.support.settings import FAKE_ENV, fake_settings

pytestmark = pytest.mark.server


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SEMSEARCH_")}
    env.update(FAKE_ENV, SEMSEARCH_RATE_LIMIT_PER_SECOND="0")
    return env


def _command(*args: str) -> list[str]:
    return [sys.executable, "-m", "semsearch.cli", *args]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        _command(*args), env=_env(), capture_output=True, text=True, timeout=120, check=False
    )


def _questions(folder: Path, count: int) -> Path:
    folder.mkdir()
    lines = (
        json.dumps(
            {
                "id": f"lc-{n}",
                "assembly": "Parlement Wallon",
                "title": f"Les primes à l'isolation, dossier {n}",
                "question": [f"Où en est le dossier {n} ?"],
            }
        )
        for n in range(count)
    )
    (folder / "q.jsonl").write_text("\n".join(lines) + "\n", "utf-8")
    return folder


def _in_memory(folder: Path) -> bool:
    """Whether the file system keeps the engine's files in memory whatever is dropped (tmpfs)."""
    evict(folder)
    return (
        resident_in(folder) > sum(p.stat().st_size for p in folder.rglob("segments/**/*") if p.is_file()) / 2
    )


@pytest.fixture
def index(tmp_path: Path) -> Path:
    """An index written by a process of its own, then its files dropped from the page cache (as a
    reboot or memory pressure would): the next command reads them from the disk."""
    folder = tmp_path / "index"
    run = _run("index", "--index", str(folder), str(_questions(tmp_path / "questions", 40)))
    assert run.returncode == 0, run.stderr
    if _in_memory(folder):
        pytest.skip("the engine's files stay in memory on this file system (tmpfs?): nothing to see")
    return folder


def _dropped(index: Path) -> int:
    """Searched in this process, whose close is what it was: what that leaves in the cache. The
    index opens, its questions whole: nothing lost, nothing held."""
    with SearchService.open(fake_settings(index), create=False) as service:
        assert service.search("primes à l'isolation", limit=3)
    return resident_in(index)


def test_indexing_leaves_the_files_cached(tmp_path: Path) -> None:
    from indexer.pipeline import run_index

    questions = _questions(tmp_path / "questions", 400)
    run = _run("index", "--index", str(tmp_path / "command"), str(questions))
    assert run.returncode == 0, run.stderr
    left = resident_in(tmp_path / "command")
    with SearchService.open(fake_settings(tmp_path / "here")) as service:  # closed as before
        assert run_index(service, [questions]).added == 400
    dropped = resident_in(tmp_path / "here")
    if _in_memory(tmp_path / "here"):
        pytest.skip("the engine's files stay in memory on this file system (tmpfs?): nothing to see")
    # Here 3.6 MB against 1.0 MB: the engine drops what it wrote as it closes.
    assert left > 2 * dropped


def test_a_search_leaves_the_files_cached(index: Path) -> None:
    found = _run("search", "--index", str(index), "-n", "3", "primes à l'isolation")
    assert found.returncode == 0 and "lc-" in found.stdout, found.stderr
    left = resident_in(index)
    # Here 185 MB against 30 MB (the engine maps whole chunks); the same 30 MB before the change.
    assert left > 2 * _dropped(index)


def test_serve_leaves_the_files_cached_when_it_stops(index: Path, tmp_path: Path) -> None:
    port = free_port()
    args = _command("serve", "--index", str(index), "--port", str(port))
    # Without its own read of the files (``SEMSEARCH_WARM_PAGE_CACHE``), which would fill the cache.
    env = {**_env(), "SEMSEARCH_WARM_PAGE_CACHE": "false"}
    with ServeProcess(args, f"http://127.0.0.1:{port}", tmp_path / "serve.log", env=env) as server:
        assert httpx.get(f"{server.url}/search", params={"q": "primes à l'isolation"}).json()["results"]
        assert server.proc is not None
    assert server.proc.returncode == 0, server.log_tail()
    left = resident_in(index)
    assert left > 2 * _dropped(index)


def test_commands_run_in_this_process_close_as_before() -> None:
    assert CommandProcess.ends_with_command is False
