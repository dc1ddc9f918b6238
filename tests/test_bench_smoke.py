"""The benchmark runner's machinery, on a tiny corpus with the fake model (no timing asserted:
the targets are checked by `make bench`, not by tests)."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import numpy as np
import pytest

from bench.common import BenchError, Config
from bench.copies import noisy
from bench.http import Server
from bench.queries import QueryPool, distinct_queries
from bench.recording import PASSAGE_MODEL, Recorder, replay
from bench.report import figures, targets
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
        "--model",
        "fake",
        "--requests",
        "3",
        "--floor-requests",
        "8",
        "--target-passages",
        "300",
        "--million-passages",
        "500",
        "--duplicate-questions",
        "60",
    ]
    status = main(args)

    data = json.loads((results / "latest.json").read_text(encoding="utf-8"))
    # Qdrant is measured where its binary can be fetched; anything else must have run.
    assert set(data["skipped"]) <= {"qdrant"}, data["skipped"]
    assert status == (1 if data["skipped"] else 0)
    indexing = data["indexing"]
    assert indexing["index"]["passages"] == indexing["bare"]["passages"] > 0
    assert set(indexing["bare"]["seconds_per_model"]) == {"passage model", "question model"}
    assert data["scale"]["store"]["passages"] == 300 and data["scale"]["store"]["real_passages"] < 300
    french, english = data["floor"]["fr"], data["floor"]["en"]
    # The floor is measured again once the server has stopped, and X is held to the mean.
    again = data["floor_after"]["fr"]
    assert again["floor"]["latency_ms"]["n"] == 8 and again["shape"] == french["shape"]
    x_row = next(row for row in data["targets"] if row["target"].startswith("Edge: throughput X"))
    mean = (french["floor"]["requests_per_second"] + again["floor"]["requests_per_second"]) / 2
    assert (
        x_row["limit"] == pytest.approx(0.8 * mean, rel=1e-3) and "after the latency runs" in x_row["target"]
    )
    assert french["floor"]["requests_per_second"] > 0 and french["floor"]["latency_ms"]["n"] == 8
    assert french["shape"]["engine_queries_per_search"] > english["shape"]["engine_queries_per_search"] >= 1
    assert french["bare_encoding_ms"]["share_with_question_model"] == 1.0
    runs = {r["name"]: r for r in data["latency"]["server"]["runs"]}
    assert runs["GET /search, fr queries, 1 client"]["n"] == 3
    # The dated run's date is chosen from the corpus (a month keeping about half of it).
    dated = [n for n in runs if n.startswith("GET /search, fr queries, from=") and n.endswith("8 clients")]
    assert len(dated) == 1 and runs[dated[0]]["n"] == 24, sorted(runs)
    assert runs["GET /questions/{id}/related, 1 client"]["n"] == 3
    halves = [r for r in runs.values() if r["paired"]]  # the filter's cost in the same minutes
    assert sorted(r["filtered"] for r in halves) == [False, True] and all(r["n"] == 3 for r in halves)
    assert any(
        row["target"] == "Edge: filter cost, p50 with 1 client (alternated requests)"
        for row in data["targets"]
    )
    cli = data["latency"]["cli_without_server"]  # the first from the disk, the median of the others
    assert cli["runs"] == 2 and cli["first_seconds"] == cli["seconds"][0]
    assert cli["median_seconds"] == cli["seconds"][1]
    assert data["latency"]["server"]["memory"]["peak_rss_mib"] > 0
    assert data["million"]["passages"] == 500 and data["million"]["open"]["state"] == "ready"
    assert data["duplicates"]["questions"] == 60 and "near-duplicates" in data["duplicates"]["summary"]
    if "qdrant" not in data["skipped"]:
        assert data["qdrant"]["memory"]["processes"] >= 3  # serve and its two workers
    names = {row["target"] for row in data["targets"]}
    assert "`semsearch serve` peak memory (VmHWM)" in names
    assert any(name.startswith("Edge: throughput X") for name in names)
    assert all(row["ratio"] is not None or row["note"] or row["measured"] is None for row in data["targets"])
    report = (results / "latest.md").read_text(encoding="utf-8")
    assert "## Targets" in report and "real**" in report  # the real/copied split is stated

    # A second run reuses the indexes instead of rebuilding them.
    assert main([*args, "--only", "scale", "--only", "million"]) == 0
    again = json.loads((results / "latest.json").read_text(encoding="utf-8"))
    assert again["scale"]["store"]["reused"] is True and again["million"]["reused"] is True


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
    for language in ("fr", "en"):
        queries = distinct_queries(2000, language)
        assert len(set(queries)) == 2000
    pool = QueryPool()
    taken = pool.take(100) + pool.take(100) + pool.take(50, "en")
    assert len(set(taken)) == 250
    with pytest.raises(ValueError):
        distinct_queries(10**6)


def test_a_recording_keeps_the_outermost_calls_and_replays_them() -> None:
    class Model:
        dimension = 4

        def __init__(self) -> None:
            self.texts: list[str] = []

        def embed_documents(self, texts: list[str]) -> list[str]:
            self.texts += texts
            return texts

        def embed_query(self, text: str) -> list[str]:
            return self.embed_documents([text])  # a nested call: part of this one

    model = Model()
    with Recorder({PASSAGE_MODEL: model}) as recorder:
        model.embed_query("a")
        model.embed_documents(["b", "c"])
    assert [(c.name, c.texts) for c in recorder.recording.encodings] == [
        ("embed_query", 1),
        ("embed_documents", 2),
    ]
    assert "embed_query" not in vars(model)  # unpatched again
    replay({PASSAGE_MODEL: model}, recorder.recording.calls)
    assert model.texts == ["a", "b", "c"] * 2
    with Recorder({PASSAGE_MODEL: model}, stand_in=True) as recorder:
        vectors = model.embed_documents(["d", "e"])
    assert model.texts == ["a", "b", "c"] * 2 and vectors.shape == (2, 4)


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


def test_copies_are_close_paraphrases_of_their_original_not_duplicates() -> None:
    rng = np.random.default_rng(3)
    real = rng.standard_normal((200, 384)).astype(np.float32)
    real /= np.linalg.norm(real, axis=1, keepdims=True)
    moved = noisy(real, 0.25, rng)
    cosines = np.sum(real * moved, axis=1)
    assert np.allclose(np.linalg.norm(moved, axis=1), 1, atol=1e-5)
    assert 0.95 < cosines.min() and cosines.max() < 0.99  # under the 'same question' similarity
    assert np.array_equal(noisy(real, 0, rng), real)  # noise 0: exact copies


def test_a_recording_keeps_the_calls_made_at_once_in_other_threads(tmp_path: Path) -> None:
    from semsearch.fanout import Fanout

    class Model:
        def __init__(self) -> None:
            self.meet = threading.Barrier(2, timeout=10)

        def embed_query(self, text: str) -> str:
            self.meet.wait()  # both calls are running at once
            return text

    model, fanout = Model(), Fanout(1)
    try:
        with Recorder({PASSAGE_MODEL: model}) as recorder:
            fanout.run([lambda: model.embed_query("a"), lambda: model.embed_query("b")])
    finally:
        fanout.close()
    assert sorted(c.args[0] for c in recorder.recording.encodings) == ["a", "b"]


def test_the_fanout_probe_switches_the_pool_from_one_query_to_the_next() -> None:
    from bench.fanout import interleaved
    from semsearch.fanout import Fanout

    class Service:
        fanout = Fanout(0)

        def __init__(self) -> None:
            self.seen: list[int] = []

        def search_page(self, text: str, limit: int) -> None:
            self.seen.append(self.fanout.workers)

    service = Service()
    times = interleaved(service, ["a", "b", "c", "d", "e"], threads=3)
    assert service.seen == [0, 3, 0, 3, 0]
    assert {k: len(v) for k, v in times.items()} == {0: 3, 3: 2}


def _floor(f: float, bare_ms: float) -> dict[str, object]:
    return {"fr": {"floor": {"requests_per_second": f}, "bare_encoding_ms": {"sum": {"p50": bare_ms}}}}


def test_the_throughput_and_p50_targets_use_the_mean_of_the_floors_around_the_latency_runs() -> None:
    runs = [
        {"route": "search", "language": "fr", "filtered": False, "repeated": False, "clients": n, **figures}
        for n, figures in (
            (1, {"p50": 30.0, "requests_per_second": 33.0}),
            (8, {"p99": 200.0, "requests_per_second": 40.0}),
        )
    ]
    one_floor = {"floor": _floor(60.0, 14.0), "latency": {"server": {"runs": runs}}}
    rows = {row["target"].split(" (")[0]: row for row in targets(one_floor)}
    assert rows["Edge: throughput X, 8 clients"]["limit"] == 48.0  # 0.8 × 60: missed
    assert rows["Edge: throughput X, 8 clients"]["met"] is False
    assert rows["Edge: `GET /search` p50, 1 client"]["limit"] == 31.0  # 1.5 × 14 + 10

    drifted = {**one_floor, "floor_after": _floor(40.0, 18.0)}
    rows = {row["target"].split(" (")[0]: row for row in targets(drifted)}
    assert rows["Edge: throughput X, 8 clients"]["limit"] == 40.0  # 0.8 × (60 + 40) / 2: met
    assert rows["Edge: throughput X, 8 clients"]["met"] is True
    assert "the mean of 60.0 before and 40.0 after" in rows["Edge: throughput X, 8 clients"]["target"]
    assert rows["Edge: `GET /search` p50, 1 client"]["limit"] == 34.0  # 1.5 × 16 + 10


def test_the_filters_p50_cost_comes_from_the_alternated_run_when_there_is_one() -> None:
    def run(filtered: bool, p50: float, paired: bool = False) -> dict[str, object]:
        shape = {"route": "search", "language": "fr", "filtered": filtered, "repeated": False, "clients": 1}
        return {**shape, "p50": p50, "paired": paired, "requests_per_second": 30.0}

    two_runs = [run(False, 30.0), run(True, 36.6)]  # the filtered run in slower minutes
    latency = {"latency": {"server": {"runs": two_runs}}, "floor": _floor(60.0, 14.0)}
    rows = {row["target"]: row for row in targets(latency)}
    assert rows["Edge: filter cost, p50 with 1 client (two runs)"]["met"] is False  # +22 %

    alternated = [*two_runs, run(False, 31.0, paired=True), run(True, 32.55, paired=True)]
    latency["latency"]["server"]["runs"] = alternated  # type: ignore[index]
    rows = {row["target"]: row for row in targets(latency)}
    cost = rows["Edge: filter cost, p50 with 1 client (alternated requests)"]
    assert cost["measured"] == pytest.approx(5.0) and cost["met"] is True
    # The halves of the alternated run are not the 1-client runs the other targets read.
    assert rows["Edge: `GET /search` p50, 1 client (≤ 1.5 × bare encoding + 10 ms)"]["measured"] == 30.0


def test_the_million_figures_give_the_run_after_the_warm_up() -> None:
    def run(first: bool, p50: float, p99: float) -> dict[str, object]:
        return {"first": first, "p50": p50, "p99": p99}

    million = {
        "runs": [run(True, 31.6, 261.4), run(False, 28.1, 38.7)],
        "memory": {"rss_mib": 3258.7, "peak_rss_mib": 3258.7},
    }
    shown = {name: value for name, value, _ in figures({"million": million})}
    assert shown["million: `GET /search` p50 / p99, 1 client"] == "28.1 / 38.7"
