"""The encoders side by side: torch (sentence-transformers), ONNX fp32, ONNX int8.

    .venv/bin/python -m bench.encoders [--questions 600] [--queries 200]

For each: query-encoding time, document throughput on UK passages, the cosine of its vectors with
torch's, the agreement of its dense top 10 with torch's over those passages, and retrieval quality
on the hand-judged French set (eval/labels/wallonia_fr.jsonl over ../shared/corpus/wallonia and the
seed page, indexed with that encoder). Writes bench/results/encoders.json and encoders.md.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from bench.common import (
    REPO,
    SHARED,
    UK_CORPUS,
    BenchError,
    Config,
    corpus_slice,
    load_encoder,
    machine,
    machine_load,
    percentiles,
)
from bench.queries import distinct_queries
from semsearch.settings import DEFAULT_MODEL

ENCODERS = ("torch", "onnx", "onnx-int8")
LABELS = REPO / "eval" / "labels" / "wallonia_fr.jsonl"


def passages_of(path: Path, embedder: Any) -> list[str]:
    """The passages the pipeline makes of the questions in ``path``."""
    from indexer.readers import read_file
    from semsearch.models import Question
    from semsearch.passages import build_passages

    texts: list[str] = []
    for item in read_file(path):
        if isinstance(item, Question):
            texts += [p.text for p in build_passages(item, embedder.count_tokens, embedder.max_tokens)]
    return texts


def _speed(embedder: Any, passages: list[str], queries: list[str]) -> dict[str, Any]:
    for q in queries[:20]:
        embedder.embed_query(q)
    times = []
    for q in queries:
        started = time.perf_counter()
        embedder.embed_query(q)
        times.append(time.perf_counter() - started)
    embedder.embed_documents(passages[:64])
    load = machine_load()
    started = time.perf_counter()
    docs = embedder.embed_documents(passages)
    seconds = time.perf_counter() - started
    return {
        "query_ms": percentiles(times),
        "passages_per_second": round(len(passages) / seconds, 1),
        "load": load,
        "docs": docs,
        "queries": np.stack([embedder.embed_query(q) for q in queries]),
    }


def _agreement(
    docs: np.ndarray, queries: np.ndarray, ref_docs: np.ndarray, ref_queries: np.ndarray
) -> dict[str, float]:
    cos_docs = np.sum(docs * ref_docs, axis=1)
    cos_queries = np.sum(queries * ref_queries, axis=1)
    top = np.argsort(-(queries @ docs.T), axis=1)[:, :10]
    ref_top = np.argsort(-(ref_queries @ ref_docs.T), axis=1)[:, :10]
    overlap = [len(set(a) & set(b)) / 10 for a, b in zip(top, ref_top, strict=True)]
    return {
        "doc_cosine_mean": round(float(cos_docs.mean()), 6),
        "doc_cosine_min": round(float(cos_docs.min()), 6),
        "query_cosine_mean": round(float(cos_queries.mean()), 6),
        "query_cosine_min": round(float(cos_queries.min()), 6),
        "top10_overlap_mean": round(float(np.mean(overlap)), 4),
        "top1_same": round(float(np.mean(top[:, 0] == ref_top[:, 0])), 4),
    }


def _quality(embedder: Any, modes: Sequence[str]) -> dict[str, dict[str, float]]:
    """nDCG@10, MRR@10, hit@3 on the French judged set, the corpus indexed with this encoder."""
    from indexer.pipeline import run_index
    from semsearch.evaluation import evaluate, load_labels
    from semsearch.filters import SearchFilter
    from semsearch.service import SearchService
    from semsearch.settings import Settings

    labels = load_labels(LABELS)
    with tempfile.TemporaryDirectory(prefix="semsearch-enc-") as tmp:
        settings = Settings(index_path=Path(tmp) / "index", qdrant_url=None, _env_file=None)  # type: ignore[call-arg]
        with SearchService.open(settings, embedder=embedder) as service:
            run_index(service, [SHARED / "corpus" / "wallonia", SHARED / "seed"])

            def run(label: Any, mode: str) -> list[str]:
                flt = SearchFilter(before=label.before)
                if label.question_id is not None:
                    hits = service.related(label.question_id, limit=10, flt=flt, mode=mode)
                else:
                    hits = service.search(label.query or "", limit=10, flt=flt, mode=mode)
                return [h.id for h in hits]

            reports = evaluate(labels, modes, run)
    return {
        r.mode: {k: round(v, 4) for k, v in r.means().items() if k in {"ndcg@10", "mrr@10", "hit@3"}}
        for r in reports
        if r.subset == "all"
    }


def measure(model: str, questions: int, queries_n: int, quality: bool) -> dict[str, Any]:
    if not UK_CORPUS.is_file() or not LABELS.is_file():
        raise BenchError(f"the shared data ({UK_CORPUS}) or the labels ({LABELS}) are absent")
    workdir = Path(tempfile.mkdtemp(prefix="semsearch-enc-"))
    config = Config(UK_CORPUS, workdir, workdir, model, "torch", 0, 0, 0, 0, (1,), 0, False)
    queries = distinct_queries(queries_n, "en")
    results: dict[str, Any] = {"machine": machine(), "model": model, "encoders": {}}
    reference: dict[str, Any] = {}
    for encoder in ENCODERS:
        print(f"[encoders] {encoder}", file=sys.stderr, flush=True)
        embedder = load_encoder(replace(config, encoder=encoder))
        passages = passages_of(corpus_slice(config, questions), embedder)
        speed = _speed(embedder, passages, queries)
        docs, vectors = speed.pop("docs"), speed.pop("queries")
        if encoder == "torch":
            reference = {"docs": docs, "queries": vectors, "passages": passages}
        if passages != reference["passages"]:
            raise BenchError(f"{encoder} splits the passages differently from torch (token counts differ)")
        row: dict[str, Any] = {**speed, "passages": len(passages), "queries": len(queries)}
        row["agreement_with_torch"] = _agreement(docs, vectors, reference["docs"], reference["queries"])
        if quality:
            row["wallonia_fr"] = _quality(embedder, ("dense", "hybrid"))
        results["encoders"][encoder] = row
    return results


def markdown(results: dict[str, Any]) -> str:
    lines = [
        f"# Encoders compared (`{results['model']}`)",
        "",
        "| encoder | query p50 ms | query p95 ms | passages/s | doc cosine mean / min | "
        "top-10 overlap | nDCG@10 dense / hybrid (fr) | load |",
        "| --- | ---: | ---: | ---: | --- | ---: | --- | --- |",
    ]
    for name, row in results["encoders"].items():
        agree, q = row["agreement_with_torch"], row["query_ms"]
        fr = row.get("wallonia_fr", {})
        quality = " / ".join(f"{fr[m]['ndcg@10']:.3f}" for m in ("dense", "hybrid") if m in fr) or "-"
        lines.append(
            f"| {name} | {q['p50']:.1f} | {q['p95']:.1f} | {row['passages_per_second']} | "
            f"{agree['doc_cosine_mean']:.4f} / {agree['doc_cosine_min']:.4f} | "
            f"{agree['top10_overlap_mean']:.3f} | {quality} | {row['load']['load_average']} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.encoders", description=__doc__.split("\n")[0])
    parser.add_argument("--model", default=DEFAULT_MODEL)
    parser.add_argument("--questions", type=int, default=600, help="UK questions whose passages are encoded.")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--no-quality", action="store_true", help="Skip the French judged set.")
    parser.add_argument("--results", type=Path, default=REPO / "bench" / "results")
    args = parser.parse_args(argv)
    try:
        results = measure(args.model, args.questions, args.queries, not args.no_quality)
    except BenchError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 1
    args.results.mkdir(parents=True, exist_ok=True)
    (args.results / "encoders.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    (args.results / "encoders.md").write_text(markdown(results), encoding="utf-8")
    print(markdown(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
