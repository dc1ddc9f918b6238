"""The command's entry point caps glibc's malloc arenas before any thread starts
(semsearch/cli/entry.py; what it saves: docs/performance.md, "What makes it fast")."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from semsearch.cli.entry import few_arenas


def test_the_cap_is_two_and_reaches_worker_processes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MALLOC_ARENA_MAX", raising=False)
    few_arenas()
    assert os.environ["MALLOC_ARENA_MAX"] == "2"
    child = subprocess.run(
        [sys.executable, "-c", "import os; print(os.environ['MALLOC_ARENA_MAX'])"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert child.stdout.strip() == "2"


@pytest.mark.parametrize(("chosen", "kept"), [("8", "8"), ("1", "1"), ("many", "2"), ("", "2")])
def test_a_value_the_user_set_wins_unless_it_is_not_a_number(
    monkeypatch: pytest.MonkeyPatch, chosen: str, kept: str
) -> None:
    monkeypatch.setenv("MALLOC_ARENA_MAX", chosen)
    few_arenas()
    assert os.environ["MALLOC_ARENA_MAX"] == kept


_ENDING = """
import atexit, sys
from pathlib import Path

marks = Path(sys.argv[1])


class LeftAtExit:
    def __del__(self) -> None:  # the interpreter's teardown frees it one object at a time
        (marks / "freed").write_text("")


kept = LeftAtExit()
atexit.register(lambda: (marks / "atexit").write_text(""))
sys.argv = ["semsearch", *sys.argv[2:]]
from semsearch.cli.entry import main

main()
"""


def _ended(tmp_path: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], set[str]]:
    run = subprocess.run(
        [sys.executable, "-c", _ENDING, str(tmp_path), *args], capture_output=True, text=True, timeout=120
    )
    return run, {p.name for p in tmp_path.iterdir()}


def test_the_command_ends_without_the_teardown_but_with_atexit_and_all_its_output(tmp_path: Path) -> None:
    run, marks = _ended(tmp_path, "--help")
    assert run.returncode == 0 and "serve" in run.stdout and run.stdout.rstrip().endswith("─╯")
    assert marks == {"atexit"}  # registered work ran; nothing was freed one by one


def test_a_failed_command_keeps_its_status_and_its_one_line(tmp_path: Path) -> None:
    run, _ = _ended(tmp_path, "search", "--index", str(tmp_path / "missing"), "primes")
    assert run.returncode == 1 and run.stderr.count("\n") == 1 and "missing" in run.stderr, run.stderr


def test_a_reader_that_has_gone_gets_no_traceback(tmp_path: Path) -> None:
    reader = subprocess.Popen(
        [sys.executable, "-c", _ENDING, str(tmp_path), "--help"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert reader.stdout is not None and reader.stderr is not None
    reader.stdout.close()  # as `| head -0` does
    assert reader.wait(timeout=120) == 1  # click's status for a closed output
    assert reader.stderr.read() == b""  # the last flush does not raise either
