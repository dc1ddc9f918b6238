"""A short load test from another process: 10 clients for 5 s on ``semsearch serve`` (fake model).

The long run (50 clients, 60 s) is ``scripts/load_test.py`` with its defaults.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from api.app import create_app
from scripts.load_test import percentile
from semsearch.service import SearchService
from semsearch.settings import Settings
from tests.support.api import running
from tests.support.ports import free_port
from tests.support.questions import french_questions

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "load_test.py"

pytestmark = pytest.mark.skipif(
    not (ROOT / ".venv" / "bin" / "semsearch").exists(), reason="the semsearch command is not installed"
)


@pytest.mark.server
@pytest.mark.slow
def test_ten_clients_for_five_seconds_get_no_error() -> None:
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--clients", "10", "--duration", "5", "--model", "fake", "--json"],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    figures = json.loads(done.stdout)
    assert figures["errors"] == 0 and figures["clients"] == 10
    assert figures["search"]["requests"] > 0 and figures["related"]["requests"] > 0
    assert figures["requests"] == figures["search"]["requests"] + figures["related"]["requests"]
    assert 0 < figures["all"]["p50_ms"] <= figures["all"]["p95_ms"] <= figures["all"]["p99_ms"]
    assert figures["throughput_per_second"] > 0


@pytest.mark.slow
def test_the_script_fails_when_the_server_does_not_answer() -> None:
    url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--url", url, "--clients", "2", "--duration", "1"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1 and f"{url} does not answer a search: ConnectError" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("values", "share", "expected"),
    [([1.0], 0.99, 1.0), ([3.0, 1.0, 2.0], 0.5, 2.0), (list(map(float, range(1, 101))), 0.99, 99.0)],
)
def test_percentile(values: list[float], share: float, expected: float) -> None:
    assert percentile(values, share) == expected
    assert math.isnan(percentile([], share))


@pytest.mark.slow
def test_the_script_counts_refused_requests_as_errors(settings: Settings) -> None:
    """Against a server with a tight rate limit, the 429s are errors and the exit status is 1."""
    limited = settings.model_copy(update={"rate_limit_per_second": 1.0, "rate_limit_burst": 3})
    with SearchService.open(limited) as service:
        service.upsert(french_questions())
        with running(create_app(limited, service)) as base:
            done = subprocess.run(
                [sys.executable, str(SCRIPT), "--url", base, "--clients", "2", "--duration", "1", "--json"],
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
            )
    figures = json.loads(done.stdout)
    assert done.returncode == 1 and figures["errors"] > 0
    assert any(example.split(": ", 1)[1].startswith("429 ") for example in figures["error_examples"])
