"""``GET /search``: the questions closest to a text."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import ServiceDep
from api.params import FilterDep, Limit, Mode, Offset
from api.schemas import SearchResponse, error_responses

router = APIRouter(tags=["search"])


# A plain ``def``: FastAPI runs it in its threadpool, so embedding the query never blocks the
# event loop and a slow search does not hold up other requests.
@router.get("/search", response_model=SearchResponse, responses=error_responses(409, 503))
def search(
    service: ServiceDep,
    flt: FilterDep,
    q: Annotated[str, Query(description="The text to find precedents of: a few words or a whole draft.")],
    limit: Limit = 10,
    offset: Offset = 0,
    mode: Mode = None,
) -> SearchResponse:
    """One result per question, best first, with the passages of it that matched, its similarity
    and its precedent label ('same question', 'closely related', 'same topic')."""
    found = service.search_page(q, limit=limit, offset=offset, flt=flt, mode=mode)
    return SearchResponse.of(found, offset, limit, query=q)
