"""The soak of issue 15's first case: ``semsearch index`` killed at random moments while the input
switches between two versions of the same questions (same ids, other texts), each re-run then
checked exactly and by ``semsearch check``.

A cycle: write the other version, start ``semsearch index`` and SIGKILL it after a random delay;
write version 0 or 1 (at random: going back to the version before the kill is the case that left
blended questions called "unchanged"); run to completion; compare every point of the index with
the corpus (``crash_check.check_index``) and run ``semsearch check``. Shared by
``scripts/crash_soak.py --scenario versions`` and ``tests/test_crash.py``.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.crash_check import check_index
from tests.support.crash_corpus import Corpus
from tests.support.crash_runs import cli_check, run_index, startup_seconds


@dataclass
class VersionsReport:
    questions: int = 0
    passages: int = 0
    cycles: int = 0
    kills: int = 0
    back_to_before: int = 0  # re-runs with the version the killed run was replacing
    checks: int = 0  # exact comparisons, each with a 'semsearch check'
    failures: list[str] = field(default_factory=list)
    seconds: float = 0.0
    delays: list[float] = field(default_factory=list)  # of the kills
    runs: list[float] = field(default_factory=list)  # durations of the re-runs

    def summary(self) -> str:
        def spread(values: list[float]) -> str:
            ordered = sorted(values) or [0.0]
            return f"{ordered[0]:.1f}-{ordered[-1]:.1f} s (median {ordered[len(ordered) // 2]:.1f})"

        return (
            f"versions: {self.questions} questions ({self.passages} passages max), {self.kills} kills in "
            f"{self.cycles} cycles ({self.back_to_before} re-runs back to the version before the kill), "
            f"kills at {spread(self.delays)}, re-runs {spread(self.runs)}, "
            f"{self.checks} exact checks and {self.checks} 'semsearch check' runs, "
            f"{len(self.failures)} failures, {self.seconds:.0f} s"
        )


def soak_versions(
    workdir: Path,
    questions: int,
    kills: int,
    model: str = "fake",
    seed: int = 7,
    log: Callable[[str], None] = print,
) -> VersionsReport:
    started = time.perf_counter()
    rng = random.Random(seed)
    corpus = Corpus(workdir / "corpus", seed)
    corpus.add(questions)
    corpus.make_versions()
    corpus.show(0)
    corpus.write()
    index = workdir / "index"
    report = VersionsReport(questions=questions)
    offset = startup_seconds(workdir / "startup-index", corpus.folder, model)
    first = run_index(index, corpus.folder, model)
    if first.returncode:
        report.failures.append(f"first run exited {first.returncode}: {first.stderr[-300:]}")
        return report
    # How long a run that rewrites every question takes (kills fall anywhere in it): the upper
    # quartile of the whole runs seen so far. Not the longest: one slow run (the optimiser
    # compacting deleted versions) would put most later kills after the run's end.
    durations = [offset + first.seconds]
    shown = 0
    while report.kills < kills and report.cycles < 3 * kills:
        report.cycles += 1
        before, shown = shown, 1 - shown
        corpus.show(shown)
        corpus.write()
        ordered = sorted(durations)
        delay = rng.uniform(0.05, 1.0) * ordered[(3 * len(ordered)) // 4]
        run = run_index(index, corpus.folder, model, kill_after=delay)
        report.kills += run.killed
        if run.killed:
            report.delays.append(delay)
        else:
            durations.append(run.seconds)
        shown = rng.choice([0, 1])
        report.back_to_before += shown == before
        corpus.show(shown)
        corpus.write()
        rerun = run_index(index, corpus.folder, model)
        durations.append(rerun.seconds)
        report.runs.append(rerun.seconds)
        problems = [f"re-run exited {rerun.returncode}: {rerun.stderr[-300:]}"] if rerun.returncode else []
        problems += check_index(index, corpus, model) + cli_check(index, model)
        report.checks += 1
        report.passages = max(report.passages, corpus.expected_passages)
        what = f"killed at {delay:.2f} s" if run.killed else f"finished before {delay:.2f} s"
        log(
            f"cycle {report.cycles:>2}: version {1 - before} {what}; re-run with version {shown} in "
            f"{rerun.seconds:.2f} s: {'exact' if not problems else 'FAILED'}"
        )
        report.failures += [f"cycle {report.cycles}: {p}" for p in problems]
    report.seconds = time.perf_counter() - started
    return report
