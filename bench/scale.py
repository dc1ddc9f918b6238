"""The store-scale index: real passages, then copies of them under new ids up to the target size.

Embedding 400,000 passages takes hours on two cores, so the first ``real_questions`` of the corpus
are indexed for real (``semsearch index``) and the index is then filled with copies of those
points: the same dense and BM25 vectors and payloads, under new question ids (``<id>~<n>``) and
point ids, so grouping by question still works and every copy is a distinct question. The report
says how many passages are real. The index is kept in the work folder and reused when it matches.
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path
from typing import Any

import numpy as np

from bench.common import BenchError, Config, corpus_slice, folder_bytes, run_child
from bench.common import semsearch_command as command

MARKER = "bench.json"
_BATCH = 2000


def _wanted(config: Config) -> dict[str, Any]:
    return {
        "corpus": str(config.corpus),
        "real_questions": config.real_questions,
        "target_passages": config.target_passages,
        "model": config.model,
    }


def build(config: Config) -> dict[str, Any]:
    """The index at ``workdir/scale-index``: reused when built for the same corpus, sizes and model."""
    index = config.workdir / "scale-index"
    marker = index / MARKER
    if marker.is_file():
        built: dict[str, Any] = json.loads(marker.read_text(encoding="utf-8"))
        if built.get("wanted") == _wanted(config):
            return {**built, "reused": True}
    shutil.rmtree(index, ignore_errors=True)
    path = corpus_slice(config, config.real_questions)
    run = run_child([*command(), "index", "--index", str(index), "--json", str(path)], config)
    if run.returncode != 0:
        raise BenchError(f"semsearch index failed ({run.returncode}): {run.stderr.strip()[-500:]}")
    summary = json.loads(run.stdout.strip().splitlines()[-1])
    started = time.perf_counter()
    real, total, copies = _fill(index, config.target_passages)
    built = {
        "wanted": _wanted(config),
        "real_questions": summary["questions"],
        "real_passages": real,
        "real_index_seconds": round(summary["seconds"], 1),
        "real_index_passages_per_second": round(summary["passages_per_second"], 1),
        "real_index_peak_rss_mib": round(run.peak_rss_mib),
        "copies": copies,
        "passages": total,
        "fill_and_optimise_seconds": round(time.perf_counter() - started, 1),
    }
    marker.write_text(json.dumps(built, indent=2), encoding="utf-8")
    return {**built, "reused": False}


def _fill(folder: Path, target: int) -> tuple[int, int, int]:
    """Copy the real points until the index holds ``target`` passages; (real, total, copies)."""
    from semsearch.ids import point_id
    from semsearch.store.base import PointData
    from semsearch.store.edge import EdgeStore

    store = EdgeStore(folder)
    try:
        # Read everything first: scrolling a shard while writing to it would meet the copies.
        real: list[tuple[np.ndarray, dict[str, Any], Any]] = [
            (np.asarray(p.vector, dtype=np.float32), p.payload, p.sparse)
            for page in store.points()
            for p in page
        ]
        if not real:
            raise BenchError(f"the index {folder} is empty after indexing")
        total, copy = len(real), 0
        while total < target:
            copy += 1
            batch: list[PointData] = []
            for vector, payload, sparse in real[: target - total]:
                qid = f"{payload['question_id']}~{copy}"
                data = {**payload, "question_id": qid}
                batch.append(
                    PointData(
                        point_id(qid, int(payload["position"]), int(payload.get("generation") or 0)),
                        vector.tolist(),
                        data,
                        sparse,
                    )
                )
                if len(batch) >= _BATCH:
                    store.upsert(batch)
                    total += len(batch)
                    batch = []
            store.upsert(batch)
            total += len(batch)
        store.optimize()  # what `semsearch index` does after a bulk load: HNSW over everything
        return len(real), store.count(), copy
    finally:
        store.close()


def disk(config: Config) -> dict[str, Any]:
    index = config.workdir / "scale-index"
    size, allocated = folder_bytes(index)
    return {
        "index_bytes": size,
        "index_mib": round(size / 1024**2, 1),
        "index_allocated_mib": round(allocated / 1024**2, 1),
    }
