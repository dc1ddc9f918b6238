"""Crash soaks: SIGKILL ``semsearch index`` or ``semsearch serve`` at random moments, re-run, check.

    .venv/bin/python scripts/crash_soak.py --scenario versions [--questions 1000] [--kills 50]
    .venv/bin/python scripts/crash_soak.py --scenario serve [--clients 4] [--questions 160] [--kills 50]
    .venv/bin/python scripts/crash_soak.py --scenario changes [--questions 3000] [--kills 25]

``versions`` (tests/support/soak_versions.py): the input switches between two versions of the
same questions; each kill of ``index`` is followed by a run with one of the two (often the one
before the kill), checked exactly and by ``semsearch check``. ``serve``
(tests/support/soak_serve.py): clients POST batches concurrently, the server is killed, restarted,
what the kill cut is read back and sent again, and the index is checked exactly and by
``semsearch check``. ``changes``, described below, changes random records between kills.

``changes`` generates a corpus of invented French written questions (JSON Lines files and Walloon text
pages), then, ``--kills`` times: changes some records (text, number of paragraphs, answer added or
withdrawn) and adds new ones, starts ``semsearch index`` as a subprocess, kills it with SIGKILL after
a random delay (sometimes its re-run too), runs it again to completion, and checks the whole index
against the corpus: every question once, each question's passages exactly those of its current
record (none stale, no duplicate), the model recorded. Each run is first replayed in-process on a
copy of the index to time its stages (reading, embedding+writing, optimising, closing); the kills
are aimed at each stage in turn (plus the CLI's start-up), and the summary counts them by the
stage the delay fell in (an estimate). The exit status is 1 if any check failed.

``tests/test_crash.py`` runs the same machinery on a smaller corpus inside ``make test``; the corpus,
the exact check and the runs live in ``tests/support/crash_*.py``, shared by both.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: the project's packages come from the checkout
    sys.path.insert(0, str(ROOT))

from tests.support.crash_check import check_index, kind_of  # noqa: E402
from tests.support.crash_corpus import Corpus  # noqa: E402
from tests.support.crash_runs import replay, run_index, startup_seconds  # noqa: E402
from tests.support.paths import SEMSEARCH  # noqa: E402
from tests.support.soak_serve import soak_serve  # noqa: E402
from tests.support.soak_versions import soak_versions  # noqa: E402


# -- the soak ------------------------------------------------------------------------------------------
@dataclass
class Report:
    questions: int = 0
    passages: int = 0
    cycles: int = 0
    kills: int = 0
    stages: Counter[str] = field(default_factory=Counter)
    changed: int = 0
    added: int = 0
    killed_runs_seconds: list[float] = field(default_factory=list)
    reruns_seconds: list[float] = field(default_factory=list)
    checks: int = 0
    failures: list[str] = field(default_factory=list)
    first_failure: str = ""  # the cycle and the stage of its kills
    stale_questions: set[str] = field(default_factory=set)
    startup_seconds: float = 0.0
    total_seconds: float = 0.0


_AIMS = ("anywhere", "embedding+writing", "optimising", "start-up", "reading", "closing", "embedding+writing")


def soak(
    workdir: Path,
    questions: int,
    kills: int,
    model: str = "fake",
    seed: int = 7,
    change_share: float = 0.15,
    grow_share: float = 0.4,
    second_kill: float = 0.3,
    log: Any = print,
) -> Report:
    """The whole soak in ``workdir``; ``report.failures`` lists what went wrong (empty: all exact).

    Each cycle: change ``change_share`` of the records and add a few new ones; kill a run after a
    random delay, aimed at each stage in turn; with probability ``second_kill`` kill its re-run too,
    anywhere; run to completion; check the whole index. Cycles go on until ``kills`` runs were
    actually killed.
    """
    started = time.perf_counter()
    rng = random.Random(seed)
    corpus = Corpus(workdir / "corpus", seed)
    index = workdir / "index"
    report = Report()
    # Most questions exist from the start; the rest (``grow_share``) arrive a few at each cycle.
    per_cycle = int(questions * grow_share / kills)
    corpus.add(max(1, questions - per_cycle * kills))
    corpus.write()
    report.startup_seconds = startup_seconds(workdir / "startup-index", corpus.folder, model)
    log(f"corpus: {len(corpus.records)} questions to start with; CLI start-up {report.startup_seconds:.2f} s")
    while report.kills < kills and report.cycles < 3 * kills:
        report.cycles += 1
        if report.cycles > 1:
            report.changed += len(corpus.change(max(1, int(len(corpus.records) * change_share))))
        grow = min(per_cycle, questions - len(corpus.records))
        report.added += len(corpus.add(grow)) if grow > 0 else 0
        corpus.write()
        notes = _kill_runs(index, corpus, model, report, rng, second_kill)
        _complete_and_check(index, corpus, model, report, notes, log)
    if len(corpus.records) < questions:  # the kills came quicker than the growth: add the rest
        missing = questions - len(corpus.records)
        report.added += len(corpus.add(missing))
        corpus.write()
        final = run_index(index, corpus.folder, model)
        problems = [f"final run exited {final.returncode}"] if final.returncode else []
        problems += check_index(index, corpus, model)
        report.checks += 1
        log(f"final run with the last {missing} questions: {'exact' if not problems else 'FAILED'}")
        report.failures += [f"final: {p}" for p in problems]
    report.questions = len(corpus.records)
    report.passages = corpus.expected_passages
    report.total_seconds = time.perf_counter() - started
    return report


def _kill_runs(
    index: Path, corpus: Corpus, model: str, report: Report, rng: random.Random, second_kill: float
) -> list[str]:
    """Kill this cycle's run after a delay (with probability ``second_kill`` its re-run too);
    returns a note on where each kill fell."""
    cycle = report.cycles
    timeline = replay(index, corpus.folder, model)
    # The CLI's own start-up (imports) comes first; the replay has none of it.
    offset = report.startup_seconds * 0.7
    whole = offset + timeline.closed
    notes = []
    for attempt in range(2 if rng.random() < second_kill else 1):
        # The first kill of a cycle is aimed at each stage in turn (a fast stage would
        # otherwise rarely be hit); the other falls anywhere in the run.
        aim = _AIMS[(cycle - 1) % len(_AIMS)] if attempt == 0 else "anywhere"
        if aim == "anywhere":
            delay = rng.uniform(0.02, 0.98) * whole
        elif aim == "start-up":
            delay = rng.uniform(0.1, 0.9) * offset
        else:
            start, end = timeline.window(aim)
            delay = offset + start + rng.uniform(0.1, 0.9) * (end - start)
        stage = "start-up" if delay < offset else timeline.stage(delay - offset)
        run = run_index(index, corpus.folder, model, kill_after=delay)
        if run.killed:
            report.killed_runs_seconds.append(run.seconds)
            report.kills += 1
            label = stage if attempt == 0 else f"re-run, {stage}"
            report.stages[label] += 1
            notes.append(f"killed at {delay:5.2f} s of ~{whole:5.2f} s ({label})")
        else:
            notes.append(f"finished in {run.seconds:.2f} s before the kill at {delay:.2f} s")
    return notes


def _complete_and_check(
    index: Path, corpus: Corpus, model: str, report: Report, notes: list[str], log: Any
) -> None:
    """Run to completion, then check the whole index exactly."""
    cycle = report.cycles
    rerun = run_index(index, corpus.folder, model)
    report.reruns_seconds.append(rerun.seconds)
    problems = (
        [f"re-run exited {rerun.returncode}: {rerun.stderr.strip()[-300:]}"] if rerun.returncode else []
    )
    problems += check_index(index, corpus, model)
    report.checks += 1
    log(
        f"cycle {cycle:>2}: {'; '.join(notes)}; re-run {rerun.seconds:5.2f} s; "
        f"{len(corpus.records)} questions, {corpus.expected_passages} passages: "
        + ("exact" if not problems else "FAILED")
    )
    report.failures += [f"cycle {cycle}: {p}" for p in problems]
    if problems and not report.first_failure:
        report.first_failure = f"cycle {cycle} ({'; '.join(notes)})"
    report.stale_questions |= {p.split(":")[0] for p in problems if kind_of(p) == "stale"}


def _summary(report: Report) -> str:
    def spread(values: list[float]) -> str:
        if not values:
            return "-"
        ordered = sorted(values)
        return f"min {ordered[0]:.2f} s, median {ordered[len(ordered) // 2]:.2f} s, max {ordered[-1]:.2f} s"

    stages = ", ".join(f"{name} {count}" for name, count in sorted(report.stages.items()))
    lines = [
        f"questions: {report.questions} ({report.passages} passages) at the end; "
        f"{report.changed} record changes and {report.added} additions over the cycles",
        f"kills: {report.kills} in {report.cycles} cycles (stage, estimated from a timed replay: {stages})",
        f"killed runs: {spread(report.killed_runs_seconds)}",
        f"re-runs to completion: {spread(report.reruns_seconds)}",
        f"exact checks: {report.checks}, failed: {len({f.split(':')[0] for f in report.failures})}",
        f"total: {report.total_seconds:.1f} s",
    ]
    if not report.failures:
        lines.append("RESULT: OK, nothing lost, duplicated or stale")
        return "\n".join(lines)
    problems = [f.split(": ", 1)[1] for f in report.failures]
    kinds = Counter(kind_of(p) for p in problems)
    lines += [
        f"first failed check: {report.first_failure}",
        f"problems by kind, over all checks: {dict(kinds)}",
        f"questions left with stale passages: {len(report.stale_questions)} "
        f"({', '.join(sorted(report.stale_questions)[:10])})",
        "RESULT: FAILED",
    ]
    seen: set[str] = set()
    for failure in report.failures:  # each problem once, at the first check that saw it
        problem = failure.split(": ", 1)[1]
        if problem not in seen and len(seen) < 30:
            seen.add(problem)
            lines.append(f"  {failure}")
    return "\n".join(lines)


def _run(args: argparse.Namespace, workdir: Path) -> tuple[str, list[str]]:
    """The chosen scenario in ``workdir``: its summary and its failures."""
    if args.scenario == "changes":
        report = soak(workdir, args.questions or 3000, args.kills or 25, args.model, args.seed)
        return _summary(report), report.failures
    if args.scenario == "versions":
        versions = soak_versions(workdir, args.questions or 1000, args.kills or 50, args.model, args.seed)
        summary, failures = versions.summary(), versions.failures
    else:
        per_client = max(1, (args.questions or 160) // args.clients)
        served = soak_serve(workdir, args.kills or 50, args.clients, per_client, args.model, args.seed)
        summary, failures = served.summary(), served.failures
    lines = [summary, *(f"  {f}" for f in failures[:30]), "RESULT: OK" if not failures else "RESULT: FAILED"]
    return "\n".join(lines), failures


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--scenario", choices=["versions", "serve", "changes"], default="versions")
    parser.add_argument("--questions", type=int, help="questions (default 1000; serve 160; changes 3000)")
    parser.add_argument("--kills", type=int, help="kills (default 50; changes 25)")
    parser.add_argument("--clients", type=int, default=4, help="concurrent clients (serve; default 4)")
    parser.add_argument("--model", default="fake", help="SEMSEARCH_MODEL for the runs (default fake)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workdir", type=Path, help="keep the corpus and index here (default: a temp dir)")
    args = parser.parse_args(argv)
    if not SEMSEARCH.exists():
        parser.error(f"{SEMSEARCH} not found: run 'make install' first")
    if args.workdir:
        args.workdir.mkdir(parents=True, exist_ok=True)
        summary, failures = _run(args, args.workdir)
    else:
        with tempfile.TemporaryDirectory(prefix="crash-soak-") as tmp:
            summary, failures = _run(args, Path(tmp))
    print(summary)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
