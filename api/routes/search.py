"""``GET /search`` (also as a download), ``GET /search.atom`` (a feed) and ``GET /route``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from api.deps import ServiceDep
from api.downloads import download, download_responses
from api.feeds import MEDIA_TYPE, atom_feed
from api.params import ClosenessDep, ClosenessSlug, FilterDep, FormatParam, Limit, Mode, Offset
from api.schemas import RouteResponse, SearchResponse, error_responses
from semsearch.closeness import check_closeness
from semsearch.errors import InputError
from semsearch.routing import MAX_CANDIDATES

router = APIRouter(tags=["search"])

Text = Annotated[str, Query(description="The text to find precedents of: a few words or a whole draft.")]
FEED_ENTRIES = 20


# A plain ``def``: FastAPI runs it in its threadpool, so embedding the query never blocks the
# event loop and a slow search does not hold up other requests.
@router.get(
    "/search",
    response_model=SearchResponse,
    responses={**error_responses(409, 503), **download_responses()},
)
def search(
    service: ServiceDep,
    flt: FilterDep,
    closeness: ClosenessDep,
    q: Text,
    limit: Limit = 10,
    offset: Offset = 0,
    mode: Mode = None,
    fmt: FormatParam = "json",
) -> SearchResponse | Response:
    """One result per question, best first, with the passages of it that matched, its similarity
    and its precedent label ('same question', 'closely related', 'same topic'). ``format=csv`` or
    ``jsonl`` gives the page as a file to download."""
    found = service.search_page(q, limit, offset, closeness, flt=flt, mode=mode)
    if fmt != "json":
        return download(found.hits, fmt, q)
    return SearchResponse.of(found, offset, limit, query=q)


@router.get(
    "/search.atom",
    response_class=Response,
    responses={
        **error_responses(409, 503),
        200: {
            "content": {"application/atom+xml": {"schema": {"type": "string"}}},
            "description": "An Atom feed.",
        },
    },
)
def search_feed(
    request: Request,
    service: ServiceDep,
    flt: FilterDep,
    q: Text,
    closeness: Annotated[
        ClosenessSlug,
        Query(description="The least close precedent label an entry may have (default: any label)."),
    ] = "same-topic",
    mode: Mode = None,
) -> Response:
    """Follow a search in a feed reader: the newest questions (by date asked) among its results
    with at least the chosen label, the same filters as ``/search``. Entry ids are stable; an
    entry is updated when its question is answered."""
    label = check_closeness(closeness) or "same topic"
    hits = service.newest(q, label, FEED_ENTRIES, flt=flt, mode=mode)
    asked = {k: v for k, v in request.query_params.items() if v}
    base = str(request.base_url).rstrip("/")
    return Response(atom_feed(hits, asked, base, str(request.url)), media_type=MEDIA_TYPE)


@router.get("/route", response_model=RouteResponse, responses=error_responses(404, 409, 503))
def route(
    service: ServiceDep,
    flt: FilterDep,
    q: Annotated[str | None, Query(description="The draft question (or give question_id).")] = None,
    question_id: Annotated[
        str | None, Query(max_length=200, description="An indexed question, instead of a text.")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_CANDIDATES, description="Candidates to return.")] = 3,
    mode: Mode = None,
) -> RouteResponse:
    """Which minister should this go to: the addressees of the closest questions (use ``before``
    for those asked earlier), ranked, each with its share of the evidence and its precedents; by
    portfolio where the data has one, since names change."""
    if (q is None) == (question_id is None):
        raise InputError("give q (a text) or question_id, not both")
    found = service.route(q, question_id, limit, flt=flt, mode=mode)
    return RouteResponse(query=q, question_id=question_id, **found.model_dump())
