"""The bench's indexes, in the work folder, each reused by later runs built for the same sizes:

- ``real-index``: the corpus's first ``real_questions`` questions, indexed by ``semsearch index``
  (every vector computed by the models: e5 for the passages, USE for the questions);
- ``scale-index``: ``target_passages`` (400,000) passages, the real ones and copies (``bench.copies``);
- ``million-index``: ``million_passages`` (1,000,000), the same way;
- ``duplicates-index``: ``duplicate_questions`` (50,000) questions, the same way.

The report says how many passages of each are real.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from bench.common import BenchError, Config, corpus_slice, fail_line, folder_bytes, run_child
from bench.common import semsearch_command as command
from bench.copies import build_copies, read_marker, read_real, write_marker
from semsearch.store.edge_folder import SHARDS

RELATED_IDS = 1000  # real questions' ids kept for the related lookups


def real_index(config: Config) -> dict[str, Any]:
    """``workdir/real-index``: the real questions, embedded by ``semsearch index``."""
    index = config.workdir / "real-index"
    wanted = {
        "corpus": str(config.corpus),
        "real_questions": config.real_questions,
        "model": config.model,
        "encoder": config.encoder,
    }
    built = read_marker(index, wanted)
    if built is not None:
        return {**built, "reused": True}
    shutil.rmtree(index, ignore_errors=True)
    path = corpus_slice(config, config.real_questions)
    run = run_child([*command(), "index", "--index", str(index), "--json", str(path)], config)
    if run.returncode != 0:
        raise BenchError(f"semsearch index failed ({run.returncode}): {fail_line(run)}")
    summary = json.loads(run.stdout.strip().splitlines()[-1])
    real = read_real(index)
    step = max(len(real.questions) // RELATED_IDS, 1)
    built = {
        "wanted": wanted,
        "questions": summary["questions"],
        "passages": summary["passages"],
        "index_seconds": round(summary["seconds"], 1),
        "passages_per_second": round(summary["passages_per_second"], 1),
        "peak_rss_mib": round(run.peak_rss_mib),
        "related_ids": [str(q[0].payload["question_id"]) for q in real.questions[::step]][:RELATED_IDS],
    }
    write_marker(index, built)
    return {**built, "reused": False}


def derived_index(
    config: Config, name: str, real: dict[str, Any], passages: int | None = None, questions: int | None = None
) -> dict[str, Any]:
    """``workdir/<name>``: the real index's points and copies, up to ``passages`` or ``questions``."""
    index = config.workdir / name
    wanted = {
        "real": real["wanted"],
        "passages": passages,
        "questions": questions,
        "noise": config.copy_noise,
        "shards": list(SHARDS),  # an index of another layout is built again
    }
    built = read_marker(index, wanted)
    if built is None:
        points = read_real(config.workdir / "real-index")
        built = {"wanted": wanted, **build_copies(index, points, passages, questions, config.copy_noise)}
        write_marker(index, built)
        reused = False
    else:
        reused = True
    size, allocated = folder_bytes(index)
    return {
        **{k: v for k, v in built.items() if k != "wanted"},
        "reused": reused,
        "index_mib": round(size / 1024**2, 1),
        "index_allocated_mib": round(allocated / 1024**2, 1),
    }


def build(config: Config) -> dict[str, Any]:
    """The real index and the store-scale index."""
    real = real_index(config)
    store = derived_index(config, "scale-index", real, passages=config.target_passages)
    return {"real": {k: v for k, v in real.items() if k != "related_ids"}, "store": store}


def related_ids(config: Config) -> list[str]:
    built = json.loads((config.workdir / "real-index" / "bench.json").read_text(encoding="utf-8"))
    return list(built["related_ids"])


def index_path(config: Config, name: str = "scale-index") -> Path:
    return config.workdir / name
