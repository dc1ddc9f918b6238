"""Bodies and ids the API must answer in one line (issue 15, items 7 and 11): deeply nested JSON,
one id twice in a batch, ids a route cannot carry."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from semsearch.models import Question
from semsearch.service import SearchService
from semsearch.settings import Settings
from tests.support.api import API_KEY

KEY = {"X-API-Key": API_KEY, "Content-Type": "application/json"}
MakeQ = Callable[..., Question]


@pytest.fixture
def client(settings: Settings, service: SearchService) -> TestClient:
    api = settings.model_copy(update={"api_key": API_KEY, "rate_limit_per_second": 0.0})
    return TestClient(create_app(api, service), raise_server_exceptions=False)


def one_line(response: Any) -> str:
    detail = response.json()["detail"]
    assert isinstance(detail, str) and "\n" not in detail and "Traceback" not in response.text
    return detail


@pytest.mark.parametrize(
    "body",
    [
        "[" * 2048 + "]" * 2048,  # 4 kB
        '{"a":' * 2000 + "1" + "}" * 2000,
        '[{"assembly": "x", "title": "t", "question": ' + "[" * 3000 + "]" * 3000 + "}]",
    ],
    ids=["lists", "objects", "in-a-field"],
)
def test_deeply_nested_json_is_a_422(client: TestClient, body: str) -> None:
    """Before: a RecursionError, answered 500."""
    response = client.post("/questions", content=body, headers=KEY)
    assert response.status_code == 422, response.text
    assert "nested too deeply" in one_line(response)


def test_one_id_twice_in_a_batch_keeps_the_first_and_says_so(
    client: TestClient, make_question: MakeQ
) -> None:
    """Before: the last record was kept, silently (the CLI keeps the first and reports the later)."""
    first = make_question("dup", title="La première version").model_dump(mode="json")
    later = make_question("dup", title="La seconde version").model_dump(mode="json")
    response = client.post("/questions", json=[first, later], headers=KEY)
    assert response.status_code == 201 and response.json()["added"] == ["dup"]
    assert response.json()["skipped"] == [
        {
            "record": "body[1]",
            "id": "dup",
            "reason": "repeats the id of body[0], which is kept (the first record of an id is)",
        }
    ]
    assert client.get("/questions/dup").json()["title"] == "La première version"


@pytest.mark.parametrize(
    ("qid", "why"),
    [
        ("QO/2023/related", "may not end with '/related'"),
        ("QO//12", "'//'"),
        ("QO/../12", "'..' segment"),
        ("/QO-12", "start or end with '/'"),
        ("QO\n12", "control characters"),
    ],
)
def test_an_id_a_route_cannot_carry_is_refused(
    client: TestClient, make_question: MakeQ, qid: str, why: str
) -> None:
    """Before: 'QO/2023/related' was accepted and could never be fetched (GET answered the
    related questions of 'QO/2023')."""
    body = {**make_question("x").model_dump(mode="json"), "id": qid}
    response = client.post("/questions", json=body, headers=KEY)
    assert response.status_code == 422 and why in one_line(response)


def test_an_id_with_slashes_is_still_fetched(client: TestClient, make_question: MakeQ) -> None:
    assert (
        client.post(
            "/questions", json=make_question("QO/2023/12").model_dump(mode="json"), headers=KEY
        ).status_code
        == 201
    )
    assert client.get("/questions/QO/2023/12").json()["id"] == "QO/2023/12"
    assert client.get("/questions/QO/2023/12/related").status_code == 200
