"""``semsearch check [--repair]``: every kind of problem found, named, and repaired where it can be."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from semsearch.cli.app import app as cli
from semsearch.ids import point_id
from semsearch.service import SearchService
from semsearch.settings import Settings
from semsearch.store import open_store
from semsearch.store.base import PointData, Store
from semsearch.store.conditions import Conditions, HasIds
from tests.support.crashing_store import Crash, CrashingStore
from tests.support.questions import french_questions
from tests.support.settings import fake_settings

runner = CliRunner()


@pytest.fixture
def indexed(tmp_path: Path) -> Settings:
    settings = fake_settings(tmp_path / "index")
    with SearchService.open(settings) as service:
        service.upsert(french_questions())
    return settings


def check(settings: Settings, *args: str) -> tuple[int, dict]:
    result = runner.invoke(
        cli, ["check", "--json", *args, "--index", str(settings.index_path)], env={"SEMSEARCH_MODEL": "fake"}
    )
    assert "Traceback" not in result.output
    return result.exit_code, json.loads(result.output.splitlines()[-1])


def points_of(store: Store, qid: str) -> list[PointData]:
    return [p for page in store.points() for p in page if p.payload["question_id"] == qid]


def harm(settings: Settings, change: Callable[[Store], None]) -> None:
    store = open_store(settings)
    try:
        change(store)
    finally:
        store.close()


def test_an_exact_index_is_said_exact(indexed: Settings) -> None:
    code, report = check(indexed)
    assert code == 0 and report["exact"] and report["problems"] == []
    assert (report["questions"], report["passages"]) == (15, 52)
    result = runner.invoke(
        cli, ["check", "--index", str(indexed.index_path)], env={"SEMSEARCH_MODEL": "fake"}
    )
    assert result.output.strip() == "Checked 15 questions, 52 passages: the index is exact."


def stale_version(store: Store) -> None:
    """A passage of another version beside pw-3's own: what the write order before generations
    left after a crash."""
    (point,) = [p for p in points_of(store, "pw-3") if p.payload["position"] == 1]
    payload = {**point.payload, "generation": 7, "content_hash": "another", "text": "Un texte d'avant."}
    payload["text_hash"] = None
    store.upsert([PointData(point_id("pw-3", 1, 7), point.vector, payload, point.sparse)])


def headless(store: Store) -> None:
    """Committed passages of a question without its head: searchable, never shown."""
    heads = [p for p in points_of(store, "pw-5") if p.payload["position"] == 0]
    store.delete(Conditions((HasIds(tuple(p.id for p in heads)),)))


def other_text(store: Store) -> None:
    """A passage whose text is not the one written (a payload garbled into valid JSON)."""
    (point,) = [p for p in points_of(store, "pw-7") if p.payload["position"] == 1]
    store.upsert([dataclasses.replace(point, payload={**point.payload, "text": "Texte altéré."})])


@pytest.mark.parametrize(
    ("change", "question", "found", "repair"),
    [
        (stale_version, "pw-3", "stale passages", "stale passages removed"),
        (headless, "pw-5", "without a head", "removed"),
        (other_text, "pw-7", "text differs", "removed whole"),
    ],
)
def test_a_problem_is_named_then_repaired(
    indexed: Settings, change: Callable[[Store], None], question: str, found: str, repair: str
) -> None:
    harm(indexed, change)
    code, report = check(indexed)
    assert code == 1 and not report["exact"]
    assert [(p["question_id"], found in p["problem"]) for p in report["problems"]] == [(question, True)], (
        report
    )
    assert report["problems"][0]["repair"].startswith(repair)
    code, report = check(indexed, "--repair")
    assert code == 0 and report["exact"], report
    assert any(question in line for line in report["repaired"])
    assert check(indexed)[0] == 0


def test_an_unfinished_write_is_listed_then_finished(indexed: Settings) -> None:
    changed = [q.model_copy(update={"title": f"Nouveau titre {q.qid}"}) for q in french_questions()[:3]]
    with SearchService.open(indexed) as service:
        service._writer.store = CrashingStore(service.store, 2)  # type: ignore[assignment]
        with pytest.raises(Crash):  # killed after the pending passages were written
            service.upsert(changed)
    code, report = check(indexed)
    assert code == 1 and len(report["problems"]) == 3
    assert all("unfinished write" in p["problem"] and p["repair"] == "finished" for p in report["problems"])
    code, report = check(indexed, "--repair")
    assert code == 0 and report["exact"]
    with SearchService.open(indexed) as service:
        assert service.get("pw-1").title == "Nouveau titre pw-1"
