"""The API's protections: the per-client rate limit, CORS origins, and the constant-time key check."""

from __future__ import annotations

import hmac
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.ratelimit import DEFAULT_BURST, DEFAULT_PER_SECOND, RateLimit, TokenBuckets, rate_limit_config
from semsearch.service import SearchService
from semsearch.settings import Settings
from tests.support.api import API_KEY
from tests.support.questions import french_questions
from tests.support.settings import fake_settings


@pytest.fixture(scope="module")
def indexed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Settings, SearchService]]:
    folder = tmp_path_factory.mktemp("limits") / "index"
    settings = fake_settings(folder, api_key=API_KEY)
    with SearchService.open(settings) as service:
        service.upsert(french_questions())
        yield settings, service


def client(
    indexed: tuple[Settings, SearchService], address: str = "203.0.113.7", **update: Any
) -> TestClient:
    settings, service = indexed
    app = create_app(settings.model_copy(update=update), service)
    return TestClient(app, raise_server_exceptions=False, client=(address, 50000))


# -- rate limit ---------------------------------------------------------------------------------
def test_a_client_over_its_burst_gets_429_with_retry_after(indexed: tuple[Settings, SearchService]) -> None:
    # Half a request a second: no token comes back while the test runs.
    api = client(indexed, rate_limit_per_second=0.5, rate_limit_burst=3)
    assert [api.get("/search", params={"q": "primes"}).status_code for _ in range(3)] == [200] * 3
    refused = api.get("/search", params={"q": "primes"})
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "2"
    assert refused.json() == {
        "detail": "too many requests: at most 0.5 a second (bursts of 3) from one client; retry in 2 s"
    }
    # Every route counts, reads and writes alike.
    assert api.get("/stats").status_code == 429
    assert api.post("/questions", json={}, headers={"X-API-Key": API_KEY}).status_code == 429


def test_another_client_is_not_affected(indexed: tuple[Settings, SearchService]) -> None:
    settings, service = indexed
    app = create_app(
        settings.model_copy(update={"rate_limit_per_second": 0.5, "rate_limit_burst": 2}), service
    )
    first = TestClient(app, client=("198.51.100.1", 40000))
    second = TestClient(app, client=("198.51.100.2", 40000))
    same_host = TestClient(app, client=("198.51.100.1", 40001))  # another connection, same client
    assert [first.get("/stats").status_code for _ in range(3)] == [200, 200, 429]
    assert same_host.get("/stats").status_code == 429
    assert [second.get("/stats").status_code for _ in range(2)] == [200, 200]


def test_zero_disables_the_limit(indexed: tuple[Settings, SearchService]) -> None:
    api = client(indexed, rate_limit_per_second=0, rate_limit_burst=1)
    assert {api.get("/stats").status_code for _ in range(60)} == {200}


def test_the_default_is_generous(
    indexed: tuple[Settings, SearchService], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("SEMSEARCH_RATE_LIMIT_PER_SECOND", "SEMSEARCH_RATE_LIMIT_BURST"):
        monkeypatch.delenv(name, raising=False)
    settings, service = indexed
    assert rate_limit_config(Settings(_env_file=None)) == (DEFAULT_PER_SECOND, DEFAULT_BURST) == (20.0, 40)  # type: ignore[call-arg]
    app = create_app(settings, service)
    (limit,) = [m for m in app.user_middleware if m.cls is RateLimit]
    assert limit.kwargs == {"per_second": 20.0, "burst": 40}
    api = TestClient(app, client=("192.0.2.1", 1))
    assert {api.get("/stats").status_code for _ in range(DEFAULT_BURST)} == {200}  # a whole burst passes


def test_the_buckets_refill_at_the_rate_and_stay_bounded() -> None:
    now = [0.0]
    buckets = TokenBuckets(per_second=2, burst=2, clock=lambda: now[0], max_keys=3)
    assert [buckets.take("a") for _ in range(3)] == [0, 0, 0.5]
    now[0] = 0.5  # one token back
    assert buckets.take("a") == 0 and buckets.take("a") == pytest.approx(0.5)
    now[0] = 100.0  # a long pause refills only up to the burst
    assert [buckets.take("a") for _ in range(3)] == [0, 0, 0.5]
    for key in ("b", "c", "d"):  # "a" is the least recently seen: forgotten
        buckets.take(key)
    assert buckets.take("a") == 0


# -- CORS ---------------------------------------------------------------------------------------
ORIGINS = ["https://site.example", "https://other.example"]


@pytest.mark.parametrize(
    ("origin", "allowed"),
    [
        ("https://site.example", True),
        ("https://other.example", True),
        ("https://site.example.evil.example", False),  # a prefix is not the origin
        ("http://site.example", False),  # nor another scheme
        ("null", False),
        ("https://evil.example", False),
    ],
)
def test_cors_answers_only_configured_origins(
    indexed: tuple[Settings, SearchService], origin: str, allowed: bool
) -> None:
    api = client(indexed, cors_origins=ORIGINS)
    response = api.get("/questions/pw-1/related", headers={"Origin": origin})
    assert response.status_code == 200
    assert response.headers.get("access-control-allow-origin") == (origin if allowed else None)
    preflight = api.options("/search", headers={"Origin": origin, "Access-Control-Request-Method": "GET"})
    assert (preflight.headers.get("access-control-allow-origin") == origin) is allowed
    assert "access-control-allow-credentials" not in preflight.headers


# -- the key --------------------------------------------------------------------------------------
@pytest.mark.parametrize(("given", "status"), [("wrong-key", 401), (API_KEY, 200)])
def test_the_key_is_compared_in_constant_time(
    indexed: tuple[Settings, SearchService], monkeypatch: pytest.MonkeyPatch, given: str, status: int
) -> None:
    calls: list[tuple[Any, Any]] = []
    real = hmac.compare_digest

    def spy(a: Any, b: Any) -> bool:
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)
    api = client(indexed)
    question = french_questions()[0].model_dump(mode="json")  # unchanged: nothing is written
    response = api.post("/questions", json=question, headers={"X-API-Key": given})
    assert response.status_code == status
    assert calls == [(given.encode(), API_KEY.encode())]
