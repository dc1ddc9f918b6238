"""Indexes made of a real index's points and copies of them under new ids.

Embedding 400,000 passages with e5 takes hours on two cores, so the bench embeds a few thousand
questions for real (``semsearch index``) and makes the large indexes from their points: first the
real points as they are, then rounds of copies, each copy a whole question under a new id
(``<id>~<round>``, new point ids) with its payload, its head's BM25 vector and every dense vector
(the passage's, and the head's question-level ones: ``PointData.extra``).

A copy's dense vectors are the real ones plus a random vector of norm ``noise`` (0.25: a cosine of
about 0.97 with the original), normalised again. Exact copies would put 20 to 50 identical vectors
at each point of the space, which an HNSW graph handles badly (a point's neighbour slots fill with
its own duplicates) and which `semsearch duplicates` would rightly report as one huge group per
question; with the noise each copy is a close paraphrase, below the 'same question' similarity.
``noise=0`` gives exact copies.
"""

from __future__ import annotations

import json
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bench.common import BenchError

MARKER = "bench.json"
_BATCH = 2000


@dataclass
class RealPoints:
    """The real index's points, question by question, vectors as arrays."""

    meta: dict[str, Any]
    questions: list[list[Any]]  # each question's PointData, in order (the head first)

    @property
    def passages(self) -> int:
        return sum(len(q) for q in self.questions)


def read_marker(folder: Path, wanted: dict[str, Any]) -> dict[str, Any] | None:
    """The marker of an index built for ``wanted``, if that index is there."""
    marker = folder / MARKER
    if not marker.is_file():
        return None
    built: dict[str, Any] = json.loads(marker.read_text(encoding="utf-8"))
    return built if built.get("wanted") == wanted else None


def write_marker(folder: Path, built: dict[str, Any]) -> None:
    (folder / MARKER).write_text(json.dumps(built, indent=2), encoding="utf-8")


def read_real(folder: Path) -> RealPoints:
    """Every point of the real index, grouped by question (read once, before any write)."""
    from semsearch.payload import position_of, question_id_of
    from semsearch.store.edge import EdgeStore

    store = EdgeStore(folder, create=False)
    try:
        meta = store.read_meta()
        by_question: dict[str, list[Any]] = {}
        for page in store.points():
            for p in page:
                by_question.setdefault(question_id_of(p.payload), []).append(p)
    finally:
        store.close()
    if meta is None or not by_question:
        raise BenchError(f"the index {folder} is empty after indexing")
    questions = [
        sorted(points, key=lambda p: position_of(p.payload)) for _, points in sorted(by_question.items())
    ]
    return RealPoints(meta, questions)


def noisy(vectors: np.ndarray, noise: float, rng: np.random.Generator) -> np.ndarray:
    """Each unit vector plus a random one of norm ``noise``, normalised (cosine ~ 1 / sqrt(1 + noise²))."""
    if noise <= 0:
        return vectors
    step = rng.standard_normal(vectors.shape).astype(np.float32)
    step *= noise / np.linalg.norm(step, axis=1, keepdims=True)
    moved = vectors + step
    return moved / np.linalg.norm(moved, axis=1, keepdims=True)


def _copy(points: list[Any], qid: str, noise: float, rng: np.random.Generator) -> list[Any]:
    """A question's points under the id ``qid``, their dense vectors moved by ``noise``."""
    from semsearch.ids import point_id
    from semsearch.payload import generation_of, position_of
    from semsearch.store.base import PointData

    dense = noisy(np.asarray([p.vector for p in points], dtype=np.float32), noise, rng)
    copied = []
    for p, vector in zip(points, dense, strict=True):
        extra = {
            name: noisy(np.asarray([v], dtype=np.float32), noise, rng)[0].tolist()
            for name, v in p.extra.items()
        }
        payload = {**p.payload, "question_id": qid}
        copied.append(
            PointData(
                point_id(qid, position_of(p.payload), generation_of(p.payload)),
                vector.tolist(),
                payload,
                p.sparse,
                extra,
            )
        )
    return copied


def build_copies(
    folder: Path, real: RealPoints, passages: int | None, questions: int | None, noise: float
) -> dict[str, Any]:
    """A fresh index at ``folder``: the real points, then whole questions copied until it holds
    ``passages`` passages or ``questions`` questions (the first reached), optimised."""
    from semsearch.index_meta import dimension_of, question_dimension_of
    from semsearch.store.base import Layout
    from semsearch.store.edge import EdgeStore

    shutil.rmtree(folder, ignore_errors=True)
    started = time.perf_counter()
    rng = np.random.default_rng(12)
    store = EdgeStore(folder)
    try:
        store.write_meta(real.meta)
        store.ensure_collection(Layout(int(dimension_of(real.meta) or 0), question_dimension_of(real.meta)))
        batch: list[Any] = []
        written = asked = rounds = 0
        while (passages is None or written < passages) and (questions is None or asked < questions):
            for points in real.questions:
                if (passages is not None and written >= passages) or (
                    questions is not None and asked >= questions
                ):
                    break
                qid = str(points[0].payload["question_id"])
                batch += points if rounds == 0 else _copy(points, f"{qid}~{rounds}", noise, rng)
                written, asked = written + len(points), asked + 1
                if len(batch) >= _BATCH:
                    store.upsert(batch)
                    batch = []
            rounds += 1
        store.upsert(batch)
        filled = time.perf_counter() - started
        store.optimize()  # what `semsearch index` does after a bulk load: HNSW over everything
        return {
            "passages": store.count(),
            "questions": store.count(heads_only=True),
            "real_passages": real.passages,
            "real_questions": len(real.questions),
            "copy_rounds": rounds - 1,
            "copy_noise": noise,
            "fill_seconds": round(filled, 1),
            "optimise_seconds": round(time.perf_counter() - started - filled, 1),
        }
    finally:
        store.close()
