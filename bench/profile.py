"""Where a search's time goes, on the store-scale index built by ``make bench``.

    .venv/bin/python -m bench.profile [--index /tmp/semsearch-bench/scale-index] [--queries 100]

Prints the median of each stage of ``SearchService.search`` (in-process, no HTTP), the engine's
fused query with and without payloads, and whether two threads querying the engine at once go
faster than one (they would if the engine let go of Python's GIL while it searches).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from bench.queries import distinct_queries

if TYPE_CHECKING:
    import numpy as np

    from semsearch.service import SearchService


def _median_ms(items: Sequence[str], run: Callable[[str], object]) -> float:
    times = []
    for item in items:
        started = time.perf_counter()
        run(item)
        times.append(time.perf_counter() - started)
    return 1000 * statistics.median(times)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.profile", description=__doc__.split("\n")[0])
    parser.add_argument("--index", type=Path, default=Path("/tmp/semsearch-bench/scale-index"))
    parser.add_argument("--queries", type=int, default=100)
    args = parser.parse_args(argv)
    if not (args.index / "shard").is_dir():
        print(f"Error: no index in {args.index}: run `make bench` first", file=sys.stderr)
        return 1

    from semsearch.service import SearchService
    from semsearch.settings import Settings

    started = time.perf_counter()
    service = SearchService.open(Settings(index_path=args.index, qdrant_url=None, _env_file=None))  # type: ignore[call-arg]
    print(f"open the index: {time.perf_counter() - started:.2f} s")
    started = time.perf_counter()
    embedder = service.embedder
    print(f"load the model: {time.perf_counter() - started:.2f} s ({type(embedder).__name__})")
    texts = distinct_queries(args.queries + 20)
    for text in texts[:20]:
        service.search(text)
    texts = texts[20:]
    vectors = {t: embedder.embed_query(t) for t in texts}
    _stages(service, texts, vectors)
    _engine_threads(service, texts, vectors)
    service.close()
    return 0


def _stages(service: SearchService, texts: list[str], vectors: dict[str, np.ndarray]) -> None:
    """The median of each stage of a search, and of the whole search with and without labels."""
    from semsearch.filters import SearchFilter
    from semsearch.payload import RANKING_FIELDS
    from semsearch.store.base import DENSE, QUESTION, QUESTION_BM25, Probe

    everything = SearchFilter()
    terms = {t: service.sparse.query(t, service.sparse.language_of(t, None)) for t in texts}
    depth, questions = service.settings.passage_depth, service.settings.question_depth

    def probe(using: str, text: str) -> object:
        query = (
            Probe(using, sparse=terms[text])
            if using == QUESTION_BM25
            else Probe(using, vectors[text].tolist())
        )
        return service.store.search(query, depth if using == DENSE else questions, everything, RANKING_FIELDS)

    question_model = service.question_embedder
    rows = [
        ("query encoding (model)", _median_ms(texts, service.embedder.embed_query)),
        (
            "query encoding (question-level model)",
            _median_ms(texts, question_model.embed_query) if question_model is not None else 0.0,
        ),
        (f"engine: {depth} passages, ids only", _median_ms(texts, lambda t: probe(DENSE, t))),
        (f"engine: {questions} questions by vector", _median_ms(texts, lambda t: probe(QUESTION, t))),
        (f"engine: {questions} questions by BM25", _median_ms(texts, lambda t: probe(QUESTION_BM25, t))),
        (
            "search, labels off (cached query vectors)",
            _median_ms(texts, lambda t: service.search(t, label=False)),
        ),
        ("search, with labels (cached query vectors)", _median_ms(texts, service.search)),
    ]
    for name, ms in rows:
        print(f"{name:48s} {ms:6.1f} ms (median of {len(texts)})")


def _engine_threads(service: SearchService, texts: list[str], vectors: dict[str, np.ndarray]) -> None:
    """Whether two threads querying the engine at once go faster than one."""
    from semsearch.filters import SearchFilter
    from semsearch.store.base import DENSE, Probe

    everything = SearchFilter()

    def dense_queries(items: Sequence[str]) -> None:
        for text in items:
            service.store.search(Probe(DENSE, vectors[text].tolist()), 200, everything, fields=[])

    started = time.perf_counter()
    dense_queries(texts)
    alone = time.perf_counter() - started
    threads = [threading.Thread(target=dense_queries, args=(texts[i::2],)) for i in range(2)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    both = time.perf_counter() - started
    print(f"{len(texts)} dense engine queries: {alone:.2f} s in one thread, {both:.2f} s in two")


if __name__ == "__main__":
    sys.exit(main())
