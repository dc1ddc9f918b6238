"""Calls to a Qdrant server: sent again while it is unreachable, and every failure one line.

Every call the server store makes is idempotent (point ids are fixed, deletes go by filter), so a
call that failed on the way may be sent again. A timeout is repeated once only: a slow server gets
slower under retries, and someone is waiting.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

import httpx
from qdrant_client.http.exceptions import ResponseHandlingException, UnexpectedResponse

from semsearch.errors import StoreUnavailableError

T = TypeVar("T")

ATTEMPTS = 3
TIMEOUT_ATTEMPTS = 2
BACKOFF = 0.25  # seconds before the second attempt, doubled after
_RETRY_STATUS = {502, 503, 504}


class Missing(Exception):
    """The collection does not exist (yet): the store decides what that means for each call."""


def why(exc: ResponseHandlingException | UnexpectedResponse, timeout: int) -> str:
    """One line on what went wrong, instead of the client's multi-line dump."""
    if isinstance(exc, UnexpectedResponse):
        try:
            detail = str(exc.structured()["status"]["error"])
        except (ValueError, KeyError, TypeError):
            detail = exc.reason_phrase
        return f"HTTP {exc.status_code} {detail}".strip()
    if isinstance(exc.source, httpx.TimeoutException):
        return f"no answer within {timeout} s (SEMSEARCH_QDRANT_TIMEOUT)"
    if isinstance(exc.source, httpx.ConnectError) and "refused" in str(exc.source).lower():
        return "connection refused"
    return str(exc.source) or type(exc.source).__name__


def attempt(what: str, fn: Callable[[], T], url: str, timeout: int) -> T:
    """Run one request to the server at ``url``, sent again while it is unreachable; a 404 is
    :class:`Missing`, any other failure a one-line :class:`StoreUnavailableError`."""
    timeouts = 0
    for number in range(1, ATTEMPTS + 1):
        try:
            return fn()
        except UnexpectedResponse as exc:
            if exc.status_code == 404:
                raise Missing from None
            if exc.status_code not in _RETRY_STATUS:
                hint = "; check SEMSEARCH_QDRANT_API_KEY" if exc.status_code in {401, 403} else ""
                raise StoreUnavailableError(
                    f"the Qdrant server at {url} refused to {what}: {why(exc, timeout)}{hint}"
                ) from None
            reason = why(exc, timeout)
        except ResponseHandlingException as exc:
            reason = why(exc, timeout)
            timeouts += isinstance(exc.source, httpx.TimeoutException)
        if number == ATTEMPTS or timeouts == TIMEOUT_ATTEMPTS:
            break
        time.sleep(BACKOFF * 2 ** (number - 1))
    raise StoreUnavailableError(
        f"cannot reach the Qdrant server at {url}: {reason} (trying to {what}, {number} attempts)"
    )
