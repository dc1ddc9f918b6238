"""The HTTP API, through TestClient over the real service with the fake embedder."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from semsearch.errors import StoreUnavailableError
from semsearch.models import Question, SearchHit
from semsearch.results import page
from semsearch.service import SearchService
from semsearch.settings import Settings
from tests.support.api import API_KEY, GatedEmbedder, running
from tests.support.questions import RESULT_FIELDS, french_questions
from tests.support.settings import fake_settings

KEY = {"X-API-Key": API_KEY}


LIMITS = {"api_key": API_KEY, "max_query_chars": 50, "max_body_bytes": 20_000}


@pytest.fixture
def api_settings(settings: Settings) -> Settings:
    return settings.model_copy(update=LIMITS)


def client_for(settings: Settings, service: SearchService) -> TestClient:
    # raise_server_exceptions=False: a crash must come back as the 500 a user would get.
    return TestClient(create_app(settings, service), raise_server_exceptions=False)


@pytest.fixture(scope="module")
def shared_index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Settings, SearchService]]:
    """The fifteen questions, indexed once for the tests that only read (creating an index takes a second)."""
    folder = tmp_path_factory.mktemp("api") / "index"
    settings = fake_settings(folder, **LIMITS)
    with SearchService.open(settings) as service:
        service.upsert(french_questions())
        yield settings, service


@pytest.fixture
def reader(shared_index: tuple[Settings, SearchService]) -> TestClient:
    return client_for(*shared_index)


@pytest.fixture
def indexed(api_settings: Settings) -> Iterator[SearchService]:
    with SearchService.open(api_settings) as service:
        service.upsert(french_questions())
        yield service


@pytest.fixture
def client(api_settings: Settings, indexed: SearchService) -> TestClient:
    """A client over an index of its own, for the tests that write."""
    return client_for(api_settings, indexed)


def assert_clean_error(response: Any) -> str:  # TestClient's response class varies with Starlette
    body = response.json()
    assert set(body) <= {"detail", "errors"} and isinstance(body["detail"], str)
    assert "Traceback" not in response.text and "/work/" not in response.text and "\n" not in body["detail"]
    return str(body["detail"])


# -- search ---------------------------------------------------------------------------------
def test_search_gives_one_result_per_question_with_its_matching_passages(reader: TestClient) -> None:
    body = reader.get("/search", params={"q": "primes à la rénovation", "limit": 5}).json()
    results = body["results"]
    assert len(results) == 5 and len({r["id"] for r in results}) == 5
    assert results[0]["id"] in {"pw-1", "pw-2", "pw-3", "pw-4"}
    assert [r["score"] for r in results] == sorted((r["score"] for r in results), reverse=True)
    first = results[0]
    assert RESULT_FIELDS <= first.keys()
    assert {"kind", "paragraph", "text"} <= set(first["passages"][0])
    assert body["query"] == "primes à la rénovation" and body["offset"] == 0 and body["next_offset"] == 5


def test_pages_do_not_overlap_and_the_last_one_says_so(reader: TestClient) -> None:
    pages = [
        reader.get("/search", params={"q": "question", "limit": 6, "offset": o}).json() for o in (0, 6, 12)
    ]
    ids = [r["id"] for p in pages for r in p["results"]]
    assert len(ids) == 15 and len(set(ids)) == 15
    assert [p["next_offset"] for p in pages] == [6, 12, None]


def _hits(n: int) -> list[SearchHit]:
    return [SearchHit(id=str(i), title="t", assembly="a", score=1.0) for i in range(n)]


@pytest.mark.parametrize(
    ("available", "limit", "offset", "shown", "next_offset"),
    [
        (15, 10, 0, 10, 10),
        (10, 10, 0, 10, None),
        (250, 100, 0, 100, 100),
        (200, 100, 100, 100, None),
        (100, 100, 0, 100, None),
        (20_000, 100, 9_950, 100, None),
    ],
)
def test_the_next_page_is_known_exactly(
    available: int, limit: int, offset: int, shown: int, next_offset: int | None
) -> None:
    everything = _hits(available)
    hits, following = page(lambda n, skip: everything[skip : skip + n], limit, offset)
    assert len(hits) == shown and following == next_offset


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"from": "2023-10-01"}, {"pw-9", "pw-10", "pw-11"}),
        ({"to": "2023-02-02"}, {"pw-1", "pw-12"}),
        ({"before": "2023-02-02"}, {"pw-12"}),
        ({"session": "2023-2024", "answered": "true"}, {"pw-10", "pw-12", "pw-14"}),
        ({"answered": "false", "author": "petit"}, {"pw-1", "pw-7", "pw-13"}),
        (
            {"addressee": "énergie", "answered": "no"},
            {"pw-1", "pw-3", "pw-5", "pw-7", "pw-9", "pw-11", "pw-13", "pw-15"},
        ),
        ({"assembly": "Chambre"}, set()),
        ({"language": "fr", "author": "Claire MARTIN", "session": "2022-2023"}, {"pw-2", "pw-5", "pw-8"}),
    ],
)
def test_filters(reader: TestClient, params: dict[str, str], expected: set[str]) -> None:
    response = reader.get("/search", params={"q": "question", "limit": 20, **params})
    assert response.status_code == 200, response.text
    assert {r["id"] for r in response.json()["results"]} == expected


# -- bad requests: (url, status, detail) ----------------------------------------------------
@pytest.mark.parametrize(
    ("url", "status", "detail"),
    [
        ("/search", 422, "q: Field required"),
        ("/search?q=", 422, "the query is empty"),
        ("/search?q=%20%20%09", 422, "the query is empty"),
        ("/search?q=" + "mot%20" * 20, 422, "the query has 79 characters; the limit is 50"),
        ("/search?q=a&limit=0", 422, "limit: Input should be greater than or equal to 1"),
        ("/search?q=a&limit=101", 422, "limit: Input should be less than or equal to 100"),
        ("/search?q=a&limit=ten", 422, "limit: Input should be a valid integer"),
        ("/search?q=a&offset=-1", 422, "offset: Input should be greater than or equal to 0"),
        ("/search?q=a&offset=10001", 422, "offset: Input should be less than or equal to 10000"),
        ("/search?q=a&from=2023-13-01", 422, "from: '2023-13-01' is not a date (use YYYY-MM-DD"),
        ("/search?q=a&to=yesterday", 422, "to: 'yesterday' is not a date"),
        # One rule for dates with the CLI: a number is not a date (pydantic reads 0 as 1970-01-01).
        ("/search?q=a&from=0", 422, "from: '0' is not a date"),
        ("/search?q=a&before=1700000000", 422, "before: '1700000000' is not a date"),
        ("/search?q=a&answered=maybe", 422, "answered: Input should be a valid boolean"),
        ("/search?q=a&limit=0&offset=-1", 422, "limit: Input should be greater than or equal to 1; offset:"),
        ("/questions/pw-1/related?limit=500", 422, "limit: Input should be less than or equal to 100"),
        ("/questions/nope", 404, "no question with id 'nope' in the index"),
        ("/questions/nope/related", 404, "no question with id 'nope' in the index"),
        ("/nowhere", 404, "Not Found"),
    ],
)
def test_bad_requests_get_one_readable_line(reader: TestClient, url: str, status: int, detail: str) -> None:
    response = reader.get(url)
    assert response.status_code == status
    assert detail in assert_clean_error(response)


def test_validation_errors_keep_the_structured_list_too(reader: TestClient) -> None:
    body = reader.get("/search?q=a&limit=0").json()
    assert body["errors"] == [
        {
            "loc": ["query", "limit"],
            "msg": "Input should be greater than or equal to 1",
            "type": "greater_than_equal",
        }
    ]


def test_a_crash_is_an_internal_error_without_details(
    reader: TestClient, shared_index: tuple[Settings, SearchService], monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("secret state in /work/main/semsearch/service.py")

    monkeypatch.setattr(shared_index[1], "search", boom)
    response = reader.get("/search", params={"q": "primes"})
    assert response.status_code == 500 and assert_clean_error(response) == "internal error"
    assert "secret" not in response.text


# -- questions ------------------------------------------------------------------------------
def test_get_returns_the_whole_question_with_its_answer(reader: TestClient) -> None:
    expected = next(q for q in french_questions() if q.id == "pw-2")
    response = reader.get("/questions/pw-2")
    assert response.status_code == 200
    assert Question.model_validate(response.json()) == expected and response.json()["answer"]


def test_related_excludes_the_question_and_honours_the_limit(reader: TestClient) -> None:
    body = reader.get("/questions/pw-1/related", params={"limit": 3}).json()
    ids = [r["id"] for r in body["results"]]
    assert len(ids) == 3 and "pw-1" not in ids and ids[0] in {"pw-2", "pw-3", "pw-4"}
    assert body["question_id"] == "pw-1" and body["next_offset"] == 3
    answered = reader.get("/questions/pw-1/related", params={"answered": "true", "limit": 20}).json()
    assert {r["answered"] for r in answered["results"]} == {True}


def test_an_id_with_a_slash_works_on_every_route(
    client: TestClient, make_question: Callable[..., Question]
) -> None:
    question = make_question("QO/2023/12").model_dump(mode="json")
    assert client.post("/questions", json=question, headers=KEY).status_code == 201
    assert client.get("/questions/QO%2F2023%2F12").json()["id"] == "QO/2023/12"
    assert client.get("/questions/QO%2F2023%2F12/related?limit=2").json()["question_id"] == "QO/2023/12"
    assert client.delete("/questions/QO%2F2023%2F12", headers=KEY).json() == {"deleted": "QO/2023/12"}


def test_upsert_adds_then_skips_then_updates(
    client: TestClient, make_question: Callable[..., Question]
) -> None:
    one = make_question("new-1", title="Les bornes de recharge électriques").model_dump(mode="json")
    added = client.post("/questions", json=one, headers=KEY)
    assert added.status_code == 201
    assert added.json() == {
        "added": ["new-1"],
        "updated": [],
        "unchanged": [],
        "duplicates": [],
        "skipped": [],
        "passages": 3,
    }
    again = client.post("/questions", json=[one, make_question("new-2").model_dump(mode="json")], headers=KEY)
    assert (
        again.status_code == 201
        and again.json()["unchanged"] == ["new-1"]
        and again.json()["added"] == ["new-2"]
    )
    changed = client.post("/questions", json={**one, "answer": ["Oui."]}, headers=KEY)
    assert changed.status_code == 200 and changed.json()["updated"] == ["new-1"]
    assert client.get("/questions/new-1").json()["answer"] == ["Oui."]
    hits = client.get("/search", params={"q": "bornes de recharge électriques", "limit": 1}).json()["results"]
    assert hits[0]["id"] == "new-1"


def _question(**changes: Any) -> dict[str, Any]:
    return {
        "id": "x1",
        "assembly": "Parlement Wallon",
        "title": "Un titre",
        "question": ["Un texte."],
        **changes,
    }


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        (b"{not json", "body: the body is not valid JSON: Expecting property name"),
        (b"42", "body: the body must be a question (an object) or a list of them"),
        (b"[]", "body: the list is empty"),
        (json.dumps(_question(colour="red")).encode(), "body.colour: Extra inputs are not permitted"),
        (
            json.dumps([_question(), _question(title=None)]).encode(),
            "body[1].title: Input should be a valid string",
        ),
        (
            json.dumps([_question(), {"assembly": "X", "question": "q"}]).encode(),
            "body[1].title: Field required",
        ),
        (json.dumps(_question(id=None)).encode(), "body: question has no id and no number/addressee"),
        (json.dumps(_question(date_asked="hier")).encode(), "body.date_asked: Input should be a valid date"),
        (json.dumps([{"id": "s"}] * 1001).encode(), "the list has 1001 questions; send at most 1000"),
    ],
)
def test_bad_bodies_are_refused_with_where_and_why(client: TestClient, body: bytes, detail: str) -> None:
    response = client.post("/questions", content=body, headers={**KEY, "Content-Type": "application/json"})
    assert response.status_code == 422
    assert detail in assert_clean_error(response)


# -- the key --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("server_key", "headers", "status", "detail"),
    [
        (None, KEY, 403, "writes are disabled: set SEMSEARCH_API_KEY"),
        (API_KEY, {}, 401, "this route needs the API key"),
        (API_KEY, {"X-API-Key": "wrong-key"}, 401, "wrong API key"),
        (API_KEY, {"Authorization": "Bearer wrong-key"}, 401, "wrong API key"),
        (API_KEY, {"Authorization": f"Basic {API_KEY}"}, 401, "this route needs the API key"),
        (API_KEY, {"X-API-Key": API_KEY[:-1]}, 401, "wrong API key"),
    ],
)
@pytest.mark.parametrize("method", ["POST", "DELETE"])
def test_writes_need_the_key(
    api_settings: Settings,
    indexed: SearchService,
    server_key: str | None,
    headers: dict[str, str],
    status: int,
    detail: str,
    method: str,
) -> None:
    client = client_for(api_settings.model_copy(update={"api_key": server_key}), indexed)
    url = "/questions" if method == "POST" else "/questions/pw-1"
    response = client.request(method, url, json=_question(), headers=headers)
    assert response.status_code == status and detail in assert_clean_error(response)
    if status == 401:
        assert response.headers["WWW-Authenticate"] == "Bearer"
    assert indexed.stats().questions == 15  # nothing written, nothing deleted


@pytest.mark.parametrize("headers", [KEY, {"Authorization": f"Bearer {API_KEY}"}])
def test_the_key_opens_writes_in_either_header(client: TestClient, headers: dict[str, str]) -> None:
    assert client.post("/questions", json=_question(), headers=headers).status_code == 201
    assert client.delete("/questions/x1", headers=headers).json() == {"deleted": "x1"}
    assert client.get("/questions/x1").status_code == 404
    response = client.delete("/questions/x1", headers=headers)
    assert response.status_code == 404 and "no question with id 'x1'" in assert_clean_error(response)


# -- limits ---------------------------------------------------------------------------------
def test_a_large_body_is_refused_before_it_is_read(reader: TestClient) -> None:
    big = [_question(id=f"b{i}", title="Un titre assez long " * 10) for i in range(200)]
    response = reader.post("/questions", json=big, headers=KEY)
    assert response.status_code == 413
    assert assert_clean_error(response) == "the request body is larger than the limit of 20000 bytes"


def test_a_streamed_body_is_counted(reader: TestClient) -> None:
    chunks = (b" " * 1000 for _ in range(30))  # no Content-Length: sent chunked
    response = reader.post("/questions", content=chunks, headers={**KEY, "Content-Type": "application/json"})
    assert response.status_code == 413 and "limit of 20000 bytes" in assert_clean_error(response)


# -- system ---------------------------------------------------------------------------------
def test_health_and_stats(reader: TestClient) -> None:
    assert reader.get("/health").json() == {"status": "ok", "store": "ok", "model": "ok", "index": "ok"}
    stats = reader.get("/stats").json()
    assert stats == {
        "questions": 15,
        "passages": 52,
        "answered": 7,
        "model": "fake:64",
        "dimension": 64,
        "store": "edge",
    }


def test_health_says_what_is_broken(
    reader: TestClient, shared_index: tuple[Settings, SearchService], monkeypatch: pytest.MonkeyPatch
) -> None:
    def down(*args: Any, **kwargs: Any) -> int:
        raise StoreUnavailableError("the Qdrant server at http://db:6333 does not answer")

    monkeypatch.setattr(shared_index[1].store, "count", down)
    response = reader.get("/health")
    assert response.status_code == 503
    down = "the Qdrant server at http://db:6333 does not answer"
    assert response.json() == {"status": "error", "store": down, "model": "ok", "index": down}


def test_openapi_documents_models_examples_and_errors(reader: TestClient) -> None:
    spec = reader.get("/openapi.json").json()
    for path, methods in spec["paths"].items():
        for method, operation in methods.items():
            ok = operation["responses"].get("200") or operation["responses"]["201"]
            if "application/json" in ok["content"]:  # the feed is XML, described as such
                assert "$ref" in json.dumps(ok["content"]["application/json"]), f"{method} {path}"
            else:
                assert path == "/search.atom" and "application/atom+xml" in ok["content"]
            if operation.get("parameters") or "requestBody" in operation:
                assert "ValidationErrorResponse" in json.dumps(operation["responses"]["422"])
    schemas = spec["components"]["schemas"]
    for name in ("SearchResponse", "RelatedResponse", "UpsertResponse", "StatsResponse", "HealthResponse"):
        assert schemas[name]["examples"], name
    body = spec["paths"]["/questions"]["post"]["requestBody"]["content"]["application/json"]
    assert "#/components/schemas/Question" in json.dumps(body["schema"]) and body["examples"]
    assert set(spec["paths"]["/questions"]["post"]["responses"]) >= {"201", "401", "403", "413", "422"}
    assert reader.get("/docs").status_code == 200


@pytest.mark.parametrize(("origins", "allowed"), [(["https://site.example"], True), ([], False)])
def test_cors_lets_the_widget_read_and_nothing_else(
    shared_index: tuple[Settings, SearchService], origins: list[str], allowed: bool
) -> None:
    settings, service = shared_index
    client = client_for(settings.model_copy(update={"cors_origins": origins}), service)
    response = client.get("/questions/pw-1/related", headers={"Origin": "https://site.example"})
    assert (response.headers.get("access-control-allow-origin") == "https://site.example") is allowed
    other = client.get("/questions/pw-1/related", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in other.headers
    preflight = client.options(
        "/questions", headers={"Origin": "https://site.example", "Access-Control-Request-Method": "POST"}
    )
    assert "POST" not in preflight.headers.get("access-control-allow-methods", "")


@pytest.mark.parametrize(
    ("url", "content_type", "contains"),
    [
        ("/", "text/html", 'id="q"'),
        ("/q/pw-1", "text/html", 'id="q"'),
        ("/widget.js", "text/javascript", "data-semsearch-related"),
        ("/static/app.js", "text/javascript", "renderSearch"),
        ("/static/style.css", "text/css", "mark"),
    ],
)
def test_the_page_and_the_widget_are_served(
    reader: TestClient, url: str, content_type: str, contains: str
) -> None:
    response = reader.get(url)
    assert response.status_code == 200 and response.headers["content-type"].startswith(content_type)
    assert contains in response.text
    if content_type == "text/html":
        assert "script-src" not in response.headers["content-security-policy"]  # default-src 'self' covers it
        assert "default-src 'self'" in response.headers["content-security-policy"]


# -- the lifespan and serve() ---------------------------------------------------------------
def test_the_lifespan_opens_warms_and_closes_the_service(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.support.questions import index_questions

    index_questions(settings)
    loads: list[str] = []
    import semsearch.embedding.loader as loader

    real_load = loader.load_embedder

    def counting_load(settings: Settings) -> Any:
        loads.append(settings.model)
        return real_load(settings)

    monkeypatch.setattr(loader, "load_embedder", counting_load)
    with TestClient(create_app(settings)) as client:
        assert loads == ["fake"]  # loaded at start-up, before any request
        assert client.get("/stats").json()["questions"] == 15
        assert client.get("/search?q=primes").status_code == 200 and loads == ["fake"]
    with SearchService.open(settings) as service:  # the lock was released at shutdown
        assert service.stats().questions == 15


def test_the_lifespan_does_not_load_the_model_for_an_empty_index(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    import semsearch.embedding.loader as loader

    monkeypatch.setattr(loader, "load_embedder", lambda s: pytest.fail("model loaded"))
    monkeypatch.setattr(loader, "load_question_embedder", lambda s: pytest.fail("model loaded"))
    with TestClient(create_app(settings)) as client:
        assert client.get("/stats").json()["questions"] == 0


def test_start_up_refuses_an_index_of_another_model(settings: Settings) -> None:
    from semsearch.errors import ModelMismatchError
    from tests.support.questions import index_questions

    index_questions(settings)
    app = create_app(settings.model_copy(update={"model": "fake:32"}))
    with pytest.raises(ModelMismatchError, match="built with model 'fake:64'"), TestClient(app):
        pass


def test_a_store_down_at_start_up_is_reported_not_fatal(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    def down(self: SearchService) -> None:
        raise StoreUnavailableError("the Qdrant server at http://db:6333 does not answer")

    monkeypatch.setattr(SearchService, "check_model", down)
    with TestClient(create_app(settings)) as client:
        response = client.get("/health")
    assert response.status_code == 503 and response.json()["model"].startswith("the Qdrant server")


@pytest.mark.parametrize(
    ("workers", "message"),
    [(0, "--workers must be 1 or more"), (2, "the embedded index can be held by one process only")],
)
def test_serve_refuses_impossible_workers(settings: Settings, workers: int, message: str) -> None:
    from api.server import serve
    from semsearch.errors import ConfigError

    with pytest.raises(ConfigError, match=message):
        serve(settings, "127.0.0.1", 8000, workers)


def test_serve_says_in_one_line_who_holds_the_index(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    import api.server
    from semsearch.errors import IndexLockedError
    from tests.support.questions import index_questions

    index_questions(settings)
    monkeypatch.setattr(api.server.uvicorn, "run", lambda *a, **k: pytest.fail("uvicorn started"))
    with SearchService.open(settings), pytest.raises(IndexLockedError) as info:
        api.server.serve(settings, "127.0.0.1", 8000, 1)
    assert "is in use by process" in str(info.value) and "\n" not in str(info.value)


def test_serve_runs_uvicorn_and_hands_its_settings_to_workers(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    import api.server

    calls: list[tuple[Any, dict[str, Any]]] = []
    monkeypatch.setattr(api.server.uvicorn, "run", lambda app, **kw: calls.append((app, kw)))
    monkeypatch.setattr(api.server, "open_service", lambda s, warm: SearchService(s, _NoStore()))  # type: ignore[arg-type]
    api.server.serve(settings, "0.0.0.0", 8123, 1)
    assert calls[0][1] == {
        "host": "0.0.0.0",
        "port": 8123,
        "log_level": "info",
        "timeout_graceful_shutdown": 10,
        "proxy_headers": False,  # X-Forwarded-For believed from no one unless configured
    }
    remote = settings.model_copy(update={"qdrant_url": "http://qdrant:6333", "api_key": API_KEY})
    monkeypatch.setenv("SEMSEARCH_SERVE_SETTINGS", "")  # restored after the test
    api.server.serve(remote, "127.0.0.1", 8124, 3)
    assert calls[1][0] == "api.server:worker_app" and calls[1][1]["workers"] == 3 and calls[1][1]["factory"]
    assert api.server.worker_app().state.settings == remote


def test_serve_opens_the_index_once_and_closes_it_after(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    import api.server
    from tests.support.questions import index_questions

    index_questions(settings)
    real_open = api.server.open_service
    opened: list[bool] = []
    answered: list[int] = []

    def counting_open(s: Settings, warm: bool) -> SearchService:
        opened.append(warm)
        return real_open(s, warm)

    def run(app: Any, **options: Any) -> None:
        with TestClient(app) as client:  # the app's start-up and shut-down, as uvicorn runs them
            answered.append(client.get("/search", params={"q": "primes"}).status_code)

    monkeypatch.setattr(api.server, "open_service", counting_open)
    monkeypatch.setattr(api.server.uvicorn, "run", run)
    api.server.serve(settings, "127.0.0.1", 8000, 1)
    # Opened once, with its models (a second opening would read the index's files again).
    assert opened == [True] and answered == [200]
    with SearchService.open(settings, create=False) as again:  # released: it can be opened now
        assert again.store.read_meta() is not None


class _NoStore:
    def close(self, leave_cached: bool = False) -> None:
        pass


# -- concurrency, over a real server --------------------------------------------------------
def test_a_slow_search_does_not_stall_other_requests(api_settings: Settings) -> None:
    # No clock: the embedder holds every query until released, so "side by side" and "answered
    # meanwhile" are states to observe, not durations (timings belong to `make bench`).
    embedder = GatedEmbedder()
    with SearchService.open(api_settings, embedder=embedder) as service:
        service.upsert(french_questions())
        embedder.close()
        with running(create_app(api_settings, service)) as base:
            statuses: list[int] = []

            def slow_search() -> None:
                statuses.append(httpx.get(f"{base}/search", params={"q": "primes"}, timeout=60).status_code)

            threads = [threading.Thread(target=slow_search) for _ in range(2)]
            for thread in threads:
                thread.start()
            deadline = time.monotonic() + 30  # a guard against hanging, not a measure
            while embedder.waiting < 2 and time.monotonic() < deadline:
                time.sleep(0.01)
            side_by_side = embedder.waiting
            health = httpx.get(f"{base}/health", timeout=30).json()["status"]
            still_embedding = embedder.waiting
            embedder.open()
            for thread in threads:
                thread.join()
    assert side_by_side == 2  # both searches were embedding at once, not in turn
    assert health == "ok" and still_embedding == 2  # answered while both searches were still embedding
    assert statuses == [200, 200]


def test_concurrent_writes_on_a_new_index_all_succeed(api_settings: Settings) -> None:
    with SearchService.open(api_settings) as service, running(create_app(api_settings, service)) as base:
        statuses: list[int] = []

        def write(n: int) -> None:
            batch = [_question(id=f"c{n}-{i}", title=f"Question {n} {i}") for i in range(5)]
            statuses.append(httpx.post(f"{base}/questions", json=batch, headers=KEY, timeout=30).status_code)

        threads = [threading.Thread(target=write, args=(n,)) for n in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert statuses == [201] * 6
        assert service.stats().questions == 30
