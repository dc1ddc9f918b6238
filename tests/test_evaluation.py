"""Retrieval metrics, label files and the `semsearch eval` command."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from typer.testing import CliRunner

from semsearch.cli.app import app
from semsearch.errors import InputError
from semsearch.evaluation import Label, evaluate, load_labels, score

LABEL = Label(query="q", question_id=None, relevant={"a": 2, "b": 2, "c": 1})


@pytest.mark.parametrize(
    ("ranked", "expected"),
    [
        (["a", "b"], {"hit@1": 1, "hit@3": 1, "hit@10": 1, "mrr@10": 1, "recall@10": 1}),
        (["x", "y", "b"], {"hit@1": 0, "hit@3": 1, "hit@10": 1, "mrr@10": 1 / 3, "recall@10": 0.5}),
        (["c", "x", "y", "z"], {"hit@1": 0, "hit@3": 0, "hit@10": 0, "mrr@10": 0, "recall@10": 0}),
        ([f"x{i}" for i in range(10)] + ["a"], {"hit@10": 0, "recall@10": 0}),  # rank 11 is out
        ([], {"hit@1": 0, "mrr@10": 0, "ndcg@10": 0}),
    ],
)
def test_metrics(ranked: list[str], expected: dict[str, float]) -> None:
    got = score(ranked, LABEL)
    for name, value in expected.items():
        assert got[name] == pytest.approx(value), name


def test_ndcg_uses_both_grades() -> None:
    ideal = 3 / math.log2(2) + 3 / math.log2(3) + 1 / math.log2(4)
    assert score(["a", "b", "c"], LABEL)["ndcg@10"] == pytest.approx(1.0)
    assert score(["c", "a"], LABEL)["ndcg@10"] == pytest.approx((1 + 3 / math.log2(3)) / ideal)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("not json", "not JSON"),
        ('{"query": "x", "question_id": "1", "relevant": {"a": 2}}', "exactly one of"),
        ('{"query": null, "question_id": null, "relevant": {"a": 2}}', "exactly one of"),
        ('{"query": "x", "relevant": {}}', "non-empty"),
        ('{"query": "x", "relevant": {"a": "2"}}', "whole numbers"),
        ('{"query": "x", "relevant": {"a": 2}, "before": "hier"}', "not an ISO date"),
        ("[1, 2]", "JSON object"),
    ],
)
def test_bad_label_files_get_one_clear_line(tmp_path: Path, line: str, message: str) -> None:
    path = tmp_path / "labels.jsonl"
    path.write_text(line + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=message) as info:
        load_labels(path)
    assert str(info.value).startswith(f"{path}:1:") or "labels.jsonl" in str(info.value)


def test_evaluate_reports_every_mode_and_subset() -> None:
    labels = [
        Label("q1", None, {"a": 2}, subset="template"),
        Label("q2", None, {"b": 2}, subset="other"),
    ]
    reports = evaluate(labels, ["dense", "sparse"], lambda label, mode: ["a"] if mode == "dense" else ["b"])
    means = {(r.mode, r.subset): (r.queries, r.means()["hit@1"]) for r in reports}
    assert means[("dense", "all")] == (2, 0.5) and means[("sparse", "all")] == (2, 0.5)
    assert means[("dense", "template")] == (1, 1.0) and means[("sparse", "template")] == (1, 0.0)


def test_eval_command_on_an_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SEMSEARCH_MODEL", "fake")
    monkeypatch.setenv("SEMSEARCH_INDEX_PATH", str(tmp_path / "index"))
    records = [
        {
            "id": "r1",
            "assembly": "PW",
            "title": "Primes rénovation logement",
            "question": "Les primes tardent.",
        },
        {"id": "r2", "assembly": "PW", "title": "Éoliennes en Ardenne", "question": "Les parcs éoliens."},
        {"id": "r3", "assembly": "PW", "title": "Primes rénovation retard", "question": "Primes en retard."},
    ]
    data = tmp_path / "q.jsonl"
    data.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records), encoding="utf-8")
    labels = tmp_path / "labels.jsonl"
    labels.write_text(
        json.dumps({"query": "éoliennes ardenne", "question_id": None, "relevant": {"r2": 2}})
        + "\n"
        + json.dumps({"query": None, "question_id": "r1", "relevant": {"r3": 2}})
        + "\n",
        encoding="utf-8",
    )
    runner = CliRunner()
    assert runner.invoke(app, ["index", str(data)]).exit_code == 0
    result = runner.invoke(app, ["eval", str(labels), "--json"])
    assert result.exit_code == 0, result.stderr
    rows = {(r["mode"], r["subset"]): r for r in map(json.loads, result.stdout.splitlines())}
    assert set(rows) == {("dense", "all"), ("sparse", "all"), ("hybrid", "all")}
    assert all(r["queries"] == 2 for r in rows.values())
    assert rows[("sparse", "all")]["hit@1"] == 1.0  # both found first by their words
    bad = runner.invoke(app, ["eval", str(labels), "--mode", "bm25"])
    assert bad.exit_code == 1 and "choose among dense, sparse, hybrid" in bad.stderr
