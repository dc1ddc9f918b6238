"""Choose the fusion weights by k-fold cross-validation on a label file, through the product.

Usage: .venv/bin/python eval/tune_fusion.py --index INDEX LABELS [--folds 5] [--seeds 3]
           [--grid default|small] [--json OUT]

Each query's signals are gathered once by the product's own ranking (``semsearch.ranking.gather``,
every signal asked for), then every setting of the grid is fused in Python exactly as a search
fuses them. For each fold, the setting with the best mean nDCG@10 on the other folds is chosen and
scored on the held-out fold; the held-out scores, over all folds, are what the table reports (with
the queries' kinds apart), next to the best setting's in-sample score, which is optimistic.
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from semsearch.evaluation import K, Label, load_labels, score
from semsearch.filters import SearchFilter
from semsearch.fusion import Signal, fuse, ordered
from semsearch.ranking import Gathered, gather, passage_score
from semsearch.service import SearchService
from semsearch.settings import Settings

GRIDS: dict[str, dict[str, list[Any]]] = {
    "default": {
        "bm25": [1.0],
        "passages": [0.0, 0.25, 0.5, 0.75, 1.0],
        "question": [0.0, 0.25, 0.5],
        "question_model": [0.0, 0.25, 0.5, 0.75, 1.0],
        "share": [0.2, 0.5],
        "fusion": ["z", "minmax"],
    },
    # Where BM25 may be useless (a query in another language than the index)
    "lexical": {
        "bm25": [0.0, 0.1, 0.25, 0.5, 1.0],
        "passages": [0.25, 0.5, 1.0],
        "question": [0.0, 0.5],
        "question_model": [0.0, 0.75, 1.5],
        "share": [0.5],
        "fusion": ["z"],
    },
    "small": {
        "bm25": [1.0],
        "passages": [0.0, 0.5],
        "question": [0.0, 0.25],
        "question_model": [0.0, 0.75],
        "share": [0.2],
        "fusion": ["z"],
    },
}


@dataclass
class Query:
    label: Label
    found: Gathered


def gathered(service: SearchService, label: Label) -> Gathered:
    """Every signal of a label's query, as a search (or a related lookup) gathers them."""
    everything = {"bm25": 1.0, "passages": 1.0, "question": 1.0, "question_model": 1.0}
    settings = service.settings.model_copy(update={"fusion_weights": {"default": everything}})
    if label.question_id is None:
        query = service.text_query(label.query or "", "hybrid", whole=True)
        flt = SearchFilter(before=label.before)
    else:
        query = service.question_query(label.question_id, "hybrid", whole=True)
        flt = SearchFilter(before=label.before, exclude_question=label.question_id)
    return gather(service.store, service.sparse, settings, query, flt)


def settings_grid(grid: dict[str, list[Any]]) -> Iterator[dict[str, Any]]:
    keys = list(grid)
    for values in itertools.product(*(grid[k] for k in keys)):
        yield dict(zip(keys, values, strict=True))


def fused_ids(found: Gathered, setting: dict[str, Any]) -> list[str]:
    signals = []
    for s in found.signals:
        scores = s.scores
        if s.name == "passages":
            scores = {qid: passage_score(m, setting["share"]) for qid, m in found.passages.items()}
        signals.append(Signal(s.name, scores, setting[s.name]))
    return ordered(fuse(signals, setting["fusion"]))[:K]


def folds(n: int, k: int, seed: int) -> list[list[int]]:
    order = list(range(n))
    random.Random(seed).shuffle(order)
    return [sorted(order[i::k]) for i in range(k)]


def report(
    args: argparse.Namespace,
    queries: list[Query],
    grid: list[dict[str, Any]],
    ndcg: list[list[float]],
    hit1: list[list[float]],
    held_ndcg: list[float],
    held_hit1: list[float],
    chosen: list[dict[str, Any]],
) -> int:
    """Print the held-out and in-sample table and the settings chosen; the best setting's index."""
    n = len(queries)
    best_all = max(range(len(grid)), key=lambda s: sum(ndcg[s]))
    kinds = sorted({q.label.kind or "-" for q in queries})

    def mean(values: list[float], kind: str | None = None) -> float:
        picked = [v for v, q in zip(values, queries, strict=True) if kind is None or q.label.kind == kind]
        return sum(picked) / len(picked) if picked else 0.0

    print(f"{args.labels.name}: {n} queries, {len(grid)} settings, {args.folds}-fold x {args.seeds}")
    print("| | nDCG@10 | hit@1 | " + " | ".join(f"nDCG@10 {k}" for k in kinds) + " |")
    print("|---|---|---|" + "---|" * len(kinds))
    print(
        f"| held-out folds | {mean(held_ndcg):.3f} | {mean(held_hit1):.3f} | "
        + " | ".join(f"{mean(held_ndcg, k):.3f}" for k in kinds)
        + " |"
    )
    print(
        f"| best setting, in-sample | {mean(ndcg[best_all]):.3f} | {mean(hit1[best_all]):.3f} | "
        + " | ".join(f"{mean(ndcg[best_all], k):.3f}" for k in kinds)
        + " |"
    )
    print(f"best setting on all queries: {grid[best_all]}")
    counts: dict[str, int] = {}
    for c in chosen:
        key = json.dumps(c, sort_keys=True)
        counts[key] = counts.get(key, 0) + 1
    for key, count in sorted(counts.items(), key=lambda kv: -kv[1])[:5]:
        print(f"chosen in {count} of {len(chosen)} folds: {key}")
    return best_all


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("labels", type=Path)
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seeds", type=int, default=3, help="fold draws, averaged")
    parser.add_argument("--grid", choices=sorted(GRIDS), default="default")
    parser.add_argument("--json", type=Path, help="write the per-query scores here")
    args = parser.parse_args()
    labels = load_labels(args.labels)
    with SearchService.open(Settings(index_path=args.index)) as service:
        queries = [Query(label, gathered(service, label)) for label in labels]
    grid = list(settings_grid(GRIDS[args.grid]))
    # ndcg[s][q]: setting s, query q
    ndcg = [[score(fused_ids(q.found, s), q.label)["ndcg@10"] for q in queries] for s in grid]
    hit1 = [[score(fused_ids(q.found, s), q.label)["hit@1"] for q in queries] for s in grid]
    n = len(queries)
    held_ndcg = [0.0] * n
    held_hit1 = [0.0] * n
    chosen: list[dict[str, Any]] = []
    for seed in range(args.seeds):
        for fold in folds(n, args.folds, seed):
            train = [i for i in range(n) if i not in set(fold)]
            best = max(range(len(grid)), key=lambda s: sum(ndcg[s][i] for i in train))
            chosen.append(grid[best])
            for i in fold:
                held_ndcg[i] += ndcg[best][i] / args.seeds
                held_hit1[i] += hit1[best][i] / args.seeds
    best_all = report(args, queries, grid, ndcg, hit1, held_ndcg, held_hit1, chosen)
    if args.json:
        rows = [
            {
                "query": q.label.query,
                "question_id": q.label.question_id,
                "kind": q.label.kind,
                "subset": q.label.subset,
                "held_out_ndcg": h,
            }
            for q, h in zip(queries, held_ndcg, strict=True)
        ]
        args.json.write_text(json.dumps({"grid_best": grid[best_all], "queries": rows}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
