"""Two processes on one embedded index, through the real command line.

``semsearch serve`` holds the index; ``semsearch index`` (or ``search``) on the same folder must
stop with one line naming the serving process and saying what to do instead, and what it says
to do (send questions through the API) must work. (``tests/test_service.py`` covers the store
and ``tests/test_api.py`` the in-process ``serve()``; this is the user's view.)
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.api import API_KEY
from tests.support.paths import SEMSEARCH
from tests.support.ports import free_port
from tests.support.serve import ServeProcess

pytestmark = [
    pytest.mark.server,
    pytest.mark.skipif(not SEMSEARCH.exists(), reason=f"{SEMSEARCH} is not installed"),
]


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SEMSEARCH_")}
    env.update(SEMSEARCH_MODEL="fake", SEMSEARCH_API_KEY=API_KEY, SEMSEARCH_RATE_LIMIT_PER_SECOND="0")
    return env


def semsearch(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SEMSEARCH), *args], env=_env(), capture_output=True, text=True, timeout=120, check=False
    )


def _question(n: int) -> dict[str, object]:
    return {
        "id": f"tp-{n}",
        "assembly": "Parlement Wallon",
        "title": f"Les primes à la rénovation, question {n}",
        "question": [f"Monsieur le Ministre, où en est le dossier {n} des primes à la rénovation ?"],
    }


@pytest.fixture
def serving(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], str, Path, Path]]:
    folder = tmp_path / "questions"
    folder.mkdir()
    (folder / "q.jsonl").write_text("".join(json.dumps(_question(n)) + "\n" for n in range(3)), "utf-8")
    index = tmp_path / "index"
    assert semsearch("index", "--index", str(index), str(folder)).returncode == 0
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    args = [str(SEMSEARCH), "serve", "--index", str(index), "--port", str(port)]
    with ServeProcess(args, base, tmp_path / "serve.log", _env()) as server:
        assert server.proc is not None
        yield server.proc, base, index, folder


def test_a_second_process_is_told_who_holds_the_index_and_the_api_way_works(
    serving: tuple[subprocess.Popen[bytes], str, Path, Path],
) -> None:
    server, base, index, folder = serving
    for args in (["index", str(folder)], ["stats"]):
        result = semsearch(*args, "--index", str(index))
        assert result.returncode == 1 and result.stdout == "", args
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        assert lines == [
            f"Error: the index {index} is in use by process {server.pid} (semsearch serve); search it "
            "through that server's API (GET /search) and send questions with POST /questions, or stop "
            "the server; to share one index between processes, use a Qdrant server (SEMSEARCH_QDRANT_URL)"
        ], result.stderr
    # What it says to do works: the question goes in through the API ...
    response = httpx.post(f"{base}/questions", json=_question(9), headers={"X-API-Key": API_KEY}, timeout=30)
    assert response.status_code == 201 and response.json()["added"] == ["tp-9"]
    assert httpx.get(f"{base}/stats", timeout=10).json()["questions"] == 4
    # ... and once the server is stopped (Ctrl-C), the index is free again and nothing is lost.
    server.send_signal(signal.SIGINT)
    assert server.wait(timeout=30) == 0
    assert not (index / "serving.json").exists()  # the server says it no longer answers
    result = semsearch("index", "--index", str(index), "--json", str(folder))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["unchanged"] == 3
    stats = semsearch("stats", "--json", "--index", str(index))
    assert json.loads(stats.stdout)["questions"] == 4


def test_search_and_related_ask_the_server_that_holds_the_index(
    serving: tuple[subprocess.Popen[bytes], str, Path, Path],
) -> None:
    server, base, index, _ = serving
    assert json.loads((index / "serving.json").read_text())["url"] == base
    found = semsearch("search", "--index", str(index), "--json", "-n", "2", "primes à la rénovation")
    assert found.returncode == 0, found.stderr
    direct = httpx.get(
        f"{base}/search", params={"q": "primes à la rénovation", "limit": 2}, timeout=30
    ).json()
    assert [json.loads(line)["id"] for line in found.stdout.splitlines()] == [
        r["id"] for r in direct["results"]
    ]
    related = semsearch("related", "--index", str(index), "--json", "tp-1")
    assert related.returncode == 0 and "tp-1" not in related.stdout and "tp-0" in related.stdout
    # The server's refusals are one line, as the CLI's own.
    bad = semsearch("related", "--index", str(index), "nope")
    assert bad.returncode == 1 and bad.stderr.strip() == (
        f"Error: no question with id 'nope' in the index (from the server at {base})"
    )


def test_an_announcement_left_by_a_dead_server_is_ignored(tmp_path: Path) -> None:
    folder = tmp_path / "questions"
    folder.mkdir()
    (folder / "q.jsonl").write_text(json.dumps(_question(1)) + "\n", "utf-8")
    index = tmp_path / "index"
    assert semsearch("index", "--index", str(index), str(folder)).returncode == 0
    (index / "serving.json").write_text(json.dumps({"pid": 2**22 + 12345, "url": "http://127.0.0.1:9"}))
    found = semsearch("search", "--index", str(index), "--json", "primes")
    assert found.returncode == 0 and "tp-1" in found.stdout, found.stderr
