"""A damaged index is said to be damaged, in one line, by every command and by the API; nothing
answers wrong results silently (issue 15, item 5). The damage: tests/support/damage.py."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.app import create_app
from semsearch.cli.app import app as cli
from semsearch.errors import IndexDamagedError
from semsearch.service import SearchService
from semsearch.settings import Settings
from semsearch.store.base import check_units
from tests.support import damage
from tests.support.crash_runs import cli_env
from tests.support.paths import SEMSEARCH
from tests.support.questions import french_questions
from tests.support.settings import fake_settings

runner = CliRunner()
DIMENSION = 64  # the fake embedder's


def build(tmp_path: Path) -> Settings:
    settings = fake_settings(tmp_path / "index")
    with SearchService.open(settings) as service:
        service.upsert(french_questions())
    return settings


def run(settings: Settings, *args: str) -> tuple[int, str]:
    result = runner.invoke(cli, [*args, "--index", str(settings.index_path)], env={"SEMSEARCH_MODEL": "fake"})
    return result.exit_code, result.output


def assert_one_damage_line(code: int, output: str) -> None:
    lines = [line for line in output.splitlines() if line.strip()]
    assert code == 1 and len(lines) == 1, output
    assert lines[0].startswith("Error: ") and "semsearch check" in lines[0], output
    assert "Traceback" not in output


DAMAGES: list[tuple[str, Callable[[Path], None]]] = [
    ("no edge_config.json", damage.remove_config),
    ("garbled payloads", damage.garble_payloads),
    ("garbled vectors", lambda index: damage.garble_vectors(index, DIMENSION)),
    ("truncated vectors", lambda index: damage.truncate_vectors(index, DIMENSION)),
]


@pytest.mark.parametrize(("name", "harm"), DAMAGES, ids=[d[0] for d in DAMAGES])
def test_search_and_show_say_the_index_is_damaged(
    tmp_path: Path, name: str, harm: Callable[[Path], None]
) -> None:
    settings = build(tmp_path)
    harm(settings.index_path)
    assert_one_damage_line(*run(settings, "search", "primes rénovation", "--mode", "dense"))
    # show prints the texts: each is the question's own, or the line saying the index is damaged.
    shown = {q.title: run(settings, "show", q.qid) for q in french_questions()}
    for title, (code, output) in shown.items():
        if code:
            assert_one_damage_line(code, output)
        else:
            assert title in output
    if "payloads" in name or "config" in name:
        assert any(code for code, _ in shown.values())


def test_stats_and_index_say_a_missing_config_is_damage_not_an_empty_index(tmp_path: Path) -> None:
    settings = build(tmp_path)
    damage.remove_config(settings.index_path)
    assert_one_damage_line(*run(settings, "stats"))
    folder = tmp_path / "more"
    folder.mkdir()
    (folder / "q.jsonl").write_text(json.dumps(french_questions()[0].model_dump(mode="json")) + "\n")
    assert_one_damage_line(*run(settings, "index", str(folder)))


def test_check_names_each_damaged_question(tmp_path: Path) -> None:
    settings = build(tmp_path)
    damage.garble_vectors(settings.index_path, DIMENSION, first=3, count=2)
    code, output = run(settings, "check")
    assert code == 1 and "vector is damaged" in output and "Traceback" not in output
    damaged = [line for line in output.splitlines() if "vector is damaged" in line]
    assert 1 <= len(damaged) <= 2
    # The texts are intact: --repair embeds those questions again, nothing is lost.
    code, output = run(settings, "check", "--repair")
    assert code == 0 and "embedded again from its stored text" in output, output
    assert output.splitlines()[-1] == "Checked 15 questions, 52 passages: the index is exact."
    code, output = run(settings, "search", "primes rénovation", "--mode", "dense", "--json")
    assert code == 0 and output.count("\n") == 10


def test_the_api_answers_503_and_health_says_so(tmp_path: Path) -> None:
    settings = build(tmp_path)
    damage.garble_payloads(settings.index_path)
    with SearchService.open(settings) as service:
        client = TestClient(create_app(settings, service), raise_server_exceptions=False)
        assert client.get("/health").status_code == 503
        response = client.get("/search", params={"q": "primes à la rénovation"})
        assert response.status_code == 503
        detail = response.json()["detail"]
        assert "semsearch check" in detail and "\n" not in detail and "Traceback" not in response.text
        health = client.get("/health")
        assert health.status_code == 503 and "semsearch check" in health.json()["store"]


@pytest.mark.slow
@pytest.mark.skipif(not SEMSEARCH.exists(), reason=f"{SEMSEARCH} is not installed")
def test_a_garbled_id_tracker_is_refused_before_the_engine_aborts(tmp_path: Path) -> None:
    """The engine sized a table by a garbled id (a 34 GB allocation) and aborted the process with
    a Rust backtrace: the file is checked before the engine reads it."""
    settings = build(tmp_path)
    damage.garble_mappings(settings.index_path)
    for command in (["stats"], ["search", "primes"], ["check"]):
        proc = subprocess.run(
            [str(SEMSEARCH), *command, "--index", str(settings.index_path)],
            env=cli_env("fake"),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert proc.returncode == 1, proc.stderr[-500:]
        lines = [line for line in proc.stderr.splitlines() if line.strip()]
        assert len(lines) == 1 and "mutable_id_tracker.mappings" in lines[0], proc.stderr[-500:]


def _unit(n: int, dimension: int = 8) -> list[float]:
    vector = [0.0] * dimension
    vector[n % dimension] = 1.0
    return vector


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ([2.0] + [0.0] * 7, "norm 2"),
        ([float("nan")] + [0.0] * 7, "norm nan"),
        ([0.5, 0.5], "norm 0.7071"),  # cut short: unequal lengths
    ],
    ids=["too long", "not a number", "truncated"],
)
def test_a_pages_vectors_are_checked_at_once_and_the_damaged_one_is_named(
    bad: list[float], message: str
) -> None:
    page = [(f"p{n}", _unit(n)) for n in range(5)]
    check_units([*page, ("no vector", None)])  # all whole: nothing said
    with pytest.raises(IndexDamagedError, match=rf"point p3 is damaged \({message}"):
        check_units([*page[:3], ("p3", bad), *page[3:]])
