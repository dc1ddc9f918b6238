"""The benchmark runner's machinery, on a tiny corpus with the fake model (no timing asserted:
the targets are checked by `make bench`, not by tests)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.common import BenchError, Config
from bench.latency import Server
from bench.queries import FRENCH, distinct_queries
from bench.run import main

TOPICS = ("flood defences", "rail fares", "school funding", "dental care", "prison places", "bus services")


def _tiny_uk_corpus(path: Path, questions: int = 24) -> Path:
    with path.open("w", encoding="utf-8") as sink:
        for n in range(questions):
            topic = TOPICS[n % len(TOPICS)]
            record = {
                "id": str(1000 + n),
                "month": f"202{3 + n % 3}-0{1 + n % 9}",
                "question_text": "To ask the Secretary of State for Transport, what steps he is taking "
                f"on {topic} in region {n}.",
                "answer_text": f"<p>The Department is reviewing {topic}.</p><p>Funding of £{n} million was "
                "announced.</p>",
            }
            sink.write(json.dumps(record) + "\n")
    return path


@pytest.mark.server
@pytest.mark.slow
def test_the_quick_benchmark_runs_end_to_end_and_writes_its_results(tmp_path: Path) -> None:
    corpus = _tiny_uk_corpus(tmp_path / "uk.jsonl")
    results = tmp_path / "results"
    args = [
        "--quick",
        "--corpus",
        str(corpus),
        "--workdir",
        str(tmp_path / "work"),
        "--results",
        str(results),
    ]
    assert main([*args, "--model", "fake", "--requests", "3", "--target-passages", "300"]) == 0

    data = json.loads((results / "latest.json").read_text(encoding="utf-8"))
    assert data["indexing"]["index"]["passages"] == data["indexing"]["bare"]["passages"] > 0
    assert data["scale"]["passages"] == 300 and data["scale"]["real_passages"] < 300
    runs = data["latency"]["server"]["runs"]
    assert runs["1 client, filter none"]["n"] == 3 and runs["8 clients, filter from=2024-01-01"]["n"] == 24
    assert data["latency"]["server"]["memory"]["peak_rss_mib"] > 0
    assert {row["target"] for row in data["targets"]} >= {"server peak memory (VmHWM)"}
    report = (results / "latest.md").read_text(encoding="utf-8")
    assert "## Query latency" in report and "**" in report  # the real/copied split is stated

    # A second run reuses the store-scale index instead of rebuilding it.
    assert (
        main([*args, "--model", "fake", "--requests", "3", "--target-passages", "300", "--only", "scale"])
        == 0
    )
    assert json.loads((results / "latest.json").read_text(encoding="utf-8"))["scale"]["reused"] is True


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--corpus", "/nonexistent/uk.jsonl"], "corpus not found"),
        (["--workdir", str(Path(__file__).parent / "bench-work")], "inside the repository"),
    ],
)
def test_bad_paths_are_refused_in_one_line(
    tmp_path: Path, args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus = _tiny_uk_corpus(tmp_path / "uk.jsonl")
    base = ["--quick", "--model", "fake", "--corpus", str(corpus), "--workdir", str(tmp_path / "w")]
    assert main([*base, "--results", str(tmp_path / "r"), *args]) == 1
    assert message in capsys.readouterr().err
    assert not (tmp_path / "r" / "latest.json").exists()


def test_latency_queries_are_all_distinct_so_a_cache_cannot_answer_them() -> None:
    queries = distinct_queries(2000)
    assert len(set(queries)) == 2000
    assert sum(q.startswith(FRENCH) for q in queries[:60]) == 10  # one in six is French
    with pytest.raises(ValueError):
        distinct_queries(10**6)


@pytest.mark.slow  # a `semsearch serve` process, refused at start
def test_a_server_that_cannot_start_is_one_bench_error_with_its_reason(tmp_path: Path) -> None:
    config = Config(
        corpus=tmp_path / "uk.jsonl",
        workdir=tmp_path,
        results=tmp_path / "results",
        model="fake:oops",  # refused by `semsearch serve` before it listens
        encoder="auto",
        index_questions=1,
        real_questions=1,
        target_passages=1,
        requests=1,
        clients=(1,),
        cli_runs=1,
        quick=True,
    )
    server = Server(config, tmp_path / "index")
    try:
        with pytest.raises(BenchError) as caught:
            server.start(timeout=120)
    finally:
        server.stop()
    message = str(caught.value)
    assert message.startswith("semsearch serve exited (1): "), message
    assert message.endswith(
        "Error: SEMSEARCH_MODEL 'fake:oops': the fake embedder's dimension must be a number"
    ), message
