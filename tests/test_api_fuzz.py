"""Property-based fuzzing of the API from its own OpenAPI document (schemathesis + hypothesis).

Every operation of ``/openapi.json`` gets requests generated from its schema, valid ones and
invalid ones, writes with and without the key, against the ASGI app over a small index (fake
embedder). No answer may be a 5xx, and no body may show a traceback or a path of the server.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from api.app import create_app
from semsearch.service import SearchService
from tests.support.api import API_KEY
from tests.support.questions import french_questions
from tests.support.settings import fake_settings

pytestmark = pytest.mark.slow

schemathesis = pytest.importorskip("schemathesis", reason="schemathesis (pinned 4.32.5) is not installed")
hypothesis = pytest.importorskip("hypothesis")

ROOT = str(Path(__file__).resolve().parents[1])
LEAKS = ("Traceback", "site-packages", ROOT, "/work/", 'File "')
MIN_REQUESTS = 1000
# Examples per operation and generation mode: the routes with inputs get the most.
EXAMPLES = {
    "GET /search": (250, 120),
    "GET /questions/{question_id}/related": (120, 60),
    "GET /questions/{question_id}": (120, 0),  # any string is a valid id: nothing invalid to make
    "POST /questions": (200, 80),
    "DELETE /questions/{question_id}": (80, 40),
    "GET /search.atom": (80, 40),
    "GET /route": (80, 40),
    "GET /stats/addressees": (60, 30),
    "GET /health": (5, 0),  # no input: nothing to make invalid
    "GET /stats": (5, 0),
}


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    settings = fake_settings(
        tmp_path_factory.mktemp("fuzz") / "index",
        api_key=API_KEY,
        cors_origins=["https://site.example"],
        max_body_bytes=200_000,
        rate_limit_per_second=0.0,  # the fuzzer is one client sending as fast as it can
    )
    with SearchService.open(settings) as service:
        service.upsert(french_questions())
        yield create_app(settings, service)


def _check(response: Any, where: str) -> None:
    text = response.text
    assert response.status_code < 500, f"{where}: {response.status_code} {text[:300]}"
    for leak in LEAKS:
        assert leak not in text, f"{where}: the body shows {leak!r}: {text[:300]}"
    if response.status_code >= 400:
        body = json.loads(text)
        assert isinstance(body.get("detail"), str) and "\n" not in body["detail"], f"{where}: {text[:300]}"


def _fuzz(operation: Any, mode: Any, examples: int, sent: Counter[str], statuses: Counter[int]) -> None:
    """``examples`` generated requests to one operation; writes every other one with the key."""
    label = f"{operation.method.upper()} {operation.path}"
    writes = operation.method.upper() in {"POST", "DELETE"}
    calls = [0]

    @hypothesis.settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(hypothesis.HealthCheck),
    )
    @hypothesis.given(case=operation.as_strategy(generation_mode=mode))
    def run(case: Any) -> None:
        calls[0] += 1
        headers = {"X-API-Key": API_KEY} if writes and calls[0] % 2 else None
        response = case.call(headers=headers)
        sent[label] += 1
        statuses[response.status_code] += 1
        _check(response, f"{mode.value} {case.method} {case.formatted_path} {case.query} {headers}")

    run()


def test_no_generated_request_gets_a_server_error(app: Any) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = {}
    for result in schema.get_all_operations():
        operation = result.ok()
        operations[f"{operation.method.upper()} {operation.path}"] = operation
    assert set(operations) == set(EXAMPLES), f"routes changed: update EXAMPLES ({sorted(operations)})"
    sent: Counter[str] = Counter()
    statuses: Counter[int] = Counter()
    for label, operation in operations.items():
        for mode, examples in zip(schemathesis.GenerationMode, EXAMPLES[label], strict=True):
            if examples:
                _fuzz(operation, mode, examples, sent, statuses)
    total = sum(sent.values())
    print(f"{total} requests: {dict(sent)}; statuses {dict(sorted(statuses.items()))}")
    assert total >= MIN_REQUESTS, dict(sent)
    # The fuzzer got past validation into the service, and writes without the key were refused.
    assert statuses[200] > 0 and statuses[422] > 0 and statuses[404] > 0 and statuses[401] > 0


class _Response:
    def __init__(self, status_code: int, text: str) -> None:
        self.status_code, self.text = status_code, text


@pytest.mark.parametrize(
    "response",
    [
        _Response(500, '{"detail": "internal error"}'),
        _Response(404, '{"detail": "Traceback (most recent call last): ..."}'),
        _Response(422, '{"detail": "bad value in ' + ROOT + '/semsearch/service.py"}'),
        _Response(400, '{"detail": "two\\nlines"}'),
        _Response(401, "Unauthorized"),
    ],
)
def test_the_check_catches_server_errors_and_leaks(response: _Response) -> None:
    with pytest.raises((AssertionError, ValueError)):
        _check(response, "GET /x")
