"""The baseline every quality table carries: BM25 with stemming, one document per question.

What a user could build in ten lines with bm25s and PyStemmer: a question's title, paragraphs and
answer as one document; the query (or, for a by-id label, the question's title and paragraphs)
stemmed the same way. Not part of the product: ``pip install bm25s PyStemmer`` to run it.

Usage: .venv/bin/python eval/baseline.py LABELS CORPUS... [--language fr|en] [--json OUT]
(CORPUS: the same files or folders that were indexed, read by the product's readers.)
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from indexer.pipeline import collect_files
from indexer.readers import read_file
from semsearch.evaluation import METRICS, K, Label, load_labels, score
from semsearch.models import Question

_STEMMERS = {"fr": "french", "en": "english", "nl": "dutch"}


def questions(paths: list[Path]) -> dict[str, Question]:
    found: dict[str, Question] = {}
    files, _ = collect_files(paths)
    for path in files:
        for item in read_file(path):
            if isinstance(item, Question):
                found.setdefault(item.qid, item)
    return found


class Baseline:
    def __init__(self, corpus: dict[str, Question], language: str) -> None:
        import bm25s
        import Stemmer

        self.ids = list(corpus)
        self.corpus = corpus
        self.language = language
        self.bm25s = bm25s
        self.stemmer = Stemmer.Stemmer(_STEMMERS[language])
        docs = [" ".join([q.title, *q.question, *q.answer]) for q in corpus.values()]
        self.retriever = bm25s.BM25()
        self.retriever.index(self._tokens(docs), show_progress=False)

    def _tokens(self, texts: list[str]) -> object:
        return self.bm25s.tokenize(texts, stopwords=self.language, stemmer=self.stemmer, show_progress=False)

    def ranked(self, label: Label) -> list[str]:
        if label.question_id is not None:
            q = self.corpus[label.question_id]
            text = " ".join([q.title, *q.question])
        else:
            text = label.query or ""
        query = self.bm25s.tokenize(
            [text], stopwords=self.language, stemmer=self.stemmer, return_ids=False, show_progress=False
        )[0]
        scores = self.retriever.get_scores(query)
        order = sorted(range(len(self.ids)), key=lambda i: (-scores[i], self.ids[i]))
        allowed = (
            i
            for i in order
            if self.ids[i] != label.question_id
            and (label.before is None or (self.corpus[self.ids[i]].date_asked or label.before) < label.before)
        )
        return [self.ids[i] for _, i in zip(range(K), allowed, strict=False)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("labels", type=Path)
    parser.add_argument("corpus", type=Path, nargs="+")
    parser.add_argument("--language", default="fr", choices=sorted(_STEMMERS))
    parser.add_argument("--json", type=Path, help="write each query's metrics here")
    args = parser.parse_args()
    labels = load_labels(args.labels)
    baseline = Baseline(questions(args.corpus), args.language)
    rows = [score(baseline.ranked(label), label) for label in labels]
    groups = sorted({label.kind or "-" for label in labels}) + sorted(
        {f"/{label.subset}" for label in labels if label.subset}
    )
    means = {m: sum(r[m] for r in rows) / len(rows) for m in METRICS}
    print(f"bm25s + PyStemmer ({args.language}), one document per question: {len(labels)} queries")
    print(" | ".join(f"{m} {means[m]:.3f}" for m in METRICS))
    for group in groups:
        picked = [
            r
            for r, label in zip(rows, labels, strict=True)
            if group in (label.kind or "-", f"/{label.subset}")
        ]
        ndcg, hit1 = (sum(r[m] for r in picked) / len(picked) for m in ("ndcg@10", "hit@1"))
        print(f"  {group}: nDCG@10 {ndcg:.3f}, hit@1 {hit1:.3f} ({len(picked)})")
    if args.json:
        args.json.write_text(json.dumps(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
