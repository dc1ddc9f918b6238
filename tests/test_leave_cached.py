"""A command's process leaves the index's files in the page cache as it ends (``Store.close``'s
``leave_cached``): the engine drops a shard's files from the cache when it closes or frees it, so
every cold ``semsearch search`` read them from the disk again. Real processes through the entry
point; the test's own process closes as before, and can open the index again."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

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


@dataclass
class Index:
    folder: Path
    cached: int  # what its files have in the page cache after ``semsearch index``


@pytest.fixture
def index(tmp_path: Path) -> Index:
    """An index written and closed by a process of its own: its files (mostly) out of the cache."""
    folder = tmp_path / "questions"
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
        for n in range(40)
    )
    (folder / "q.jsonl").write_text("\n".join(lines) + "\n", "utf-8")
    made = Index(tmp_path / "index", 0)
    run = _run("index", "--index", str(made.folder), str(folder))
    assert run.returncode == 0, run.stderr
    made.cached = resident_in(made.folder)
    if made.cached > sum(p.stat().st_size for p in made.folder.rglob("segments/**/*") if p.is_file()) / 2:
        pytest.skip("the engine's files stay in memory on this file system (tmpfs?): nothing to see")
    return made


def _dropped(index: Path) -> int:
    """Searched in this process, whose close is what it was: what that leaves in the cache. The
    index opens, its questions whole: nothing lost, nothing held."""
    with SearchService.open(fake_settings(index), create=False) as service:
        assert service.search("primes à l'isolation", limit=3)
    return resident_in(index)


def test_a_search_leaves_the_files_cached(index: Index) -> None:
    found = _run("search", "--index", str(index.folder), "-n", "3", "primes à l'isolation")
    assert found.returncode == 0 and "lc-" in found.stdout, found.stderr
    left = resident_in(index.folder)
    # Here 185 MB against 30 MB (the engine maps whole chunks); the same 30 MB before the change.
    assert left > 2 * _dropped(index.folder)


def test_serve_leaves_the_files_cached_when_it_stops(index: Index, tmp_path: Path) -> None:
    port = free_port()
    args = _command("serve", "--index", str(index.folder), "--port", str(port))
    # Without its own read of the files (``SEMSEARCH_WARM_PAGE_CACHE``), which would fill the cache.
    env = {**_env(), "SEMSEARCH_WARM_PAGE_CACHE": "false"}
    with ServeProcess(args, f"http://127.0.0.1:{port}", tmp_path / "serve.log", env=env) as server:
        assert httpx.get(f"{server.url}/search", params={"q": "primes à l'isolation"}).json()["results"]
        assert server.proc is not None
    assert server.proc.returncode == 0, server.log_tail()
    left = resident_in(index.folder)
    assert left > 2 * _dropped(index.folder)


def test_commands_run_in_this_process_close_as_before() -> None:
    assert CommandProcess.ends_with_command is False
