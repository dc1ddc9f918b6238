"""X-Forwarded-For is believed only from the configured proxies: none by default, so a client on
127.0.0.1 cannot name itself anyone to escape the rate limit (issue 15, item 10). Through the
real ``semsearch serve`` (uvicorn decides whose header to believe before the app sees a request)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import httpx
import pytest

from api.server import proxy_options
from tests.support.paths import SEMSEARCH
from tests.support.ports import free_port
from tests.support.serve import ServeProcess
from tests.support.settings import fake_settings


def _serve_and_spoof(tmp_path: Path, trusted: list[str] | None) -> list[int]:
    """Statuses of 12 requests from 127.0.0.1, each claiming another client, burst 4."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SEMSEARCH_")}
    env.update(
        SEMSEARCH_MODEL="fake",
        SEMSEARCH_RATE_LIMIT_PER_SECOND="0.1",
        SEMSEARCH_RATE_LIMIT_BURST="4",
    )
    if trusted is not None:
        env["SEMSEARCH_TRUSTED_PROXIES"] = json.dumps(trusted)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    args = [str(SEMSEARCH), "serve", "--index", str(tmp_path / "index"), "--port", str(port)]
    # Ready when it answers (a 429 included): /health is rate-limited too.
    server = ServeProcess(args, base, tmp_path / "serve.log", env)
    server.start(ready="/widget.js")
    try:
        with httpx.Client(timeout=10) as client:
            return [
                client.get(f"{base}/widget.js", headers={"X-Forwarded-For": f"203.0.113.{n}"}).status_code
                for n in range(12)
            ]
    finally:
        server.stop()


@pytest.mark.server
@pytest.mark.skipif(not SEMSEARCH.exists(), reason=f"{SEMSEARCH} is not installed")
def test_a_forged_forwarded_for_does_not_escape_the_rate_limit(tmp_path: Path) -> None:
    statuses = _serve_and_spoof(tmp_path, None)
    assert 429 in statuses, statuses  # before: 12 x 200, a fresh bucket for each forged address


@pytest.mark.server
@pytest.mark.skipif(not SEMSEARCH.exists(), reason=f"{SEMSEARCH} is not installed")
def test_a_configured_proxy_is_believed(tmp_path: Path) -> None:
    assert _serve_and_spoof(tmp_path, ["127.0.0.1"]) == [200] * 12


def test_the_options_given_to_uvicorn(tmp_path: Path) -> None:
    assert proxy_options(fake_settings(tmp_path)) == {"proxy_headers": False}
    behind = fake_settings(tmp_path, trusted_proxies=["10.0.0.2", "10.0.0.3"])
    assert proxy_options(behind) == {"proxy_headers": True, "forwarded_allow_ips": "10.0.0.2,10.0.0.3"}
