"""Every error becomes ``{"detail": "<one line>"}``: domain errors, bad input, and crashes.

No traceback, exception text or file path of an unexpected error ever reaches a client:
it gets "internal error" and the server's log gets the rest.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from semsearch.errors import IndexDamagedError, SemsearchError

logger = logging.getLogger("semsearch.api")

_SHOWN_ERRORS = 3


def _where(loc: Sequence[str | int]) -> str:
    # ("query", "limit") -> "limit"; ("body", 2, "title") -> "body[2].title"
    parts = list(loc[1:]) if loc and loc[0] in {"query", "path", "header", "cookie"} else list(loc)
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def one_line(errors: Sequence[Any]) -> str:
    """'limit: Input should be less than or equal to 100; offset: …' from pydantic's error list."""
    lines = []
    for error in errors[:_SHOWN_ERRORS]:
        where = _where(error.get("loc", ()))
        msg = str(error.get("msg", "invalid value")).removeprefix("Value error, ")
        lines.append(f"{where}: {msg}" if where else msg)
    more = len(errors) - _SHOWN_ERRORS
    return "; ".join(lines) + (f" (and {more} more)" if more > 0 else "")


async def _domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, SemsearchError)
    if isinstance(exc, IndexDamagedError):
        request.app.state.damage = exc.message  # /health reports it from now on
    if exc.status >= 500:
        logger.error("%s %s: %s", request.method, request.url.path, exc.message)
    return JSONResponse({"detail": exc.message}, status_code=exc.status)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = exc.errors()
    # Only loc, msg and type: 'input' may echo a whole body and 'ctx' may hold exceptions.
    structured = [
        {"loc": list(e.get("loc", ())), "msg": str(e.get("msg", "")), "type": str(e.get("type", ""))}
        for e in errors
    ]
    return JSONResponse({"detail": one_line(errors), "errors": structured}, status_code=422)


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    # The server logs the traceback itself (Starlette re-raises after answering); one line here
    # ties it to the request.
    logger.error("%s %s failed: %s", request.method, request.url.path, type(exc).__name__)
    return JSONResponse({"detail": "internal error"}, status_code=500)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(SemsearchError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(Exception, _unexpected_error)
