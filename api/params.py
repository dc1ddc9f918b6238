"""Query parameters shared by the routes: pagination, the ranking mode and the search filters.

The bounds and the modes are the core's (``semsearch.query``), declared here for OpenAPI.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, get_args

from fastapi import Depends, Query

from semsearch.closeness import SLUGS, check_closeness
from semsearch.filters import SearchFilter
from semsearch.query import DATE_HELP, MAX_LIMIT, MAX_OFFSET, SearchMode, parse_date

Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Number of questions in the page.")]
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Questions to skip (pagination).")]
Mode = Annotated[
    SearchMode | None,
    Query(description="Ranking: the model (dense), BM25 (sparse) or both fused (hybrid, the default)."),
]


def date_query(alias: str | None, what: str) -> Any:
    # A string checked by the core's one rule for dates, not pydantic's date, which reads a
    # number as a timestamp (from=0 would be 1970-01-01 here and refused by the CLI).
    return Query(alias=alias, max_length=40, description=f"{what} ({DATE_HELP}).", examples=["2023-09-01"])


# The dependencies are ``async def`` though they only read parameters: a plain ``def`` runs in
# the threadpool, one more thread hop per dependency and request.
async def search_filter(
    date_from: Annotated[str | None, date_query("from", "Asked on or after")] = None,
    date_to: Annotated[str | None, date_query("to", "Asked on or before")] = None,
    before: Annotated[str | None, date_query(None, "Asked strictly before")] = None,
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
        date_from=parse_date(date_from, "from"),
        date_to=parse_date(date_to, "to"),
        before=parse_date(before, "before"),
        assembly=assembly or None,
        session=session or None,
        author=author or None,
        addressee=addressee or None,
        answered=answered,
        language=language or None,
    )


FilterDep = Annotated[SearchFilter, Depends(search_filter)]


ClosenessSlug = Literal["same-question", "closely-related", "same-topic"]
assert set(SLUGS) == set(get_args(ClosenessSlug))  # the labels are listed once, in the core


async def closeness_param(
    closeness: Annotated[
        ClosenessSlug | None,
        Query(
            description="Only results with this precedent label or a closer one (among the first "
            "200 results): same-question, then closely-related, then same-topic."
        ),
    ] = None,
) -> str | None:
    return check_closeness(closeness)


ClosenessDep = Annotated[str | None, Depends(closeness_param)]
OutputFormat = Literal["json", "csv", "jsonl"]
FormatParam = Annotated[
    OutputFormat,
    Query(
        alias="format",
        description="json (the default), or csv (UTF-8 with a byte-order mark, one row per question) "
        "or jsonl (one result a line) to download.",
    ),
]
