"""Query parameters shared by the routes: pagination, the ranking mode and the search filters.

The bounds and the modes are the core's (``semsearch.query``), declared here for OpenAPI.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Depends, Query

from semsearch.filters import SearchFilter
from semsearch.query import MAX_LIMIT, MAX_OFFSET, SearchMode

Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Number of questions in the page.")]
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Questions to skip (pagination).")]
Mode = Annotated[
    SearchMode | None,
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
