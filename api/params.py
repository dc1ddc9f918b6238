"""Query parameters shared by the routes: pagination and the search filters."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated, Literal

from fastapi import Depends, Query

from semsearch.filters import SearchFilter
from semsearch.models import SearchHit

MAX_LIMIT = 100
MAX_OFFSET = 10_000

Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Number of questions in the page.")]
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Questions to skip (pagination).")]
Mode = Annotated[
    Literal["dense", "sparse", "hybrid"] | None,
    Query(description="Ranking: the model (dense), BM25 (sparse) or both fused (hybrid, the default)."),
]


def search_filter(
    date_from: Annotated[
        date | None, Query(alias="from", description="Asked on or after (YYYY-MM-DD).")
    ] = None,
    date_to: Annotated[date | None, Query(alias="to", description="Asked on or before (YYYY-MM-DD).")] = None,
    before: Annotated[date | None, Query(description="Asked strictly before (YYYY-MM-DD).")] = None,
    assembly: Annotated[str | None, Query(max_length=200, examples=["Parlement Wallon"])] = None,
    session: Annotated[str | None, Query(max_length=50, examples=["2022-2023"])] = None,
    author: Annotated[str | None, Query(max_length=300, description="Words of the author's name.")] = None,
    addressee: Annotated[
        str | None, Query(max_length=300, description="Words of the minister's name or function.")
    ] = None,
    answered: Annotated[bool | None, Query(description="Only answered (true) or unanswered (false).")] = None,
    language: Annotated[str | None, Query(max_length=10, examples=["fr"])] = None,
) -> SearchFilter:
    return SearchFilter(
        date_from=date_from,
        date_to=date_to,
        before=before,
        assembly=assembly or None,
        session=session or None,
        author=author or None,
        addressee=addressee or None,
        answered=answered,
        language=language or None,
    )


FilterDep = Annotated[SearchFilter, Depends(search_filter)]


def page(
    fetch: Callable[[int, int], list[SearchHit]], limit: int, offset: int
) -> tuple[list[SearchHit], int | None]:
    """A page of hits and the offset of the next one (None on the last page).

    One hit more than asked tells whether a next page exists; at the largest limit, where the
    core refuses one more, a one-hit probe of the next page does.
    """
    following = offset + limit
    if limit < MAX_LIMIT:
        hits = fetch(limit + 1, offset)
        more = len(hits) > limit
        hits = hits[:limit]
    else:
        hits = fetch(limit, offset)
        more = len(hits) == limit and following <= MAX_OFFSET and bool(fetch(1, following))
    return hits, (following if more and following <= MAX_OFFSET else None)
