"""Crash safety of ``semsearch index``: SIGKILL at random moments, Ctrl-C, and re-runs.

The real CLI runs as a subprocess (``SEMSEARCH_MODEL=fake``) over a generated corpus of invented
French questions (JSON Lines files and Walloon text pages, see ``tests/support/crash_corpus.py``;
``scripts/crash_soak.py`` does the same on a few thousand questions). After the kills, a run to
completion must leave the index exactly right: every question once, each with exactly the
passages of its current record (records are changed between runs, so a half-done replacement
would show), the model recorded.
"""

from __future__ import annotations

import fcntl
import json
import os
import pty
import random
import re
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from collections import Counter
from pathlib import Path

import pytest

from tests.support.crash_check import check_index
from tests.support.crash_corpus import Corpus
from tests.support.crash_runs import cli_env, replay, run_index, startup_seconds
from tests.support.paths import SEMSEARCH
from tests.support.soak_serve import soak_serve
from tests.support.soak_versions import soak_versions

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not SEMSEARCH.exists(), reason=f"{SEMSEARCH} is not installed"),
]

MODEL = "fake"
KILLS = 20
# Cycles whose kill is aimed, from a timed in-process replay of the same run, at a stage; the
# other kills fall at delays spread evenly over the measured duration of a run.
AIMED = {1: "embedding+writing", 6: "optimising", 12: "closing", 16: "optimising"}
CHECKPOINTS = {10}  # cycles after which a run to completion is checked exactly, before going on


def _assert_exact(problems: list[str]) -> None:
    assert problems == []


def test_sigkill_at_random_moments_loses_nothing(tmp_path: Path) -> None:
    rng = random.Random(20240611)
    corpus = Corpus(tmp_path / "corpus", seed=11)
    corpus.add(100)
    corpus.write()
    index = tmp_path / "index"
    startup = startup_seconds(tmp_path / "startup-index", corpus.folder, MODEL)
    offset = 0.7 * startup  # the CLI's imports, which an in-process replay does not have
    spread = [(i + rng.random()) / KILLS for i in range(KILLS)]
    rng.shuffle(spread)
    estimate = 2.0  # seconds a run takes; replaced by what is measured
    kills = 0
    stages: Counter[str] = Counter()
    cycle = 0
    while kills < KILLS:
        cycle += 1
        assert cycle <= 2 * KILLS, f"only {kills} of {cycle - 1} runs were killed before they finished"
        if cycle > 1:
            corpus.change(rng.randint(8, 30))  # new text, often another number of paragraphs
            corpus.add(rng.randint(0, 4))
            corpus.write()
        if cycle in AIMED:
            timeline = replay(index, corpus.folder, MODEL)
            estimate = offset + timeline.closed
            aimed = AIMED[cycle]
            delay = offset + timeline.middle(aimed)
            stage = f"aimed at {aimed}"
        else:
            delay = spread.pop() * estimate if spread else rng.uniform(0.1, 1.0) * estimate
            stage = "spread"
        run = run_index(index, corpus.folder, MODEL, kill_after=delay)
        if run.killed:
            kills += 1
            stages[stage] += 1
            assert run.returncode == -signal.SIGKILL
        else:  # it finished first: a complete run, which must have succeeded
            assert run.returncode == 0, run.stderr
            estimate = run.seconds
        if cycle in CHECKPOINTS:
            rerun = run_index(index, corpus.folder, MODEL)
            assert rerun.returncode == 0, rerun.stderr
            _assert_exact(check_index(index, corpus, MODEL))
            estimate = rerun.seconds
    print(f"{kills} kills in {cycle} runs: {dict(stages)}; {len(corpus.records)} questions")
    final = run_index(index, corpus.folder, MODEL)
    assert final.returncode == 0, final.stderr
    summary = json.loads(final.stdout)
    assert summary["questions"] == len(corpus.records) and summary["errors"] == []
    _assert_exact(check_index(index, corpus, MODEL))
    # The check can fail: a record changed since the last run is seen as differing.
    (changed,) = corpus.change(1)
    corpus.write()
    problems = check_index(index, corpus, MODEL)
    assert problems and any(changed.qid in p for p in problems), problems


def test_kills_while_the_input_switches_between_two_versions(tmp_path: Path) -> None:
    """Issue 15's first case, small (scripts/crash_soak.py --scenario versions runs it long)."""
    report = soak_versions(tmp_path, 80, 4, MODEL, seed=3, log=lambda line: None)
    assert report.kills >= 2 and report.checks == report.cycles, report.summary()
    assert report.failures == []


