"""Write a slice of the UK Commons corpus for evaluation: every grouped question plus N others.

The UK precedent labels (eval/labels/uk_precedents.jsonl) only need the grouped questions to be
indexed, plus enough other questions to make the search realistic. Indexing ~10k questions
instead of 24k keeps an evaluation run short. The others are drawn at random with a fixed seed,
so the slice is the same on every machine. Lines are copied unchanged, in the corpus's order.

The slice is the shared data itself: write it outside the repository (e.g. /tmp).

    python eval/uk_corpus_slice.py OUT.jsonl [--others 6000] [--seed 0] [--shared PATH]
    python eval/uk_corpus_slice.py OUT.jsonl --sample 3000     # N questions at random, for routing

``--sample N`` draws N questions from the whole corpus instead, grouped or not: the routing
evaluation (eval/route_eval.py) wants questions as they come, not the shared-answer groups.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CORPUS = "corpus/uk/commons_written_questions_2023-09_2025-06.jsonl"
GROUPS = "corpus/uk/shared_answer_groups_2023-09_2025-06.json"


class SliceError(Exception):
    """Missing data or a refused output path."""


def inside_repo(path: Path) -> bool:
    return path.resolve().is_relative_to(REPO)


def write_slice(
    shared: Path, out: Path, others: int, seed: int, sample: int | None = None
) -> tuple[int, int, int]:
    """(grouped questions, other questions, corpus size) written to ``out``; with ``sample``,
    that many questions drawn from all (counted as others)."""
    corpus, groups_path = shared / CORPUS, shared / GROUPS
    for path in (corpus, groups_path):
        if not path.is_file():
            raise SliceError(f"UK data not found: {path} (give the shared folder with --shared PATH)")
    if inside_repo(out):
        raise SliceError(f"refusing to write shared data inside the repository: {out} (use e.g. /tmp)")
    grouped = {str(i) for group in json.loads(groups_path.read_text(encoding="utf-8")) for i in group}
    with corpus.open(encoding="utf-8") as lines:
        ids = [str(json.loads(line)["id"]) for line in lines]
    if sample is not None:
        grouped, others = set(), sample
    rest = sorted(set(ids) - grouped)
    chosen = set(random.Random(seed).sample(rest, min(others, len(rest))))
    keep = grouped | chosen
    written = 0
    out.parent.mkdir(parents=True, exist_ok=True)
    with corpus.open(encoding="utf-8") as lines, out.open("w", encoding="utf-8") as sink:
        for qid, line in zip(ids, lines, strict=True):
            if qid in keep:
                sink.write(line if line.endswith("\n") else line + "\n")
                written += 1
    missing = len(keep) - written
    if missing:
        raise SliceError(f"{missing} grouped ids are not in {corpus.name}")
    return len(grouped), len(chosen), len(ids)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Write the UK evaluation slice: grouped + N other questions."
    )
    parser.add_argument("out", type=Path, help="the JSON Lines file to write (outside the repository)")
    parser.add_argument("--others", type=int, default=6000, help="questions outside groups (default 6000)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the draw (default 0)")
    parser.add_argument("--sample", type=int, help="N questions at random from all, instead of the groups")
    parser.add_argument("--shared", type=Path, default=REPO.parent / "shared", help="the shared data folder")
    args = parser.parse_args(argv)
    if args.others < 0 or (args.sample is not None and args.sample < 1):
        parser.error("--others must be 0 or more, --sample 1 or more")
    try:
        grouped, chosen, total = write_slice(args.shared, args.out, args.others, args.seed, args.sample)
    except (SliceError, OSError, ValueError, KeyError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    kept = grouped + chosen
    print(
        f"{kept} of {total} questions ({grouped} grouped + {chosen} others, seed {args.seed}) -> {args.out}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
