"""Indexing throughput: ``semsearch index`` against the bare encoders on the same texts.

What the bare encoders encode is taken from the pipeline itself: the slice is indexed once
in-process with the encoders recorded (``bench.recording``, stand-ins answering with random
vectors, so this costs no model time): every ``embed_*`` call of the passage model (e5, the
passages) and of the question model (USE, each question whole), with its texts. A bare run replays
exactly those calls on the loaded models, in the same batches, in this process, and nothing else;
its passages/s is the passages embedded / the seconds of both models together. The ratio of the
two is what the pipeline costs on top of the models (reading, passages, BM25, payloads, writes).

Bare and index runs alternate, ``repeats`` times each; the best of each is compared (the machine is
shared), and the spread of each kind is reported: (best - worst) / best.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from bench.common import BenchError, Config, corpus_slice, fail_line, machine_load, run_child, settings_for
from bench.common import semsearch_command as command
from bench.recording import PASSAGE_MODEL, QUESTION_MODEL, Call, Recorder, timed_replay


def record(path: Path, config: Config) -> tuple[dict[str, Any], list[Call]]:
    """The loaded encoders, and the encoding calls the pipeline makes to index ``path``."""
    from indexer.pipeline import run_index
    from semsearch.service import SearchService

    folder = config.workdir / "record-index"
    shutil.rmtree(folder, ignore_errors=True)
    with SearchService.open(settings_for(config, folder)) as service:
        models = {PASSAGE_MODEL: service.embedder, QUESTION_MODEL: service.question_embedder}
        with Recorder(models, stand_in=True) as recorder:
            run_index(service, [path])
    shutil.rmtree(folder, ignore_errors=True)
    calls = [c for c in recorder.recording.calls if c.encoding]
    if not calls:
        raise BenchError(f"indexing {path} encoded nothing: no question the readers accept")
    return {k: v for k, v in models.items() if v is not None}, calls


def passages_in(calls: list[Call]) -> int:
    return sum(c.texts for c in calls if c.target == PASSAGE_MODEL)


def bare_encoding(models: dict[str, Any], calls: list[Call]) -> dict[str, Any]:
    first = next(c for c in calls if c.target == PASSAGE_MODEL)
    models[PASSAGE_MODEL].embed_documents(list(first.args[0])[:64])  # first-call costs apart
    load_before = machine_load()
    spent = timed_replay(models, calls)
    seconds = sum(spent.values())
    passages = passages_in(calls)
    return {
        "passages": passages,
        "seconds": round(seconds, 2),
        "seconds_per_model": {k: round(v, 2) for k, v in spent.items()},
        "passages_per_second": round(passages / seconds, 1),
        "load_before": load_before,
    }


def index_command(path: Path, index: Path, config: Config) -> dict[str, Any]:
    """``semsearch index`` into a fresh folder; its own summary, wall time and peak memory."""
    shutil.rmtree(index, ignore_errors=True)
    load_before = machine_load()
    run = run_child([*command(), "index", "--index", str(index), "--json", str(path)], config)
    if run.returncode != 0:
        raise BenchError(f"semsearch index failed ({run.returncode}): {fail_line(run)}")
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


def _spread(rates: list[float]) -> float:
    return round((max(rates) - min(rates)) / max(rates), 3) if rates else 0.0


def measure(config: Config) -> dict[str, Any]:
    path = corpus_slice(config, config.index_questions)
    models, calls = record(path, config)
    bares, indexes = [], []
    for _ in range(config.repeats):
        bares.append(bare_encoding(models, calls))
        indexes.append(index_command(path, config.workdir / "throughput-index", config))
        if indexes[-1]["passages"] != bares[-1]["passages"]:
            raise BenchError(
                f"the index embedded {indexes[-1]['passages']} passages, the bare run "
                f"{bares[-1]['passages']}: not comparable"
            )
    bare = max(bares, key=lambda r: float(r["passages_per_second"]))
    index = max(indexes, key=lambda r: float(r["passages_per_second"]))
    bare_rates = [r["passages_per_second"] for r in bares]
    index_rates = [r["passages_per_second"] for r in indexes]
    return {
        "corpus": f"{config.corpus.name}, first {config.index_questions} questions",
        "encoders": sorted(models),
        "encoding_calls": {m: sum(c.target == m for c in calls) for m in sorted(models)},
        "bare": bare,
        "index": index,
        "ratio": round(index["passages_per_second"] / bare["passages_per_second"], 3),
        "runs": {
            "bare_passages_per_second": bare_rates,
            "index_passages_per_second": index_rates,
            "pair_ratios": [round(i / b, 3) for i, b in zip(index_rates, bare_rates, strict=True)],
            "bare_spread": _spread(bare_rates),
            "index_spread": _spread(index_rates),
        },
        "load_after": machine_load(),
    }
