"""In-process, on the store-scale index: the bare query encodings and the floor F.

A request of the floor is what a search cannot do without: its query encodings and its engine
queries, taken from the service (``bench.recording``): each query is first searched once through
``SearchService.search_page(text, 10)``, what ``GET /search?q=…&limit=10`` calls, with the store
and the encoders recorded; the floor then replays, per request, the recorded encodings (the
models' own ``embed_*`` calls: no query cache) and the engine queries (the store's ``search``
calls: the signals' and the page's), and nothing else (no fusion, no payload read, no result
building, no HTTP). ``floor_threads`` threads each replay their share of the requests one after
the other; F = requests / wall seconds.

The bare query encoding is the same encodings replayed one query at a time, each model timed
apart: for a French query e5 and USE (the service asks USE only for a language whose fusion
weights use it), for an English one e5 alone.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.common import BenchError, Config, encoder_label, machine_load, percentiles, say, settings_for
from bench.queries import LANGUAGES, QueryPool
from bench.recording import PASSAGE_MODEL, QUESTION_MODEL, STORE, Recorder, Recording, replay

FLOOR_THREADS = 8
WARM_UP = 10


def open_service(config: Config, index: Path, qdrant_url: str | None = None) -> Any:
    """The product's service on the index (or a Qdrant server), its models loaded."""
    from semsearch.service import SearchService

    service = SearchService.open(settings_for(config, index, qdrant_url), create=False)
    try:
        service.require_index()
        service.embed_query("warm up")  # loads the model; the question model loads on first use
    except BaseException:
        service.close()
        raise
    return service


def targets_of(service: Any) -> dict[str, Any]:
    return {STORE: service.store, PASSAGE_MODEL: service.embedder, QUESTION_MODEL: service.question_embedder}


def record_searches(service: Any, texts: list[str]) -> list[Recording]:
    """One recording per text, of ``service.search_page(text, 10)``."""
    recordings = []
    with Recorder(targets_of(service)) as recorder:
        for text in texts:
            service.search_page(text, 10)
            recordings.append(recorder.take())
    return recordings


def bare_encoding(targets: dict[str, Any], recordings: list[Recording]) -> dict[str, Any]:
    """Each query's recorded encodings replayed alone, per model and summed (ms percentiles)."""
    per_model: dict[str, list[float]] = {}
    sums: list[float] = []
    for recording in recordings:
        total = 0.0
        for call in recording.encodings:
            started = time.perf_counter()
            replay(targets, [call])
            seconds = time.perf_counter() - started
            per_model.setdefault(call.target, []).append(seconds)
            total += seconds
        sums.append(total)
    uses_question_model = sum(any(c.target == QUESTION_MODEL for c in r.encodings) for r in recordings)
    return {
        "sum": percentiles(sums),
        **{model: percentiles(times) for model, times in per_model.items()},
        "share_with_question_model": round(uses_question_model / max(len(recordings), 1), 3),
    }


def floor(targets: dict[str, Any], recordings: list[Recording], threads: int) -> dict[str, Any]:
    """``threads`` threads replaying their share of the requests (encodings, then engine queries)."""
    shares = [recordings[i::threads] for i in range(threads)]
    times: list[list[float]] = [[] for _ in range(threads)]
    errors: list[BaseException] = []
    barrier = threading.Barrier(threads)

    def worker(n: int) -> None:
        barrier.wait()
        try:
            for recording in shares[n]:
                started = time.perf_counter()
                replay(targets, recording.encodings)
                replay(targets, recording.engine)
                times[n].append(time.perf_counter() - started)
        except BaseException as exc:  # reported below, in the main thread
            errors.append(exc)

    load = machine_load()
    pool = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
    started = time.perf_counter()
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    wall = time.perf_counter() - started
    if errors:
        raise BenchError(f"a floor request failed: {errors[0]!r}")
    flat = [t for share in times for t in share]
    return {
        "threads": threads,
        "requests_per_second": round(len(flat) / wall, 2),
        "latency_ms": percentiles(flat),
        "load": load,
    }


def _shape(recordings: list[Recording]) -> dict[str, Any]:
    """What a request is made of, on average over the recorded searches."""
    n = max(len(recordings), 1)
    other: dict[str, int] = {}
    for r in recordings:
        for name, count in r.other().items():
            other[name] = other.get(name, 0) + count
    return {
        "engine_queries_per_search": round(sum(len(r.engine) for r in recordings) / n, 2),
        "engine_query_kinds": sorted({c.name for r in recordings for c in r.engine}),
        "encodings_per_search": round(sum(len(r.encodings) for r in recordings) / n, 2),
        "not_replayed_per_search": {k: round(v / n, 2) for k, v in sorted(other.items())},
    }


def measure_language(service: Any, texts: list[str]) -> dict[str, Any]:
    for text in texts[:WARM_UP]:
        service.search_page(text, 10)
    recordings = record_searches(service, texts[WARM_UP:])
    targets = targets_of(service)
    return {
        "requests": len(recordings),
        "shape": _shape(recordings),
        "bare_encoding_ms": bare_encoding(targets, recordings),
        "floor": floor(targets, recordings, FLOOR_THREADS),
        "one_thread": floor(targets, recordings[: max(len(recordings) // 4, 1)], 1),
    }


def _models(service: Any) -> dict[str, str]:
    question = service.question_embedder
    return {
        PASSAGE_MODEL: f"{service.embedder.name} ({encoder_label(service.embedder)})",
        QUESTION_MODEL: question.name if question is not None else "none",
    }


def measure(
    config: Config,
    index: Path,
    pool: QueryPool,
    qdrant_url: str | None = None,
    say_: Callable[[str], None] = say,
) -> dict[str, Any]:
    """Per query language: the request's shape, the bare encodings and the floor (8 threads, and
    1 thread on a quarter of the requests)."""
    started = time.perf_counter()
    service = open_service(config, index, qdrant_url)
    try:
        opened = time.perf_counter() - started
        results: dict[str, Any] = {"open_and_load_seconds": round(opened, 2), "models": _models(service)}
        for language in LANGUAGES:
            say_(f"floor: {config.floor_requests} {language} requests, recorded then replayed")
            texts = pool.take(WARM_UP + config.floor_requests, language)
            results[language] = measure_language(service, texts)
        return results
    finally:
        service.close()