def test_kills_of_serve_during_concurrent_posts(tmp_path: Path) -> None:
    """Issue 15's second case, small (scripts/crash_soak.py --scenario serve runs it long)."""
    report = soak_serve(tmp_path, 3, clients=3, ids_per_client=15, model=MODEL, seed=3, log=lambda line: None)
    assert report.kills == 3 and report.acknowledged > 0 and report.checks == 4, report.summary()
    assert report.failures == []


_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def _in_a_terminal(command: list[str], interrupt_at: int, total: int) -> tuple[int, str, int | None]:
    """Run ``command`` with its stderr on a pseudo-terminal, as a user would, so that it shows its
    progress bar; Ctrl-C (SIGINT) once the bar has passed ``interrupt_at`` of ``total`` records.
    Returns the exit status, the terminal's text without escape codes, and where it was interrupted."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    proc = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=slave, env={**cli_env(MODEL), "TERM": "xterm"}
    )
    os.close(slave)
    shown = b""
    interrupted: int | None = None
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.05)
            if not ready:
                if proc.poll() is not None:
                    break
                continue
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            shown += chunk
            counts = [int(n) for n in re.findall(rb"(\d+)/" + str(total).encode(), shown)]
            if interrupted is None and counts and counts[-1] >= interrupt_at:
                proc.send_signal(signal.SIGINT)
                interrupted = counts[-1]
        code = proc.wait(timeout=60)
    finally:
        os.close(master)
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return code, _ANSI.sub("", shown.decode("utf-8", errors="replace")).replace("\r", "\n"), interrupted


def test_ctrl_c_stops_with_one_line_and_the_next_run_resumes(tmp_path: Path) -> None:
    corpus = Corpus(tmp_path / "corpus", seed=5)
    corpus.add(100)
    corpus.write()
    index = tmp_path / "index"
    assert run_index(index, corpus.folder, MODEL).returncode == 0
    corpus.add(600)
    corpus.write()
    command = [str(SEMSEARCH), "index", "--index", str(index), str(corpus.folder)]
    code, shown, interrupted = _in_a_terminal(command, interrupt_at=200, total=700)
    assert interrupted is not None and interrupted < 700, f"not interrupted while indexing: {shown[-500:]}"
    assert code == 130, shown[-500:]
    assert "Traceback" not in shown
    errors = [line.strip() for line in shown.splitlines() if "Error" in line]
    assert errors == ["Error: interrupted; what was indexed so far is kept: run the same command to resume"]
    rerun = run_index(index, corpus.folder, MODEL)
    assert rerun.returncode == 0, rerun.stderr
    summary = json.loads(rerun.stdout)
    assert summary["added"] + summary["unchanged"] == 700 and summary["updated"] == 0
    # Interrupted after 200 of 700 records were read, in batches of ~200 passages (tens of
    # questions): the batches written before Ctrl-C were kept, and not indexed again.
    assert summary["unchanged"] > 100 + 40, summary
    _assert_exact(check_index(index, corpus, MODEL))


def test_sigterm_stops_with_the_ctrl_c_line_and_the_next_run_resumes(tmp_path: Path) -> None:
    """SIGTERM (a service manager stopping the indexer) exited 143 saying nothing."""
    corpus = Corpus(tmp_path / "corpus", seed=9)
    corpus.add(1500)
    corpus.write()
    index = tmp_path / "index"
    proc = subprocess.Popen(
        [str(SEMSEARCH), "index", "--index", str(index), str(corpus.folder)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=cli_env(MODEL),
        text=True,
    )
    deadline = time.monotonic() + 120
    while not (index / "shard" / "edge_config.json").exists() and proc.poll() is None:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    time.sleep(0.2)  # writing (how far it got depends on the machine's load: no assertion on it)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 143, (out, err[-500:])
    lines = [line for line in err.splitlines() if line.strip()]
    assert lines == ["Error: terminated; what was indexed so far is kept: run the same command to resume"]
    rerun = run_index(index, corpus.folder, MODEL)
    assert rerun.returncode == 0, rerun.stderr
    summary = json.loads(rerun.stdout)
    assert summary["added"] + summary["unchanged"] == 1500 and summary["updated"] == 0, summary
    _assert_exact(check_index(index, corpus, MODEL))


def test_ctrl_c_during_start_up_is_one_line_too(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [str(SEMSEARCH), "index", "--index", str(tmp_path / "index"), str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=cli_env(MODEL),
        text=True,
    )
    time.sleep(0.15)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and "Traceback" not in err, err
    assert [line for line in err.splitlines() if line.strip()][0].startswith("Error: interrupted")


# -- a crash at the one bad moment, made exact -----------------------------------------------------
# SIGKILL at a random moment rarely lands between two store calls a few milliseconds apart; these
# tests stop the process there on purpose (os._exit, what SIGKILL does to Python code) and re-run.
_CRASH_AT = """
import os, sys
from semsearch.store.edge import EdgeStore

