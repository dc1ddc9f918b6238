"""The command's entry point caps glibc's malloc arenas before any thread starts
(semsearch/cli/entry.py; what it saves: docs/performance.md, "What makes it fast")."""

from __future__ import annotations

import os
import subprocess
import sys

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
