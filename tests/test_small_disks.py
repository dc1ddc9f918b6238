"""A full disk and a read-only folder: one line each, never a SIGBUS (issue 15, item 6).

The engine maps its files in memory; on a file system too small for what it maps, a write into a
mapped page killed ``index``, ``stats`` and ``search`` with SIGBUS (exit 135, no output). These
tests mount small and read-only file systems in a private mount namespace (``unshare -m``, as
root); they skip where that is not allowed.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from semsearch.service import SearchService
from tests.support.crash_runs import cli_env
from tests.support.paths import SAMPLES, SEMSEARCH
from tests.support.questions import french_questions
from tests.support.settings import fake_settings


def _can_mount() -> bool:
    if os.geteuid() != 0 or not shutil.which("unshare"):
        return False
    probe = subprocess.run(
        ["unshare", "-m", "sh", "-c", "mount -t tmpfs -o size=1m tmpfs /mnt"],
        capture_output=True,
        check=False,
    )
    return probe.returncode == 0


pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not SEMSEARCH.exists(), reason=f"{SEMSEARCH} is not installed"),
    pytest.mark.skipif(
        not _can_mount(), reason="cannot mount a file system here (needs root and unshare -m)"
    ),
]


def in_namespace(
    tmp_path: Path, size: str, commands: list[list[str]], read_only: bool = False
) -> list[tuple[int, str, str]]:
    """Mount a tmpfs of ``size`` on tmp_path/mnt holding a copy of tmp_path/index (if any), make
    it read-only if asked, and run each ``semsearch`` command there ({mnt} in an argument is the
    mount point); returns (exit status, stdout, stderr) of each."""
    mnt, out = tmp_path / "mnt", tmp_path / "out"
    mnt.mkdir(exist_ok=True)
    out.mkdir(exist_ok=True)
    lines = [f"mount -t tmpfs -o size={size} tmpfs {mnt}"]
    if (tmp_path / "index").exists():
        lines.append(f"cp -r --sparse=always {tmp_path / 'index'} {mnt}/index && rm -f {mnt}/index/.lock")
    if read_only:
        lines.append(f"mount -o remount,ro {mnt}")
    for n, command in enumerate(commands):
        args = " ".join(shlex.quote(a.format(mnt=mnt)) for a in [str(SEMSEARCH), *command])
        lines.append(f"{args} >{out}/{n}.out 2>{out}/{n}.err; echo $? >{out}/{n}.rc")
    subprocess.run(
        ["unshare", "-m", "sh", "-c", "\n".join(lines)], env=cli_env("fake"), timeout=300, check=True
    )
    return [
        (int((out / f"{n}.rc").read_text()), (out / f"{n}.out").read_text(), (out / f"{n}.err").read_text())
        for n in range(len(commands))
    ]


def build(tmp_path: Path) -> None:
    with SearchService.open(fake_settings(tmp_path / "index")) as service:
        service.upsert(french_questions())


def assert_one_line(result: tuple[int, str, str], says: str) -> None:
    code, _, err = result
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 1 and len(lines) == 1 and says in lines[0], result


def test_a_disk_too_small_to_open_the_index_is_said_in_one_line(tmp_path: Path) -> None:
    build(tmp_path)
    results = in_namespace(
        tmp_path,
        "40m",
        [
            ["stats", "--index", "{mnt}/index"],
            ["search", "primes", "--index", "{mnt}/index"],
            ["index", str(SAMPLES), "--index", "{mnt}/new"],
        ],
    )
    for result in results:
        assert result[0] != 135, result
        assert_one_line(result, "not enough free space")
        assert "MB needed" in result[2]


@pytest.mark.parametrize("size", ["70m", "100m", "130m", "170m"])
def test_indexing_on_a_small_disk_finishes_or_says_why(tmp_path: Path, size: str) -> None:
    results = in_namespace(
        tmp_path, size, [["index", str(SAMPLES), "--index", "{mnt}/new"], ["stats", "--index", "{mnt}/new"]]
    )
    index, stats = results
    for result in results:
        assert result[0] in (0, 1), result
    if index[0]:
        assert_one_line(index, "free space")
    if stats[0]:  # the index it could not create is missing; one it began is said to need space
        assert_one_line(stats, "no index in" if "no index in" in stats[2] else "free space")


def test_a_read_only_index_is_searched(tmp_path: Path) -> None:
    build(tmp_path)
    search, stats, index = in_namespace(
        tmp_path,
        "200m",
        [
            ["search", "primes à la rénovation", "--json", "--index", "{mnt}/index"],
            ["stats", "--json", "--index", "{mnt}/index"],
            ["index", str(SAMPLES), "--index", "{mnt}/index"],
        ],
        read_only=True,
    )
    assert search[0] == 0 and search[1].count("\n") >= 5, search
    assert stats[0] == 0 and '"questions":15' in stats[1], stats
    assert_one_line(index, "read-only")
