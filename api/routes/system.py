"""``GET /health`` and ``GET /stats``."""

from __future__ import annotations

import logging
from collections.abc import Callable

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from api.deps import ServiceDep
from api.schemas import HealthResponse, StatsResponse
from semsearch.errors import SemsearchError

router = APIRouter(tags=["system"])
logger = logging.getLogger("semsearch.api")


def _check(probe: Callable[[], object]) -> str:
    try:
        probe()
    except SemsearchError as exc:
        return exc.message
    except Exception:  # a health check reports, it never fails
        logger.exception("health check failed")
        return "unavailable (see the server's log)"
    return "ok"


@router.get(
    "/health",
    response_model=HealthResponse,
    responses={503: {"model": HealthResponse, "description": "The store or the model is unusable."}},
)
def health(request: Request, service: ServiceDep) -> JSONResponse:
    """200 when the store answers and the model loads and fits the index, else 503 saying which fails.

    A damaged index stays reported once a request has met it (a probe reads only a sample)."""
    store = getattr(request.app.state, "damage", None) or _check(service.probe)
    # Loads the model once (the lifespan has usually done it) and checks it against the index.
    model = _check(lambda: service.embedder)
    ok = store == "ok" and model == "ok"
    body = HealthResponse(status="ok" if ok else "error", store=store, model=model)
    return JSONResponse(body.model_dump(), status_code=200 if ok else 503)


@router.get("/stats", response_model=StatsResponse)
def stats(service: ServiceDep) -> StatsResponse:
    """What the index holds. (The index's location stays on the server.)"""
    info = service.stats()
    return StatsResponse(
        questions=info.questions,
        passages=info.passages,
        answered=info.answered,
        model=info.model,
        dimension=info.dimension,
        store=info.store,
    )
