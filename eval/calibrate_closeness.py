"""Fit the similarity thresholds of the precedent labels on judged data.

Usage: .venv/bin/python eval/calibrate_closeness.py --index INDEX LABELS [--grade 2] [--precision 0.9]

Every query of the label file is run as a user runs it (``related`` for a question id, ``search``
for a text, default ranking); each of the top 10 results is a pair (similarity, grade). The two
similarities differ (a text: the best cosine of the query and a passage; a question: the cosine of
the two questions' title-and-question vectors), so ``--by-id`` / ``--texts`` fit them apart.
The script prints, for thresholds from 0.50 to 0.995, how many results reach
it and which share of them has at least the wanted grade (the label's precision), then the lowest
threshold whose precision reaches the target. Grades: 2 = same issue, 1 = same topic; in the UK
shared-answer set every relevant question is grade 2 (the ministry gave the same answer).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from semsearch.evaluation import load_labels
from semsearch.filters import SearchFilter
from semsearch.service import SearchService
from semsearch.settings import Settings


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("labels", type=Path)
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--grade", type=int, default=2, help="the grade a label must reach")
    parser.add_argument("--precision", type=float, default=0.9, help="the precision wanted")
    parser.add_argument("--subset", default=None, help="only the labels of this subset")
    only = parser.add_mutually_exclusive_group()
    only.add_argument("--by-id", action="store_true", help="only the related lookups (question ids)")
    only.add_argument("--texts", action="store_true", help="only the searches (texts)")
    args = parser.parse_args()
    labels = [
        lb
        for lb in load_labels(args.labels)
        if (args.subset is None or lb.subset == args.subset)
        and not (args.by_id and lb.question_id is None)
        and not (args.texts and lb.question_id is not None)
    ]
    pairs: list[tuple[float, int]] = []
    with SearchService.open(Settings(index_path=args.index)) as service:
        for label in labels:
            flt = SearchFilter(before=label.before)
            if label.question_id is not None:
                hits = service.related(label.question_id, limit=10, flt=flt)
            else:
                hits = service.search(label.query or "", limit=10, flt=flt)
            pairs.extend((h.similarity or 0.0, label.relevant.get(h.id, 0)) for h in hits)
    wanted = sum(1 for _, g in pairs if g >= args.grade)
    print(
        f"{args.labels.name}{f' [{args.subset}]' if args.subset else ''}: {len(labels)} queries, "
        f"{len(pairs)} results, {wanted} of grade >= {args.grade}"
    )
    print("| threshold | results at or above | precision | share of the graded ones found |")
    print("|---|---|---|---|")
    chosen = None
    # e5's cosines crowd between 0.8 and 0.95: steps of 0.005.
    for step in range(100, 200):
        t = step / 200
        above = [g for s, g in pairs if s >= t]
        if not above:
            break
        good = sum(1 for g in above if g >= args.grade)
        precision = good / len(above)
        if step % 10 == 0 or t >= 0.84 or (chosen is None and precision >= args.precision):
            print(f"| {t:.3f} | {len(above)} | {precision:.3f} | {good / wanted if wanted else 0:.3f} |")
        if chosen is None and precision >= args.precision and len(above) >= 10:
            chosen = t
    print(f"lowest threshold with precision >= {args.precision} (>= 10 results): {chosen}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
