"""What the benchmark's parts share: paths, the corpus slice, child processes, the machine."""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
UK_CORPUS = SHARED / "corpus" / "uk" / "commons_written_questions_2023-09_2025-06.jsonl"


class BenchError(Exception):
    """Missing data, a refused path or a child process that failed: one line for the user."""


@dataclass(frozen=True)
class Config:
    corpus: Path
    workdir: Path
    results: Path
    model: str
    encoder: str
    index_questions: int  # the slice timed against the bare encoder
    real_questions: int  # indexed for real into the store-scale index
    target_passages: int  # the store-scale index is filled up to this with copies
    requests: int  # per client
    clients: tuple[int, ...]
    cli_runs: int
    quick: bool
    repeats: int = 1  # indexing: bare and index runs, alternated; the best of each is compared
    floor_requests: int = 300  # requests of the floor, per query language
    million_passages: int = 1_000_000  # the large Edge index (copies)
    duplicate_questions: int = 50_000  # questions of the index `semsearch duplicates` runs over
    copy_noise: float = 0.25  # a copy's vectors: the real one plus noise of this norm, renormalised
    qdrant: bool = True  # the latency bench against a Qdrant server too


def check_paths(config: Config) -> None:
    if not config.corpus.is_file():
        raise BenchError(
            f"corpus not found: {config.corpus} (the shared data sits in {SHARED}; give --corpus PATH)"
        )
    if config.workdir.resolve().is_relative_to(REPO):
        raise BenchError(f"refusing to build indexes inside the repository: {config.workdir} (use /tmp)")
    config.workdir.mkdir(parents=True, exist_ok=True)


def corpus_slice(config: Config, questions: int) -> Path:
    """The corpus's first ``questions`` lines, written once into the work folder."""
    out = config.workdir / f"{config.corpus.stem}.first{questions}.jsonl"
    if out.is_file():
        return out
    tmp = out.with_suffix(".tmp")
    with config.corpus.open(encoding="utf-8") as lines, tmp.open("w", encoding="utf-8") as sink:
        for n, line in enumerate(lines):
            if n >= questions:
                break
            sink.write(line if line.endswith("\n") else line + "\n")
    tmp.replace(out)
    return out


def child_env(config: Config, qdrant_url: str | None = None) -> dict[str, str]:
    """The environment of a ``semsearch`` child: the bench's model, no rate limit, and the embedded
    index unless ``qdrant_url`` is given."""
    env = dict(os.environ)
    env.pop("SEMSEARCH_QDRANT_URL", None)
    if qdrant_url is not None:
        env["SEMSEARCH_QDRANT_URL"] = qdrant_url
    env.update(
        SEMSEARCH_MODEL=config.model,
        SEMSEARCH_ENCODER=config.encoder,
        SEMSEARCH_RATE_LIMIT_PER_SECOND="0",  # measure the engine, not the limiter
        PYTHONUNBUFFERED="1",
    )
    return env


def semsearch_command() -> list[str]:
    script = Path(sys.executable).parent / "semsearch"
    return [str(script)] if script.exists() else [sys.executable, "-m", "semsearch.cli"]


@dataclass
class ChildRun:
    returncode: int
    seconds: float
    peak_rss_mib: float
    stdout: str
    stderr: str


def run_child(
    args: list[str], config: Config, timeout: float = 24 * 3600, env: dict[str, str] | None = None
) -> ChildRun:
    """Run a ``semsearch`` command (in the work folder, so no ``.env`` of the repo applies) and
    measure its wall time and its own peak memory (``wait4`` gives one child's ru_maxrss)."""
    out_path, err_path = config.workdir / "child.out", config.workdir / "child.err"
    with out_path.open("wb") as out, err_path.open("wb") as err:
        started = time.perf_counter()
        proc = subprocess.Popen(
            args, cwd=config.workdir, env=env or child_env(config), stdout=out, stderr=err
        )
        deadline = started + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                proc.kill()
                raise BenchError(f"{' '.join(args[:3])} took more than {timeout:.0f} s")
            time.sleep(0.005)
        seconds = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    return ChildRun(
        proc.returncode,
        seconds,
        usage.ru_maxrss / 1024,
        out_path.read_text(encoding="utf-8", errors="replace"),
        err_path.read_text(encoding="utf-8", errors="replace"),
    )


