"""One million passages on the embedded engine: the real index's points and copies of them
(``bench.copies``), then its size on disk, the time to open it in a new process, and
``semsearch serve`` on it: start to first answer, French searches with 1 client, memory.

    python -m bench.million --open INDEX   # the child that times the opening (prints JSON)
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench import http
from bench.common import REPO, BenchError, Config, child_env, fail_line, product_settings, run_child
from bench.queries import QueryPool
from bench.scale import derived_index, index_path, real_index


def open_time(config: Config, index: Path) -> dict[str, Any]:
    """In a new Python process: the seconds to open the index (``SearchService.open`` and a first
    read that needs the shard: how many questions it holds), imports excluded."""
    args = [sys.executable, "-m", "bench.million", "--open", str(index), "--model", config.model]
    env = {**child_env(config), "PYTHONPATH": str(REPO)}  # the child runs in the work folder
    run = run_child([*args, "--encoder", config.encoder], config, timeout=600, env=env)
    if run.returncode != 0:
        raise BenchError(f"opening the million-passage index failed: {fail_line(run)}")
    opened: dict[str, Any] = json.loads(run.stdout.strip().splitlines()[-1])
    return {**opened, "process_seconds": round(run.seconds, 3), "peak_rss_mib": round(run.peak_rss_mib)}


def measure(config: Config, pool: QueryPool) -> dict[str, Any]:
    real = real_index(config)
    result: dict[str, Any] = derived_index(config, "million-index", real, passages=config.million_passages)
    index = index_path(config, "million-index")
    result["open"] = open_time(config, index)
    server = http.Server(config, index, log="serve-million")
    try:
        result["first_answer_seconds"] = round(server.start(), 3)
        result["runs"] = http.one_client_runs(server.url, config, pool)
        result["memory"] = server.memory()
    finally:
        server.stop()
    return result


def _open(index: Path, model: str, encoder: str) -> dict[str, Any]:
    from semsearch.service import SearchService

    settings = product_settings(model, encoder, index)
    started = time.perf_counter()
    with SearchService.open(settings, create=False) as service:
        state = service.index_state()
        return {"open_seconds": round(time.perf_counter() - started, 3), "state": state}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.million", description=__doc__.split("\n")[0])
    parser.add_argument("--open", type=Path, required=True, help="Index to open.")
    parser.add_argument("--model", required=True)
    parser.add_argument("--encoder", default="auto")
    args = parser.parse_args(argv)
    print(json.dumps(_open(args.open, args.model, args.encoder)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
