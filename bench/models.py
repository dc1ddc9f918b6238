"""The candidate models side by side: query time (short queries and drafts) and passages a second.

    .venv/bin/python -m bench.models [--passages 400] [--queries 100]

all-MiniLM-L6-v2 and multilingual-e5-small through ONNX Runtime (fp32 and int8), and USE
multilingual v3 (numpy), on French passages of the Walloon corpus and on queries of the judged set.
Prints a Markdown table; quality is in docs/evaluation.md (eval/tune_fusion.py and friends).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

from bench.common import REPO, SHARED, BenchError, machine_load
from semsearch.embedding.bundled import E5, MINILM
from semsearch.embedding.loader import load_onnx_embedder
from semsearch.embedding.use import UseEncoder


def _ms(fn: Callable[[str], Any], texts: list[str]) -> float:
    for text in texts[:5]:
        fn(text)
    times = []
    for text in texts:
        started = time.perf_counter()
        fn(text)
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def _texts(passages: int) -> tuple[list[str], list[str], list[str]]:
    corpus = SHARED / "corpus" / "wallonia" / "written_questions_2010_2014.jsonl"
    if not corpus.is_file():
        raise BenchError(f"{corpus} is missing: the model bench reads ../shared")
    paragraphs = []
    for line in corpus.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        paragraphs += [p.strip() for p in (record.get("question") or "").split("\n\n") if p.strip()]
    labels = [json.loads(line) for line in (REPO / "eval/labels/wallonia_fr.jsonl").read_text().splitlines()]
    short = [lb["query"] for lb in labels if lb["kind"] == "short"]
    drafts = [lb["query"] for lb in labels if lb["kind"] == "draft"]
    return paragraphs[:passages], short, drafts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passages", type=int, default=400)
    parser.add_argument("--queries", type=int, default=100)
    args = parser.parse_args()
    passages, short, drafts = _texts(args.passages)
    short, drafts = short[: args.queries], drafts[: args.queries]
    encoders: list[tuple[str, Callable[[], Any]]] = [
        (f"{MINILM} (ONNX fp32)", lambda: load_onnx_embedder(MINILM)),
        (f"{E5} (ONNX fp32)", lambda: load_onnx_embedder(E5)),
        (f"{E5} (ONNX int8)", lambda: load_onnx_embedder(E5, quantized=True)),
        ("use-multilingual-v3 (numpy)", UseEncoder),
    ]
    print(f"load before: {machine_load()}")
    print("| model | query p50, short | query p50, draft | passages/s |")
    print("|---|---|---|---|")
    for name, load in encoders:
        encoder = load()
        encoder.embed_documents(passages[:32])
        started = time.perf_counter()
        encoder.embed_documents(passages)
        rate = len(passages) / (time.perf_counter() - started)
        times = [_ms(encoder.embed_query, texts) for texts in (short, drafts)]
        print(f"| {name} | {times[0]:.1f} ms | {times[1]:.1f} ms | {rate:.1f} |", flush=True)
    print(f"load after: {machine_load()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
