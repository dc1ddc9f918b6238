"""``make bench``: the floor, query latency (embedded engine and Qdrant server), cold starts,
memory, indexing throughput, a million passages and ``semsearch duplicates``, against the targets.

    .venv/bin/python -m bench.run            # the full run (`make bench`)
    .venv/bin/python -m bench.run --quick    # small sizes: checks the machinery in a few minutes

Indexes are built in ``--workdir`` (default /tmp/semsearch-bench, never inside the repository) and
reused by later runs with the same sizes (docs/performance.md gives the times). Results go to
``bench/results/latest.json`` and ``latest.md``; a part that fails is reported as not measured and
the others still run (the exit status is then 1).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import duplicates, floor, indexing, latency, million, qdrant, scale
from bench.common import REPO, UK_CORPUS, BenchError, Config, check_paths, machine, machine_load, say
from bench.queries import QueryPool
from bench.report import targets
from bench.report_md import markdown

PARTS = ("indexing", "scale", "floor", "latency", "qdrant", "million", "duplicates")
# index questions, real questions, store-scale passages, requests per client, cold CLI runs,
# floor requests per language, million passages, questions for duplicates
FULL = (500, 4_000, 400_000, 100, 6, 300, 1_000_000, 50_000)
QUICK = (20, 40, 2_000, 5, 2, 20, 5_000, 500)


def _default_model() -> str:
    from semsearch.settings import DEFAULT_MODEL

    return os.environ.get("SEMSEARCH_MODEL", DEFAULT_MODEL)


def parse(argv: Sequence[str] | None) -> tuple[Config, list[str]]:
    p = argparse.ArgumentParser(prog="bench.run", description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true", help="Small sizes, to check the machinery.")
    p.add_argument("--corpus", type=Path, default=UK_CORPUS, help="JSON Lines corpus (the UK one).")
    p.add_argument("--workdir", type=Path, default=Path("/tmp/semsearch-bench"), help="Index folder.")
    p.add_argument("--results", type=Path, default=REPO / "bench" / "results", help="Output folder.")
    p.add_argument("--model", default=_default_model(), help="Passage model (default: the product's).")
    p.add_argument("--encoder", default=os.environ.get("SEMSEARCH_ENCODER", "auto"))
    p.add_argument("--index-questions", type=int, help="Questions timed against the bare encoders.")
    p.add_argument("--real-questions", type=int, help="Questions embedded for real (the copies' source).")
    p.add_argument("--target-passages", type=int, help="Store-scale index size (copies fill it up).")
    p.add_argument("--million-passages", type=int, help="The large Edge index's size (copies).")
    p.add_argument("--duplicate-questions", type=int, help="Questions `semsearch duplicates` runs over.")
    p.add_argument("--copy-noise", type=float, default=0.25, help="Norm of the noise on copies' vectors.")
    p.add_argument("--requests", type=int, help="Requests per client in each latency run.")
    p.add_argument("--floor-requests", type=int, help="Requests of the floor, per query language.")
    p.add_argument("--clients", default="1,8", help="Concurrent clients of the latency runs.")
    p.add_argument(
        "--cli-runs",
        type=int,
        help="Cold `semsearch search` runs (the median is kept; without a server, of those after the first).",
    )
    p.add_argument("--repeats", type=int, help="Indexing runs of each kind (the best is kept).")
    p.add_argument("--only", action="append", choices=PARTS, help="Run only this part (repeatable).")
    p.add_argument("--skip", action="append", choices=PARTS, default=[], help="Leave this part out.")
    args = p.parse_args(argv)
    sizes = QUICK if args.quick else FULL
    config = Config(
        corpus=args.corpus,
        workdir=args.workdir,
        results=args.results,
        model=args.model,
        encoder=args.encoder,
        index_questions=args.index_questions or sizes[0],
        real_questions=args.real_questions or sizes[1],
        target_passages=args.target_passages or sizes[2],
        requests=args.requests or sizes[3],
        clients=tuple(int(c) for c in args.clients.split(",")),
        cli_runs=args.cli_runs or sizes[4],
        quick=args.quick,
        repeats=args.repeats or (1 if args.quick else 3),
        floor_requests=args.floor_requests or sizes[5],
        million_passages=args.million_passages or sizes[6],
        duplicate_questions=args.duplicate_questions or sizes[7],
        copy_noise=args.copy_noise,
    )
    return config, [p for p in (args.only or PARTS) if p not in args.skip]


def _parts(config: Config, pool: QueryPool) -> dict[str, Callable[[dict[str, Any]], Any]]:
    """Each part: what it measures, given the results so far (the later ones need the indexes)."""
    index = scale.index_path(config)

    def store_wanted(results: dict[str, Any]) -> dict[str, Any]:
        """What the Qdrant copy is a copy of: this build of the store-scale index."""
        return {"index": str(index), "built": json.loads((index / "bench.json").read_text(encoding="utf-8"))}

    return {
        "indexing": lambda r: indexing.measure(config),
        "scale": lambda r: scale.build(config),
        "floor": lambda r: floor.measure(config, index, pool),
        "latency": lambda r: latency.measure(config, index, pool, scale.related_ids(config)),
        # Another engine or index: texts of their own (in one full run the texts would run out).
        "qdrant": lambda r: qdrant.measure(
            config, index, store_wanted(r), QueryPool(), scale.related_ids(config)
        ),
        "million": lambda r: million.measure(config, QueryPool()),
        "duplicates": lambda r: duplicates.measure(config),
    }


def run(config: Config, parts: list[str], command: str) -> dict[str, Any]:
    check_paths(config)
    started = time.perf_counter()
    results: dict[str, Any] = {
        "command": command,
        "started": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "quick": config.quick,
        "model": config.model,
        "encoder": config.encoder,
        "config": {k: str(v) if isinstance(v, Path) else v for k, v in asdict(config).items()},
        "machine": machine(),
        "load_start": machine_load(),
        "skipped": {},
    }
    if any(p in parts for p in ("floor", "latency", "qdrant")) and "scale" not in parts:
        parts = ["scale", *parts]  # they run on the store-scale index (built, or reused)
    steps = _parts(config, QueryPool())
    for part in PARTS:
        if part not in parts:
            continue
        say(f"{part}: started")
        if part in ("floor", "latency", "qdrant") and "scale" not in results:
            results["skipped"][part] = "no store-scale index (see scale)"
            continue
        try:
            results[part] = steps[part](results)
        except BenchError as exc:
            say(f"{part}: not measured: {exc}")
            results["skipped"][part] = str(exc)
        _save(results, config.workdir / "partial.json")
    if "floor" in results and "latency" in results:
        _floor_again(config, results)
    results["load_end"] = machine_load()
    results["seconds"] = round(time.perf_counter() - started, 1)
    results["targets"] = targets(results)
    return results


def _floor_again(config: Config, results: dict[str, Any]) -> None:
    """The floor once more, on the same queries (a fresh pool starts where the first floor did),
    once the server has stopped: X is measured between the two, and the targets hold it to their
    mean, so that a machine whose speed drifts during the run (a shared host) does not decide."""
    say("floor: again, after the latency runs")
    try:
        results["floor_after"] = floor.measure(config, scale.index_path(config), QueryPool())
    except BenchError as exc:
        say(f"floor again: not measured: {exc}")
        results["skipped"]["floor_after"] = str(exc)
    _save(results, config.workdir / "partial.json")


def _save(results: dict[str, Any], path: Path) -> None:
    path.write_text(json.dumps(results, indent=2, default=str), encoding="utf-8")


def write(results: dict[str, Any], folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in (("latest.json", json.dumps(results, indent=2)), ("latest.md", markdown(results))):
        tmp = folder / f"{name}.tmp"
        tmp.write_text(text + ("\n" if not text.endswith("\n") else ""), encoding="utf-8")
        tmp.replace(folder / name)


def main(argv: Sequence[str] | None = None) -> int:
    config, parts = parse(argv)
    command = " ".join(["python -m bench.run", *(sys.argv[1:] if argv is None else argv)])
    try:
        results = run(config, parts, command)
    except BenchError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 1
    write(results, config.results)
    print(markdown(results))
    return 1 if results["skipped"] else 0


if __name__ == "__main__":
    sys.exit(main())
