"""``make bench``: indexing throughput, store scale, query latency, cold starts, memory, disk.

    .venv/bin/python -m bench.run            # the full run (`make bench`)
    .venv/bin/python -m bench.run --quick    # small sizes: checks the machinery in a minute

The first full run embeds the whole UK corpus for the store-scale index (about half an hour on 2
cores); later runs reuse that index and take about fifteen minutes.
Indexes are built in ``--workdir`` (default /tmp/semsearch-bench, never inside the repository)
and the store-scale index is reused by later runs with the same sizes. Results go to
``bench/results/latest.json`` and ``latest.md`` (small text, meant to be committed).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import indexing, latency, scale
from bench.common import REPO, UK_CORPUS, BenchError, Config, check_paths, machine, machine_load
from bench.report import markdown, targets

PARTS = ("indexing", "scale", "latency")


def parse(argv: Sequence[str] | None) -> tuple[Config, list[str]]:
    parser = argparse.ArgumentParser(prog="bench.run", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="Small sizes, to check the machinery.")
    parser.add_argument("--corpus", type=Path, default=UK_CORPUS, help="JSON Lines corpus (the UK one).")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/semsearch-bench"), help="Index folder.")
    parser.add_argument("--results", type=Path, default=REPO / "bench" / "results", help="Output folder.")
    parser.add_argument("--model", default=os.environ.get("SEMSEARCH_MODEL", "all-MiniLM-L6-v2"))
    parser.add_argument("--encoder", default=os.environ.get("SEMSEARCH_ENCODER", "auto"))
    parser.add_argument("--index-questions", type=int, help="Questions timed against the bare encoder.")
    parser.add_argument("--real-questions", type=int, help="Questions embedded for the store-scale index.")
    parser.add_argument("--target-passages", type=int, help="Store-scale index size (copies fill it up).")
    parser.add_argument("--requests", type=int, help="Requests per client in each latency run.")
    parser.add_argument("--clients", default="1,8", help="Concurrent clients of the latency runs.")
    parser.add_argument("--cli-runs", type=int, help="Cold `semsearch search` runs (the median is kept).")
    parser.add_argument("--repeats", type=int, help="Indexing runs of each kind (the best is kept).")
    parser.add_argument("--only", action="append", choices=PARTS, help="Run only this part (repeatable).")
    args = parser.parse_args(argv)
    # Full run: 2,000 questions timed for indexing; the whole UK corpus (24,402 questions) embedded
    # for real into the store-scale index, then copies up to 400,000 passages.
    sizes = (20, 40, 2_000, 5, 1) if args.quick else (2_000, 25_000, 400_000, 100, 5)
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
    )
    return config, list(args.only or PARTS)


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
    }
    if "indexing" in parts:
        _say("indexing: the bare encoder, then `semsearch index`, on the same passages")
        results["indexing"] = indexing.measure(config)
    if "scale" in parts or "latency" in parts:
        _say(f"store scale: {config.target_passages:,} passages (reused when already built)")
        results["scale"] = {**scale.build(config), **scale.disk(config)}
    if "latency" in parts:
        _say("latency: bare query encoding, cold `semsearch search`, then `semsearch serve`")
        results["latency"] = latency.measure(config)
    results["load_end"] = machine_load()
    results["seconds"] = round(time.perf_counter() - started, 1)
    results["targets"] = targets(results)
    return results


def write(results: dict[str, Any], folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in (("latest.json", json.dumps(results, indent=2)), ("latest.md", markdown(results))):
        tmp = folder / f"{name}.tmp"
        tmp.write_text(text + ("\n" if not text.endswith("\n") else ""), encoding="utf-8")
        tmp.replace(folder / name)


def _say(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


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
    return 0


if __name__ == "__main__":
    sys.exit(main())
