"""Indexing throughput: ``semsearch index`` against the bare encoder on the same passages.

The bare figure is the encoder alone, in this process, on exactly the passages the pipeline
embeds (the same readers and passage splitter), in one call; the ratio of the two is what the
pipeline costs on top of the model (reading, BM25, payloads, writes, the final optimisation).
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path
from typing import Any

from bench.common import (
    BenchError,
    Config,
    corpus_slice,
    encoder_label,
    load_encoder,
    machine_load,
    run_child,
)
from bench.common import semsearch_command as command


def passages_of(path: Path, embedder: Any) -> list[str]:
    from indexer.readers import read_file
    from semsearch.models import Question
    from semsearch.passages import build_passages

    texts: list[str] = []
    for item in read_file(path):
        if isinstance(item, Question):
            texts += [p.text for p in build_passages(item, embedder.count_tokens, embedder.max_tokens)]
    return texts


def bare_encoding(path: Path, config: Config) -> dict[str, Any]:
    embedder = load_encoder(config)
    texts = passages_of(path, embedder)
    if not texts:
        raise BenchError(f"{path} holds no question the readers accept")
    embedder.embed_documents(texts[:64])  # first-call costs (allocations, thread pools) apart
    load_before = machine_load()
    started = time.perf_counter()
    embedder.embed_documents(texts)
    seconds = time.perf_counter() - started
    return {
        "encoder": encoder_label(embedder),
        "passages": len(texts),
        "seconds": round(seconds, 2),
        "passages_per_second": round(len(texts) / seconds, 1),
        "load_before": load_before,
    }


def index_command(path: Path, index: Path, config: Config) -> dict[str, Any]:
    """``semsearch index`` into a fresh folder; its own summary, wall time and peak memory."""
    shutil.rmtree(index, ignore_errors=True)
    load_before = machine_load()
    run = run_child([*command(), "index", "--index", str(index), "--json", str(path)], config)
    if run.returncode != 0:
        raise BenchError(f"semsearch index failed ({run.returncode}): {run.stderr.strip()[-500:]}")
    summary = json.loads(run.stdout.strip().splitlines()[-1])
    return {
        "questions": summary["questions"],
        "passages": summary["passages"],
        "seconds": round(summary["seconds"], 2),
        "passages_per_second": round(summary["passages_per_second"], 1),
        "wall_seconds": round(run.seconds, 2),
        "wall_passages_per_second": round(summary["passages"] / run.seconds, 1),
        "peak_rss_mib": round(run.peak_rss_mib),
        "load_before": load_before,
    }


def measure(config: Config) -> dict[str, Any]:
    """Bare encoder and ``semsearch index`` in turn, ``config.repeats`` times each: the machine is
    shared and noisy, so the best run of each is compared (all runs are kept in the results)."""
    path = corpus_slice(config, config.index_questions)
    bares, indexes = [], []
    for _ in range(config.repeats):
        bares.append(bare_encoding(path, config))
        indexes.append(index_command(path, config.workdir / "throughput-index", config))
        if indexes[-1]["passages"] != bares[-1]["passages"]:
            raise BenchError(
                f"the index embedded {indexes[-1]['passages']} passages, the bare run "
                f"{bares[-1]['passages']}: not comparable"
            )
    bare = max(bares, key=lambda r: float(r["passages_per_second"]))
    index = max(indexes, key=lambda r: float(r["passages_per_second"]))
    return {
        "corpus": f"{config.corpus.name}, first {config.index_questions} questions",
        "bare": bare,
        "index": index,
        "ratio": round(index["passages_per_second"] / bare["passages_per_second"], 3),
        "runs": {
            "bare_passages_per_second": [r["passages_per_second"] for r in bares],
            "index_passages_per_second": [r["passages_per_second"] for r in indexes],
        },
        "load_after": machine_load(),
    }