calls = 0

def dying(name):
    original = getattr(EdgeStore, name)

    def write(self, *args, **kwargs):
        global calls
        calls += 1
        if calls == {at}:
            os._exit(137)
        return original(self, *args, **kwargs)

    setattr(EdgeStore, name, write)

for name in ("upsert", "delete", "set_payload"):
    dying(name)
sys.argv = ["semsearch", "index", "--index", sys.argv[1], sys.argv[2]]
from semsearch.cli.app import main
main()
"""


# The same, at each engine call: each write goes to the heads' shard, then to the passages'.
_CRASH_AT_SHARD = """
import os, sys
from semsearch.store.edge_holder import ShardHolder

calls = 0
original = ShardHolder._engine

def engine(self, what, call):
    global calls
    if what in ("write passages", "delete passages", "mark passages"):
        calls += 1
        if calls == {at}:
            os._exit(137)
    return original(self, what, call)

ShardHolder._engine = engine
sys.argv = ["semsearch", "index", "--index", sys.argv[1], sys.argv[2]]
from semsearch.cli.app import main
main()
"""


def _index_until_crash(index: Path, folder: Path, at: int, code: str = _CRASH_AT) -> None:
    """``semsearch index``, dead at its ``at``-th write (by default, of the store: upsert, delete
    or mark)."""
    code = code.format(at=at)
    proc = subprocess.run(
        [sys.executable, "-c", code, str(index), str(folder)],
        env=cli_env(MODEL),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 137, proc.stderr  # it did crash where it was meant to


# A changed batch is written in 3 store calls: its passages (pending), the old versions deleted,
# the new one marked committed; each in the heads' shard, then in the passages' (6 engine calls).
@pytest.mark.parametrize(
    ("at", "code"), [*((n, _CRASH_AT) for n in (1, 2, 3)), *((n, _CRASH_AT_SHARD) for n in range(1, 7))]
)
def test_a_crash_at_each_write_call_leaves_no_stale_passage(tmp_path: Path, at: int, code: str) -> None:
    corpus = Corpus(tmp_path / "corpus", seed=3)
    corpus.add(30)
    corpus.write()
    index = tmp_path / "index"
    assert run_index(index, corpus.folder, MODEL).returncode == 0
    for record in list(corpus.records.values())[:5]:  # fewer passages than before
        record.question, record.answer, record.version = record.question[:1], [], record.version + 1
        corpus._dirty.add(record.file)
    corpus.write()
    _index_until_crash(index, corpus.folder, at, code)
    assert run_index(index, corpus.folder, MODEL).returncode == 0
    assert check_index(index, corpus, MODEL) == []


_PAGE = """Les retards de paiement des primes à la rénovation

Session : 2021-2022
N° : 88 (2021-2022) 1

Question écrite du 14/02/2022
de LAMBERT Sophie
à DUPONT Marc, Ministre du Logement
De nombreux ménages attendent depuis plus d'un an le paiement de leur prime.
Réponse du 10/03/2022
de DUPONT Marc
Le délai moyen de traitement est aujourd'hui de sept mois.
"""
_EXPORT = {
    "id": "88",
    "assembly": "Parlement Wallon",
    "assembly_ref": "PW-88",
    "session": "2021-2022",
    "number": "88 (2021-2022) 1",
    "title": "Les retards de paiement des primes à la rénovation",
    "date_asked": "2022-02-14",
    "asked_by": "LAMBERT Sophie",
    "asked_to": "DUPONT Marc, Ministre du Logement",
    "question": "De nombreux ménages attendent depuis plus d'un an le paiement de leur prime.",
}


def test_a_crash_before_a_merged_page_is_removed_leaves_no_duplicate(tmp_path: Path) -> None:
    pages, export = tmp_path / "pages", tmp_path / "export"
    pages.mkdir()
    export.mkdir()
    (pages / "q88.txt").write_text(_PAGE, encoding="utf-8")
    (export / "export.jsonl").write_text(json.dumps(_EXPORT, ensure_ascii=False) + "\n", encoding="utf-8")
    index = tmp_path / "index"
    assert run_index(index, pages, MODEL).returncode == 0
    _index_until_crash(index, export, 3)  # the page's removal (after the new passages, the old ones)
    assert run_index(index, export, MODEL).returncode == 0
    assert run_index(index, pages, MODEL).returncode == 0
    env = cli_env(MODEL)
    stats = subprocess.run(
        [str(SEMSEARCH), "stats", "--json", "--index", str(index)], env=env, capture_output=True, text=True
    )
    assert json.loads(stats.stdout)["questions"] == 1, stats.stdout
