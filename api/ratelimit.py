"""A per-client rate limit: a token bucket per client address, refused requests get 429.

Each client (``scope["client"]`` host: the connection's address, or behind a reverse proxy listed
in ``SEMSEARCH_TRUSTED_PROXIES``, the address the proxy names in X-Forwarded-For; see
``api.server.proxy_options``) may send ``burst`` requests at once, then ``per_second`` a second.
``per_second`` 0 disables the limit. Buckets live in the process: with several workers each
counts on its own.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from semsearch.settings import Settings

DEFAULT_PER_SECOND = 20.0
DEFAULT_BURST = 40
# Buckets kept at most; the least recently seen client is forgotten first (it starts full again).
MAX_CLIENTS = 10_000


def rate_limit_config(settings: Settings) -> tuple[float, int]:
    """(requests per second, burst): ``SEMSEARCH_RATE_LIMIT_PER_SECOND`` (0: off), ``..._BURST``."""
    return settings.rate_limit_per_second, settings.rate_limit_burst


class TokenBuckets:
    """One bucket per key, refilled at ``per_second`` up to ``burst`` tokens; a request takes one."""

    def __init__(
        self,
        per_second: float,
        burst: int,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = MAX_CLIENTS,
    ) -> None:
        self.per_second = per_second
        self.burst = burst
        self.clock = clock
        self.max_keys = max_keys
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # key -> (tokens, when)

    def take(self, key: str) -> float:
        """0 when the request may go, else the seconds until it could."""
        now = self.clock()
        tokens, when = self._buckets.pop(key, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - when) * self.per_second)
        wait = 0.0
        if tokens >= 1:
            tokens -= 1
        else:
            wait = (1 - tokens) / self.per_second
        self._buckets[key] = (tokens, now)  # re-inserted last: the most recently seen
        if len(self._buckets) > self.max_keys:
            self._buckets.popitem(last=False)
        return wait


class RateLimit:
    """A pure ASGI middleware answering 429 (one-line ``detail``, ``Retry-After``) over the limit."""

    def __init__(self, app: ASGIApp, per_second: float, burst: int) -> None:
        self.app = app
        self.buckets = TokenBuckets(per_second, burst)
        self.detail = (
            f"too many requests: at most {per_second:g} a second (bursts of {burst}) from one client; "
            "retry in {wait} s"
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        # The event loop runs one request's code at a time: the buckets need no lock.
        wait = self.buckets.take(str(client[0]) if client else "unknown")
        if wait <= 0:
            await self.app(scope, receive, send)
            return
        seconds = max(1, math.ceil(wait))
        response = JSONResponse(
            {"detail": self.detail.format(wait=seconds)},
            status_code=429,
            headers={"Retry-After": str(seconds)},
        )
        await response(scope, receive, send)
