"""Fit the 'same question' threshold on texts sent verbatim to several ministers.

Usage: .venv/bin/python eval/calibrate_same_question.py --index INDEX CORPUS.jsonl [--neighbours 5]

CORPUS is the canonical JSON Lines that was indexed (e.g. the Belgian Chamber's French questions
written by ``eval/belgian_pairs.py``). Every question's closest ones by their title-and-question
vectors (what ``semsearch duplicates`` and a related lookup's similarity use) make pairs; a pair
is right when the two texts are the same. The script prints, per threshold, the pairs at or above
it, the share that are the same text (the label's precision: a lower bound, since two texts that
differ by a minister's name are counted wrong) and the share of the same-text pairs found.
"""

from __future__ import annotations

import argparse
import json
import sys
from difflib import SequenceMatcher
from pathlib import Path

from semsearch.duplicates import closest_questions
from semsearch.service import SearchService
from semsearch.settings import Settings
from semsearch.store.base import QUESTION


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--neighbours", type=int, default=5)
    args = parser.parse_args()
    texts = {}
    for line in args.corpus.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        texts[record["id"]] = " ".join(record["question"])
    pairs: dict[tuple[str, str], float] = {}
    with SearchService.open(Settings(index_path=args.index)) as service:
        heads = service.store.heads(None)
        vectors = service.store.head_vectors(QUESTION)
        for qid in heads:
            for hit in closest_questions(service.store, qid, vectors.get(qid), heads, args.neighbours):
                key = (min(qid, hit.id), max(qid, hit.id))
                pairs[key] = max(pairs.get(key, 0.0), hit.similarity or 0.0)
    same = {key for key in pairs if texts.get(key[0]) == texts.get(key[1])}
    # Texts sent to several ministers are sometimes adapted (the minister's portfolio named):
    # count apart the pairs whose texts are at least 90 % the same characters.
    near = {
        key
        for key, s in pairs.items()
        if key not in same
        and s >= 0.97
        and SequenceMatcher(None, texts[key[0]], texts[key[1]]).ratio() >= 0.9
    }
    print(f"{len(heads)} questions, {len(pairs)} neighbour pairs, {len(same)} of them the same text")
    print("| similarity ≥ | pairs | precision: same text | same or ≥ 90 % same | same-text pairs found |")
    print("|---|---|---|---|---|")
    for t in [step / 200 for step in range(180, 199)] + [0.995, 0.996, 0.997, 0.998, 0.999, 0.9995]:
        above = [k for k, s in pairs.items() if s >= t]
        right = sum(1 for k in above if k in same)
        close = sum(1 for k in above if k in same or k in near)
        if above:
            found = right / len(same) if same else 0
            shares = f"{right / len(above):.3f} | {close / len(above):.3f} | {found:.3f}"
            print(f"| {t:.3f} | {len(above)} | {shares} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
