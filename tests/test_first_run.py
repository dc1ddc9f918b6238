"""A first run: reading a missing or empty index says so in one line with the command that builds
one, exits non-zero and creates nothing; ``serve`` starts and says so; long commands show a bar
on a terminal and end with a summary (fake embedder)."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from rich.console import Console
from typer.testing import CliRunner

from api.app import create_app
from semsearch.cli.app import app
from semsearch.service import SearchService
from tests.support.questions import french_questions
from tests.support.settings import fake_settings

runner = CliRunner()
LABELS = Path(__file__).resolve().parents[1] / "eval" / "labels" / "wallonia_fr.jsonl"

READING = [
    ["search", "primes"],
    ["related", "pw-1"],
    ["show", "pw-1"],
    ["stats"],
    ["stats", "--by", "addressee"],
    ["duplicates"],
    ["eval", str(LABELS)],
    ["route", "primes à la rénovation"],
]


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty working folder, with no index setting: the default ./.semsearch applies."""
    monkeypatch.setenv("SEMSEARCH_MODEL", "fake")
    monkeypatch.delenv("SEMSEARCH_INDEX_PATH", raising=False)
    monkeypatch.delenv("SEMSEARCH_QDRANT_URL", raising=False)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    return work


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("args", READING, ids=[" ".join(a[:2]) for a in READING])
def test_reading_a_missing_index_says_how_to_build_one_and_creates_nothing(
    folder: Path, args: list[str]
) -> None:
    code, out, err = run(*args)
    assert code == 1, out
    assert err.strip().splitlines() == [
        "Error: no index in .semsearch: build one with 'semsearch index FILES_OR_FOLDERS'"
    ]
    assert out == "" and list(folder.iterdir()) == []


def test_the_command_names_the_index_folder_given(folder: Path) -> None:
    code, _, err = run("search", "primes", "--index", "elsewhere")
    assert code == 1
    assert "no index in elsewhere: build one with 'semsearch index --index elsewhere FILES_OR_FOLDERS'" in err
    assert list(folder.iterdir()) == []


def test_an_emptied_index_says_it_is_empty(folder: Path) -> None:
    settings = fake_settings(folder / ".semsearch")
    with SearchService.open(settings) as service:
        service.upsert(french_questions()[:1])
        service.delete("pw-1")
    code, _, err = run("search", "primes")
    assert code == 1 and "the index .semsearch is empty: build one with 'semsearch index" in err


def test_the_index_state_as_the_service_sees_it(tmp_path: Path) -> None:
    settings = fake_settings(tmp_path / "index")
    with SearchService.open(settings, create=False) as service:
        assert service.index_state() == "missing" and not (tmp_path / "index").exists()
        service.upsert(french_questions()[:2])
        assert service.index_state() == "ready"
        service.delete("pw-1")
        service.delete("pw-2")
        assert service.index_state() == "empty"


class _NoCount:
    """An engine shard that refuses to count."""

    def __init__(self, shard: Any) -> None:
        self.shard = shard

    def count(self, request: Any) -> int:
        raise AssertionError("the engine was asked to count")

    def __getattr__(self, name: str) -> Any:
        return getattr(self.shard, name)


def test_the_index_state_is_known_without_counting(tmp_path: Path) -> None:
    """Every opening of a reading command asks it: a count of the heads read them all, holding the
    interpreter (0.4 s of a cold CLI's opening on a big index)."""
    with SearchService.open(fake_settings(tmp_path / "index"), create=False) as service:
        service.upsert(french_questions()[:2])
        store: Any = service.store
        shards = store._shard, store._heads

        def state() -> str:
            store._shard, store._heads = (_NoCount(s) for s in shards)
            try:
                return service.index_state()
            finally:
                store._shard, store._heads = shards

        assert state() == "ready"
        service.delete("pw-1")
        service.delete("pw-2")
        assert state() == "empty"


def test_serve_on_a_missing_index_starts_says_so_and_fills_through_the_api(tmp_path: Path) -> None:
    settings = fake_settings(tmp_path / "index", api_key="k" * 20)
    with TestClient(create_app(settings)) as client:
        health = client.get("/health")
        assert health.status_code == 200 and health.json()["status"] == "ok"
        assert health.json()["index"].startswith("no index in ")
        assert client.get("/stats").json()["questions"] == 0
        assert not (tmp_path / "index").exists()  # nothing created by reading
        question = french_questions()[0].model_dump(mode="json")
        assert client.post("/questions", json=question, headers={"X-API-Key": "k" * 20}).status_code == 201
        assert client.get("/health").json()["index"] == "ok"


def test_serve_reads_an_index_built_meanwhile_by_another_command(tmp_path: Path) -> None:
    settings = fake_settings(tmp_path / "index")
    with TestClient(create_app(settings)) as client:
        assert client.get("/search", params={"q": "primes"}).json()["results"] == []
        # Nothing held the folder, so `semsearch index` could build it while serve ran.
        with SearchService.open(settings) as indexer:
            indexer.upsert(french_questions())
        found = client.get("/search", params={"q": "primes rénovation"}).json()["results"]
        assert found and found[0]["id"] in {"pw-1", "pw-2", "pw-3", "pw-4"}
        assert client.get("/health").json()["index"] == "ok"


@pytest.fixture
def indexed(folder: Path) -> Path:
    with SearchService.open(fake_settings(folder / ".semsearch")) as service:
        service.upsert(french_questions())
    queries = [("primes à la rénovation", "pw-1"), ("éoliennes", "pw-5"), ("cyclistes", "pw-8")]
    (folder / "labels.jsonl").write_text(
        "".join(json.dumps({"query": q, "relevant": {qid: 2}}) + "\n" for q, qid in queries), encoding="utf-8"
    )
    return folder


def _terminal(monkeypatch: pytest.MonkeyPatch) -> io.StringIO:
    """Stderr as a terminal: where the bars show."""
    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, width=100)
    for module in ("semsearch.cli.common", "semsearch.cli.progress"):
        monkeypatch.setattr(f"{module}.err", console)
    return screen


@pytest.mark.parametrize(
    ("args", "bar", "closing"),
    [
        (
            ["duplicates"],
            "Comparing questions",
            "groups of near-duplicates (0 questions) among 15 questions, in",
        ),
        (["eval", "labels.jsonl"], "Evaluating", "3 queries in 3 modes (9 searches) in"),
    ],
)
def test_long_commands_show_a_bar_on_a_terminal_and_end_with_a_summary(
    indexed: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], bar: str, closing: str
) -> None:
    code, out, err = run(*args)  # not a terminal: no bar, the summary closes the output
    assert code == 0 and bar not in err and closing in out.strip().splitlines()[-1]
    screen = _terminal(monkeypatch)
    code, out, _ = run(*args)
    assert code == 0 and bar in screen.getvalue() and closing in out


def test_with_json_the_summary_goes_to_stderr(indexed: Path) -> None:
    code, out, err = run("duplicates", "--json")
    assert code == 0 and out == "" and "among 15 questions" in err
    code, out, err = run("eval", "labels.jsonl", "--mode", "sparse", "--json")
    assert code == 0 and all(json.loads(line) for line in out.splitlines()) and "3 queries" in err
