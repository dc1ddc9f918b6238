"""Write the cross-lingual evaluation of the Belgian Chamber questions: a corpus in one language and
the judged queries in the other.

``../shared/corpus/belgium/chamber_questions_2020_fr_nl.jsonl`` holds each written question of 2020
in French and in Dutch. The corpus gets every question's text in the target language (canonical
JSON Lines); each query is a question's text in the other language, and its relevant questions are
its own version and any question with the same target-language text (texts sent verbatim to several
ministers). The export dropped the space after a full stop ("organisé.Cette"); it is put back.

The output is the shared data itself: write it outside the repository (e.g. /tmp).

    python eval/belgian_pairs.py OUT_DIR [--corpus-language fr] [--queries N] [--seed 0]
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
DATA = "corpus/belgium/chamber_questions_2020_fr_nl.jsonl"
_GLUED = re.compile(r"(?<=[a-zà-ÿ0-9)][.?!])(?=[A-ZÀ-Ý])")
_SENTENCE = re.compile(r"(?<=[.?!])\s")


class PairsError(Exception):
    """Missing data or a refused output path."""


def clean(text: str) -> str:
    return _GLUED.sub(" ", text).strip()


def title_of(text: str, limit: int = 120) -> str:
    """The first sentence, cut at a word before ``limit`` characters: the export has no titles."""
    first = _SENTENCE.split(text, maxsplit=1)[0]
    return first if len(first) <= limit else first[:limit].rsplit(" ", 1)[0] + " …"


def write(shared: Path, out: Path, language: str, queries: int, seed: int) -> tuple[int, int]:
    source = shared / DATA
    if not source.is_file():
        raise PairsError(f"Belgian data not found: {source} (give the shared folder with --shared PATH)")
    if out.resolve().is_relative_to(REPO):
        raise PairsError(f"refusing to write shared data inside the repository: {out} (use e.g. /tmp)")
    other = "nl" if language == "fr" else "fr"
    records = [json.loads(line) for line in source.read_text(encoding="utf-8").splitlines() if line.strip()]
    same_text: dict[str, list[str]] = defaultdict(list)
    for r in records:
        same_text[clean(r[f"text_{language}"])].append(r["id"])
    out.mkdir(parents=True, exist_ok=True)
    with (out / f"chamber_{language}.jsonl").open("w", encoding="utf-8") as corpus:
        for r in records:
            text = clean(r[f"text_{language}"])
            record: dict[str, Any] = {
                "id": r["id"],
                "assembly": "Chambre des représentants",
                "title": title_of(text),
                "question": [text],
                "language": language,
                "url": r["source"],
            }
            corpus.write(json.dumps(record, ensure_ascii=False) + "\n")
    chosen = sorted(random.Random(seed).sample(range(len(records)), min(queries, len(records))))
    with (out / f"queries_{other}_to_{language}.jsonl").open("w", encoding="utf-8") as labels:
        for i in chosen:
            r = records[i]
            relevant = dict.fromkeys(same_text[clean(r[f"text_{language}"])], 2)
            label = {"query": clean(r[f"text_{other}"]), "question_id": None, "relevant": relevant}
            label |= {"kind": "cross-lingual", "subset": f"{other}->{language}"}
            labels.write(json.dumps(label, ensure_ascii=False) + "\n")
    return len(records), len(chosen)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--corpus-language", choices=("fr", "nl"), default="fr")
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--shared", type=Path, default=REPO.parent / "shared")
    args = parser.parse_args()
    try:
        corpus, queries = write(args.shared, args.out, args.corpus_language, args.queries, args.seed)
    except PairsError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 1
    print(f"{corpus} questions in {args.out}/chamber_{args.corpus_language}.jsonl, {queries} queries")
    return 0


if __name__ == "__main__":
    sys.exit(main())
