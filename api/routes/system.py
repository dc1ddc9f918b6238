"""``GET /health`` and ``GET /stats``."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from api.deps import ServiceDep
from api.params import date_query
from api.schemas import AnswerTimesResponse, HealthResponse, StatsResponse, error_responses
from semsearch.answer_times import Grouping
from semsearch.errors import SemsearchError
from semsearch.filters import SearchFilter
from semsearch.query import parse_date

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
    """200 when the store answers and the model loads and fits the index, else 503 saying which
    fails. An index that is missing or empty is said in ``index``, not an error: the server can
    be filled through ``POST /questions``. A damaged index stays reported once a request has met
    it (a probe reads only a sample)."""
    store = getattr(request.app.state, "damage", None) or _check(service.probe)
    # Loads the model once (the lifespan has usually done it) and checks it against the index.
    model = _check(lambda: service.embedder)
    index = _check(service.require_index) if store == "ok" else store
    ok = store == "ok" and model == "ok"
    body = HealthResponse(status="ok" if ok else "error", store=store, model=model, index=index)
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


@router.get("/stats/addressees", response_model=AnswerTimesResponse, responses=error_responses(503))
def answer_times(
    service: ServiceDep,
    by: Annotated[
        Grouping, Query(description="Rows per minister (addressee) or per portfolio.")
    ] = "addressee",
    date_from: Annotated[str | None, date_query("from", "Asked on or after")] = None,
    date_to: Annotated[str | None, date_query("to", "Asked on or before")] = None,
    assembly: Annotated[str | None, Query(max_length=200, examples=["Parlement Wallon"])] = None,
    session: Annotated[str | None, Query(max_length=50, examples=["2023-2024"])] = None,
    as_of: Annotated[
        str | None, date_query("as_of", "The day the 30- and 60-day shares are counted at (today)")
    ] = None,
) -> AnswerTimesResponse:
    """Answer times per addressee (or portfolio), of the questions asked in a session or a date
    range: asked, answered, the median days to an answer, and the share still unanswered 30 and 60
    days after being asked. Answers of an unknown date count as answered, not in the delays."""
    flt = SearchFilter(
        date_from=parse_date(date_from, "from"),
        date_to=parse_date(date_to, "to"),
        assembly=assembly or None,
        session=session or None,
    )
    day = parse_date(as_of, "as_of") or date.today()
    return AnswerTimesResponse(by=by, as_of=day, rows=service.answer_times(by, day, flt))
