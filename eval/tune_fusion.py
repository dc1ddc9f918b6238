"""Sweep the fusion weights, the RRF k and the question-scoring share on a label file.

Usage: .venv/bin/python eval/tune_fusion.py --index INDEX LABELS [--language fr]

The model is loaded once and each setting is evaluated in the same process; the table it prints is
what chose the defaults in semsearch/settings.py (see docs/evaluation.md).
"""

from __future__ import annotations

import argparse
import functools
import itertools
import sys
from pathlib import Path

from semsearch.evaluation import Label, evaluate, load_labels, ranked_ids
from semsearch.service import SearchService
from semsearch.settings import Settings


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("labels", type=Path)
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--language", default="fr", help="the language whose weights are swept")
    parser.add_argument("--weights", default="1:1,1:2,1:3,1:5", help="dense:sparse pairs")
    parser.add_argument("--k", default="60", help="RRF k values")
    parser.add_argument("--share", default="0,0.2", help="question score: best + share of next two")
    args = parser.parse_args()
    labels = load_labels(args.labels)
    base = Settings(index_path=args.index)
    # (mode, weights, k, share, metrics); '-' where a setting does not apply to the mode
    rows: list[tuple[str, str, str, float, dict[str, float]]] = []
    with SearchService.open(base) as service:
        # Each setting runs the same queries: embed each once.
        service.embed_query = functools.lru_cache(maxsize=None)(service.embed_query)  # type: ignore[method-assign]

        def run(label: Label, mode: str) -> list[str]:
            return ranked_ids(service, label, mode)

        for share in map(float, args.share.split(",")):
            service.settings = base.model_copy(update={"passage_share": share})
            for report in evaluate(labels, ["dense", "sparse"], run):
                if report.subset == "all":
                    rows.append((report.mode, "-", "-", share, report.means()))
        pairs = [tuple(int(x) for x in p.split(":")) for p in args.weights.split(",")]
        for (wd, ws), k, share in itertools.product(
            pairs, map(int, args.k.split(",")), map(float, args.share.split(","))
        ):
            weights = {**base.hybrid_weights, args.language: (wd, ws)}
            service.settings = base.model_copy(
                update={"hybrid_weights": weights, "rrf_k": k, "passage_share": share}
            )
            for report in evaluate(labels, ["hybrid"], run):
                if report.subset == "all":
                    rows.append(("hybrid", f"{wd}:{ws}", str(k), share, report.means()))
    print(f"{args.labels.name}: {len(labels)} queries")
    print("| mode | weights | k | share | hit@1 | hit@3 | hit@10 | MRR@10 | nDCG@10 | recall@10 |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for mode, w, rrf_k, share, m in rows:
        cells = " | ".join(
            f"{m[name]:.3f}" for name in ("hit@1", "hit@3", "hit@10", "mrr@10", "ndcg@10", "recall@10")
        )
        print(f"| {mode} | {w} | {rrf_k} | {share} | {cells} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
