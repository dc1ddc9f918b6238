"""``create_app(settings)``: the FastAPI application over one shared search service."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.concurrency import run_in_threadpool
from fastapi.middleware.cors import CORSMiddleware
from fastapi.staticfiles import StaticFiles

from api.errors import install_error_handlers
from api.limits import BodySizeLimit
from api.ratelimit import RateLimit, rate_limit_config
from api.routes import pages, questions, search, system
from semsearch.errors import StoreUnavailableError
from semsearch.service import SearchService
from semsearch.settings import Settings
from semsearch.store import serving

logger = logging.getLogger("semsearch.api")

DESCRIPTION = """Semantic search over parliamentary written questions: find the precedents of a question.

Reads are open. `POST /questions` and `DELETE /questions/{id}` need the server's `SEMSEARCH_API_KEY`,
as an `X-API-Key` header or `Authorization: Bearer …`; without a key set on the server, writes are refused.
Every error is `{"detail": "<one line>"}`."""


def open_service(settings: Settings, warm: bool = True) -> SearchService:
    """Open the store, refuse an index built with another model, and (``warm``) load the models
    now, while the store opens, so that the first request is not the slow one."""
    # Nothing is created for an index that does not exist yet: it is made by the first write, or
    # by 'semsearch index' in the meantime (read once it is there).
    service = SearchService.open(settings, load_model=warm, create=False)
    try:
        service.check_model()
        if warm and service.store.read_meta() is not None:
            # A write a crash cut (a killed server) is finished or removed before any request.
            recovered = service.recover()
            if recovered.finished or recovered.removed:
                logger.warning(
                    "finished %d and removed %d unfinished writes",
                    len(recovered.finished),
                    len(recovered.removed),
                )
            service.embed_query("warm up")
            service.embed_whole("warm up")
            service.warm_store()
    except StoreUnavailableError as exc:
        # A Qdrant server that is down at start-up: serve anyway, /health says so, and
        # requests work again as soon as it is back.
        logger.warning("starting without the store: %s", exc.message)
    except BaseException:
        service.close()
        raise
    return service


def create_app(
    settings: Settings, service: SearchService | None = None, announce: str | None = None
) -> FastAPI:
    """The API. A ``service`` passed in (``serve`` opens it before listening; tests) is used as
    is and left open; otherwise the lifespan opens one at start-up, shares it between requests and
    closes it at shutdown. ``announce``: the URL it answers at, written beside the embedded index
    while it holds it."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        opened = service if service is not None else await run_in_threadpool(open_service, settings)
        app.state.service = opened
        if announce is not None:
            serving.announce(settings.index_path, announce)
        try:
            yield
        finally:
            if announce is not None:
                serving.withdraw(settings.index_path)
            if service is None:
                await run_in_threadpool(opened.close)

    app = FastAPI(title="semsearch", version="0.1.0", description=DESCRIPTION, lifespan=lifespan)
    app.state.settings = settings
    app.state.service = service
    install_error_handlers(app)
    for module in (search, questions, system, pages):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=pages.STATIC), name="static")
    if settings.cors_origins:
        # The widget only reads; no credentials, so no cookie of the host page is ever sent.
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET"],
            allow_credentials=False,
            max_age=600,
        )
    # Added late, so it runs early: a refused body is never read.
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    per_second, burst = rate_limit_config(settings)
    if per_second > 0:
        # Added last, so it runs first: a client over its limit costs nothing more.
        app.add_middleware(RateLimit, per_second=per_second, burst=burst)
    return app
