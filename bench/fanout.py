"""Is the fan-out worth it? In one process on an index: French searches with the pool switched on
and off from one query to the next (so that the machine's drift falls on both alike), then one
engine signal from 1 and from 2 threads at once (does the engine search in parallel?).

    python -m bench.fanout /tmp/semsearch-bench/scale-index
"""

from __future__ import annotations

import argparse
import statistics
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from bench.queries import QueryPool

WARM_UP = 300  # the engine is slower on its first few hundred queries (docs/performance.md)


def _ms(times: list[float]) -> str:
    ordered = sorted(times)
    return f"p50 {1000 * ordered[len(ordered) // 2]:.1f} ms, mean {1000 * statistics.mean(ordered):.1f} ms"


def interleaved(service: object, texts: Sequence[str], threads: int) -> dict[int, list[float]]:
    """Each text searched once, the pool on (``threads``) and off in turn."""
    from semsearch.fanout import Fanout

    kinds = {0: Fanout(0), threads: Fanout(threads)}
    times: dict[int, list[float]] = {k: [] for k in kinds}
    for n, text in enumerate(texts):
        kind = list(kinds)[n % 2]
        service.fanout = kinds[kind]  # type: ignore[attr-defined]
        started = time.perf_counter()
        service.search_page(text, 10)  # type: ignore[attr-defined]
        times[kind].append(time.perf_counter() - started)
    return times


def engine_speedup(search: Callable[[int], object], n: int) -> float:
    """How much faster 2 threads run 2 × ``n`` engine queries than 1 thread runs ``n``, twice."""

    def run() -> None:
        for i in range(n):
            search(i)

    started = time.perf_counter()
    run()
    one = time.perf_counter() - started
    pair = [threading.Thread(target=run) for _ in range(2)]
    started = time.perf_counter()
    for t in pair:
        t.start()
    for t in pair:
        t.join()
    return 2 * one / (time.perf_counter() - started)


def _listed(vector: np.ndarray | None) -> list[float]:
    if vector is None:
        raise SystemExit("the index's model gave no vector: is it the product's default?")
    return list(vector.tolist())


def main(argv: Sequence[str] | None = None) -> int:
    from semsearch.filters import SearchFilter
    from semsearch.payload import RANKING_FIELDS
    from semsearch.service import SearchService
    from semsearch.settings import Settings
    from semsearch.store.base import DENSE, QUESTION_BM25, Probe

    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("index", type=Path)
    p.add_argument("--queries", type=int, default=1400, help="Searches timed (half each way).")
    p.add_argument("--threads", type=int, default=4, help="The pool's threads when on.")
    args = p.parse_args(argv)
    settings = Settings(index_path=args.index, _env_file=None)  # type: ignore[call-arg]
    texts = QueryPool().take(WARM_UP + args.queries + 200, "fr")
    with SearchService.open(settings, create=False) as service:
        service.require_index()
        for text in texts[:WARM_UP]:
            service.search_page(text, 10)
        times = interleaved(service, texts[WARM_UP : WARM_UP + args.queries], args.threads)
        for kind, spent in times.items():
            print(f"search_page, query_threads={kind}: {len(spent)} searches, {_ms(spent)}")
        queries = [service.text_query(t) for t in texts[-200:]]
        probes = {
            "passages (200 nearest)": [(Probe(DENSE, _listed(q.dense)), 200) for q in queries],
            "bm25 (100 heads)": [
                (Probe(QUESTION_BM25, sparse=service.sparse.query(q.text, "fr")), 100) for q in queries
            ],
        }
        for name, asked in probes.items():

            def search(i: int, asked: list[tuple[Probe, int]] = asked) -> object:
                return service.store.search(asked[i][0], asked[i][1], SearchFilter(), RANKING_FIELDS)

            print(f"engine, {name}: 2 threads {engine_speedup(search, len(asked)):.2f} times as fast as 1")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
