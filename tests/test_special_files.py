"""Files that are not what their name says: a FIFO, a link to /dev/zero, one enormous line. Each is
refused or read within bounded memory before anything hangs (issue 15, item 4)."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import tracemalloc
from pathlib import Path

import pytest
from typer.testing import CliRunner

from indexer.pipeline import count_records
from semsearch.cli.app import app as cli
from tests.support.crash_runs import cli_env
from tests.support.paths import SEMSEARCH

runner = CliRunner()
GOOD = {"id": "g1", "assembly": "Parlement Wallon", "title": "Une bonne question", "question": "Un texte."}


def folder_with(tmp_path: Path) -> Path:
    folder = tmp_path / "input"
    folder.mkdir()
    (folder / "good.jsonl").write_text(json.dumps(GOOD) + "\n", encoding="utf-8")
    return folder


def index(tmp_path: Path, folder: Path) -> tuple[int, str]:
    result = runner.invoke(
        cli,
        ["index", "--json", "--index", str(tmp_path / "index"), str(folder)],
        env={"SEMSEARCH_MODEL": "fake"},
    )
    return result.exit_code, result.output


@pytest.mark.timeout(60)  # before: blocked for ever opening the FIFO to count its lines
def test_a_fifo_named_jsonl_is_refused_without_blocking(tmp_path: Path) -> None:
    folder = folder_with(tmp_path)
    os.mkfifo(folder / "x.jsonl")
    code, output = index(tmp_path, folder)
    errors = [line for line in output.splitlines() if line.startswith("Error:")]
    assert code == 1 and errors == [f"Error: {folder / 'x.jsonl'}: is not a regular file"], output
    assert json.loads(output.splitlines()[-1])["added"] == 1


@pytest.mark.slow
@pytest.mark.skipif(not SEMSEARCH.exists(), reason=f"{SEMSEARCH} is not installed")
def test_a_link_to_dev_zero_is_refused(tmp_path: Path) -> None:
    """Before: counted as one endless line until a MemoryError traceback. Run with its address
    space capped, so that the old behaviour fails fast instead of taking the machine's memory."""
    folder = folder_with(tmp_path)
    (folder / "zero.jsonl").symlink_to("/dev/zero")

    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (6 << 30, 6 << 30))

    proc = subprocess.run(
        [str(SEMSEARCH), "index", "--json", "--index", str(tmp_path / "index"), str(folder)],
        env=cli_env("fake"),
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=cap,
    )
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr[-800:]
    errors = [line for line in proc.stderr.splitlines() if line.strip()]
    assert errors == [f"Error: {folder / 'zero.jsonl'}: is not a regular file"]
    assert json.loads(proc.stdout)["added"] == 1


def test_one_enormous_line_is_counted_in_bounded_memory(tmp_path: Path) -> None:
    """Before: a 300 MB one-line file took 650 MB to count (the whole line read at once)."""
    path = tmp_path / "one-line.jsonl"
    with path.open("wb") as handle:
        handle.write(b'{"title": "' + b"x" * (64 << 20) + b'"}\n{"title": "y"}\n')
    tracemalloc.start()
    try:
        assert count_records([path]) == 2
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 8 << 20, f"counting took {peak >> 20} MB"
