"""Running ``semsearch index`` for the crash tests: as a child process that may be killed after a
delay, and replayed in-process to time its stages (where a kill lands)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from indexer.pipeline import collect_files, count_records
from indexer.pipeline import run_index as pipeline_run
from semsearch.service import SearchService
from tests.support.paths import SEMSEARCH
from tests.support.settings import fake_settings


@dataclass
class Run:
    seconds: float
    returncode: int
    killed: bool
    stdout: str
    stderr: str


SOAK_BATCH_PASSAGES = 200


def cli_env(model: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SEMSEARCH_")}
    # Small batches (tens of questions): a kill then lands between batches as well as inside one.
    env.update(SEMSEARCH_MODEL=model, SEMSEARCH_BATCH_SIZE=str(SOAK_BATCH_PASSAGES), PYTHONUNBUFFERED="1")
    return env


def run_index(
    index: Path,
    folder: Path,
    model: str,
    kill_after: float | None = None,
    sig: int = signal.SIGKILL,
    timeout: float = 600,
) -> Run:
    """``semsearch index`` as a subprocess; with ``kill_after``, sent ``sig`` after that many seconds."""
    command = [str(SEMSEARCH), "index", "--index", str(index), "--json", str(folder)]
    started = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(command, stdout=out, stderr=err, env=cli_env(model), cwd=folder.parent)
        killed = False
        if kill_after is not None:
            try:
                proc.wait(timeout=kill_after)
            except subprocess.TimeoutExpired:
                proc.send_signal(sig)
                killed = True
        try:
            returncode = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            raise
        seconds = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        # The signal can arrive as the run exits on its own: then it finished, it was not killed.
        killed = killed and returncode == -sig
        return Run(seconds, returncode, killed, out.read().decode(), err.read().decode())


def cli_check(index: Path, model: str) -> list[str]:
    """What ``semsearch check`` finds wrong in the index (empty: it says the index is exact)."""
    proc = subprocess.run(
        [str(SEMSEARCH), "check", "--json", "--index", str(index)],
        env=cli_env(model),
        capture_output=True,
        text=True,
        timeout=600,
    )
    try:
        report = json.loads(proc.stdout.splitlines()[-1])
    except (IndexError, ValueError):
        return [f"semsearch check exited {proc.returncode}: {proc.stderr.strip()[-300:]}"]
    problems = [f"semsearch check: {p['question_id']}: {p['problem']}" for p in report["problems"]]
    if proc.returncode != 0 and not problems:
        problems.append(f"semsearch check exited {proc.returncode}")
    return problems


def startup_seconds(index: Path, folder: Path, model: str) -> float:
    """How long the CLI takes to start and stop with nothing to do (an empty folder)."""
    empty = folder.parent / "empty-input"
    empty.mkdir(exist_ok=True)
    return run_index(index, empty, model).seconds


@dataclass
class Timeline:
    """Where the time of an index run goes, measured in-process (seconds from the start)."""

    first_batch: float  # the first upsert starts (files listed, records counted and read)
    optimise: float  # optimize() starts
    end: float  # run_index returned
    closed: float  # the store flushed and closed

    def window(self, stage: str) -> tuple[float, float]:
        """When a stage ("reading", "embedding+writing", "optimising", "closing") starts and ends."""
        return {
            "reading": (0.0, self.first_batch),
            "embedding+writing": (self.first_batch, self.optimise),
            "optimising": (self.optimise, self.end),
            "closing": (self.end, self.closed),
        }[stage]

    def middle(self, stage: str) -> float:
        start, end = self.window(stage)
        return (start + end) / 2

    def stage(self, t: float) -> str:
        if t < self.first_batch:
            return "reading"
        if t < self.optimise:
            return "embedding+writing"
        if t < self.end:
            return "optimising"
        return "closing"


def replay(index: Path, folder: Path, model: str) -> Timeline:
    """Run the same index run in-process on a copy of the index, timing its stages."""
    with tempfile.TemporaryDirectory(dir=index.parent) as scratch:
        copy = Path(scratch) / "index"
        if index.exists():
            shutil.copytree(index, copy, ignore=shutil.ignore_patterns(".lock"))
        settings = fake_settings(copy, model=model)
        started = time.perf_counter()
        marks: dict[str, float] = {}
        with SearchService.open(settings) as service:
            service.check_model()
            files, _ = collect_files([folder])
            count_records(files)
            upsert, optimize = service.upsert, service.optimize

            def timed_upsert(questions: Any) -> Any:
                marks.setdefault("first_batch", time.perf_counter() - started)
                return upsert(questions)

            def timed_optimize() -> None:
                marks["optimise"] = time.perf_counter() - started
                optimize()

            service.upsert = timed_upsert  # type: ignore[method-assign]
            service.optimize = timed_optimize  # type: ignore[method-assign]
            pipeline_run(service, [folder], files=files)
            marks["end"] = time.perf_counter() - started
        closed = time.perf_counter() - started
        first = marks.get("first_batch", marks["end"])
        return Timeline(first, marks.get("optimise", marks["end"]), marks["end"], closed)