def product_settings(model: str, encoder: str, index: Path, qdrant_url: str | None = None) -> Any:
    """The product's settings for this model and index (or a Qdrant server), nothing from a
    ``.env`` file; the rest as the environment says, as for a user."""
    from semsearch.settings import Settings

    return Settings(  # type: ignore[call-arg]
        index_path=index,
        model=model,
        encoder=encoder,  # type: ignore[arg-type]
        qdrant_url=qdrant_url,
        _env_file=None,
    )


def settings_for(config: Config, index: Path, qdrant_url: str | None = None) -> Any:
    return product_settings(config.model, config.encoder, index, qdrant_url)


def load_encoder(config: Config) -> Any:
    """The passage encoder the index and the server use, in this process."""
    from semsearch.embedding.loader import load_embedder

    return load_embedder(settings_for(config, config.workdir / "unused"))


def fail_line(run: ChildRun) -> str:
    """A failed child's last line of output: what a user would read."""
    lines = (run.stderr.strip() or run.stdout.strip() or f"exit status {run.returncode}").splitlines()
    return lines[-1][-300:]


def encoder_label(embedder: Any) -> str:
    kind = type(embedder).__name__
    if kind == "OnnxEmbedder":
        return "onnx-int8" if embedder.quantized else "onnx"
    return {"SentenceTransformerEmbedder": "torch", "FakeEmbedder": "fake"}.get(kind, kind)


def percentiles(values: list[float]) -> dict[str, float]:
    """p50/p95/p99 and the mean, in milliseconds, of durations in seconds (p99: numpy's linear
    interpolation between the two nearest ranks)."""
    ms = np.asarray(values, dtype=np.float64) * 1000
    if ms.size == 0:
        return {"n": 0}
    p50, p95, p99 = np.percentile(ms, [50, 95, 99])
    return {
        "n": int(ms.size),
        "p50": round(float(p50), 2),
        "p95": round(float(p95), 2),
        "p99": round(float(p99), 2),
        "mean": round(float(ms.mean()), 2),
    }


def say(message: str) -> None:
    """Progress on stderr, time-stamped."""
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def machine_load() -> dict[str, Any]:
    """The load average, and the share of the last 10 s in which some runnable task waited for a
    CPU (Linux PSI, %): the signs that other jobs competed with a measurement."""
    pressure: float | None = None
    try:
        fields = Path("/proc/pressure/cpu").read_text().split("\n")[0].split()
        pressure = float(dict(f.split("=") for f in fields[1:])["avg10"])
    except (OSError, KeyError, ValueError):
        pass
    return {"load_average": [round(x, 2) for x in os.getloadavg()], "cpu_pressure_avg10": pressure}


def folder_bytes(folder: Path) -> tuple[int, int]:
    """(apparent size, allocated on disk): the engine's files are partly sparse."""
    files = [p.stat() for p in folder.rglob("*") if p.is_file()]
    return sum(s.st_size for s in files), sum(s.st_blocks * 512 for s in files)


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _memory_gib() -> float:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024**2, 1)
    except OSError:
        pass
    return 0.0


def machine() -> dict[str, Any]:
    versions: dict[str, str | None] = {}
    for name in ("onnxruntime", "tokenizers", "torch", "sentence-transformers", "qdrant-edge-py"):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "memory_gib": _memory_gib(),
        "system": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "disk_free_gib": round(shutil.disk_usage("/tmp").free / 1024**3, 1),
        "versions": versions,
    }


def _children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            found += [int(c) for c in (task / "children").read_text().split()]
    except OSError:
        pass
    return found


def tree_memory(pid: int) -> dict[str, float]:
    """Resident and peak memory (VmRSS, VmHWM, MiB) of a process and all its descendants, summed
    (``serve --workers N`` is a parent and N workers), the resident memory's anonymous part and
    its file pages (the index's files mapped by the engine: page cache, given back under memory
    pressure), and the number of processes."""
    fields_read = {"rss_mib": "VmRSS", "peak_rss_mib": "VmHWM", "anon_mib": "RssAnon", "file_mib": "RssFile"}
    pids = [pid]
    total = dict.fromkeys([*fields_read, "processes"], 0.0)
    while pids:
        current = pids.pop()
        pids += _children(current)
        try:
            lines = Path(f"/proc/{current}/status").read_text().splitlines()
        except OSError:
            continue
        fields = {k: v for k, _, v in (line.partition(":") for line in lines)}
        for key, field in fields_read.items():
            total[key] += int(fields.get(field, "0 kB").split()[0]) / 1024
        total["processes"] += 1
    return {k: round(v, 1) for k, v in total.items()}
