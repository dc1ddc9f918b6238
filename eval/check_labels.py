"""Check label files (JSON Lines) against the format of eval/README.md, and their ids against corpora.

    python eval/check_labels.py eval/labels/*.jsonl [--corpus FILE.jsonl ...] [--known-id ID ...]

Without --corpus only the format is checked. With it, every question id (queried or relevant) must
be the ``id`` of a record of one of the corpora, or be given with --known-id (e.g. the seed page's
derived id). Exits 1 and prints one line per problem when anything is wrong.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

KINDS = {"short", "draft", "by-id"}
KEYS = {"query", "question_id", "relevant", "before", "kind", "subset"}
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def problems(line: Any) -> Iterator[str]:
    """What is wrong with one parsed label line."""
    if not isinstance(line, dict):
        yield "not a JSON object"
        return
    if unknown := sorted(set(line) - KEYS):
        yield f"unknown keys {unknown}"
    query, qid = line.get("query"), line.get("question_id")
    if (query is None) == (qid is None):
        yield "exactly one of 'query' and 'question_id' must be set"
    if query is not None and (not isinstance(query, str) or not query.strip()):
        yield "'query' must be a non-empty string"
    if qid is not None and not isinstance(qid, str):
        yield "'question_id' must be a string"
    relevant = line.get("relevant")
    if not isinstance(relevant, dict) or not relevant:
        yield "'relevant' must be a non-empty object"
    else:
        if any(grade not in (1, 2) for grade in relevant.values()):
            yield "grades must be 1 or 2"
        if 2 not in relevant.values():
            yield "no grade-2 (same issue) id"
        if qid in relevant:
            yield "the queried question is among its own relevant ids"
    before = line.get("before")
    if before is not None and not (isinstance(before, str) and _DATE.match(before)):
        yield "'before' must be a YYYY-MM-DD date"
    if line.get("kind") is not None and line.get("kind") not in KINDS:
        yield f"'kind' must be one of {sorted(KINDS)}"


def corpus_ids(paths: Sequence[Path]) -> set[str]:
    ids: set[str] = set()
    for path in paths:
        with path.open(encoding="utf-8") as lines:
            ids.update(str(json.loads(line)["id"]) for line in lines if line.strip())
    return ids


def check(path: Path, known: set[str] | None) -> tuple[list[str], Counter[str]]:
    errors: list[str] = []
    kinds: Counter[str] = Counter()
    with path.open(encoding="utf-8") as lines:
        for number, text in enumerate(lines, 1):
            try:
                line = json.loads(text)
            except json.JSONDecodeError as exc:
                errors.append(f"{path}:{number}: invalid JSON ({exc.msg})")
                continue
            errors.extend(f"{path}:{number}: {problem}" for problem in problems(line))
            if not isinstance(line, dict):
                continue
            kinds[f"{line.get('kind')}/{line.get('subset')}"] += 1
            if known is not None:
                ids = [line.get("question_id"), *(line.get("relevant") or {})]
                errors.extend(f"{path}:{number}: unknown id {i!r}" for i in ids if i and i not in known)
    return errors, kinds


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Check label files against the format and the corpora.")
    parser.add_argument("labels", type=Path, nargs="+", help="label files (JSON Lines)")
    parser.add_argument("--corpus", type=Path, action="append", default=[], help="a corpus JSONL file")
    parser.add_argument("--known-id", action="append", default=[], help="an id that is not in a corpus file")
    args = parser.parse_args(argv)
    try:
        known = corpus_ids(args.corpus) | set(args.known_id) if args.corpus else None
        failed = False
        for path in args.labels:
            errors, kinds = check(path, known)
            for error in errors:
                print(error)
            failed = failed or bool(errors)
            summary = ", ".join(f"{n} {k}" for k, n in sorted(kinds.items()))
            print(f"{path}: {sum(kinds.values())} queries ({summary}); {len(errors)} problems")
    except (OSError, ValueError, KeyError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
