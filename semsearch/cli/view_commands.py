"""The commands that read more than results: ``stats`` (with answer times) and ``route``."""

from __future__ import annotations

import sys
from datetime import date
from typing import Annotated

import typer

from semsearch.cli.common import (
    IndexOpt,
    JsonOpt,
    ModeOpt,
    TextOpt,
    build_filter,
    handle_errors,
    open_service,
)
from semsearch.cli.output import print_stats
from semsearch.cli.view_output import print_answer_times, print_routing
from semsearch.errors import InputError
from semsearch.query import check_mode, parse_date, query_text

FromOpt = Annotated[str | None, typer.Option("--from", help="Asked on or after (YYYY-MM-DD).")]
ToOpt = Annotated[str | None, typer.Option("--to", help="Asked on or before.")]


@handle_errors
def stats(
    as_json: JsonOpt = False,
    index: IndexOpt = None,
    by: Annotated[
        str | None,
        typer.Option("--by", help="addressee or portfolio: answer times per minister, or per portfolio."),
    ] = None,
    date_from: FromOpt = None,
    date_to: ToOpt = None,
    assembly: TextOpt = None,
    session: TextOpt = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="The day the 30- and 60-day shares are counted at (today).")
    ] = None,
) -> None:
    """What the index holds; with --by, answer times: asked, answered, median days, late shares."""
    from semsearch.answer_times import check_grouping

    flt = build_filter(date_from, date_to, None, assembly, session, None, None, None)
    day = parse_date(as_of, "--as-of") or date.today()
    if by is None:
        if not flt.is_empty() or as_of is not None:
            raise InputError(
                "--from, --to, --assembly, --session and --as-of go with --by addressee|portfolio"
            )
        with open_service(index) as service:
            print_stats(service.stats(), as_json)
        return
    grouping = check_grouping(by, "--by")
    with open_service(index) as service:
        rows = service.answer_times(grouping, day, flt)
    print_answer_times(rows, grouping, day, as_json)


@handle_errors
def route(
    query: Annotated[
        str | None, typer.Argument(help="The draft question, or - to read it from standard input.")
    ] = None,
    question_id: Annotated[
        str | None, typer.Option("--id", help="An indexed question instead of a text.")
    ] = None,
    limit: Annotated[int, typer.Option("-n", "--limit", help="Candidates to show (1-10).")] = 3,
    as_json: JsonOpt = False,
    index: IndexOpt = None,
    date_from: FromOpt = None,
    date_to: ToOpt = None,
    before: Annotated[
        str | None, typer.Option("--before", help="Only questions asked before this date as evidence.")
    ] = None,
    assembly: TextOpt = None,
    session: TextOpt = None,
    mode: ModeOpt = None,
) -> None:
    """Which minister should a question go to: the addressees of the closest questions, ranked, each
    with its share of the evidence and the precedents behind it."""
    if (query is None) == (question_id is None):
        raise InputError("give a text (or - for standard input) or --id QUESTION_ID, not both")
    text = (sys.stdin.read() if query == "-" else query) if query is not None else None
    if text is not None:
        query_text(text)
    chosen = check_mode(mode, "--mode") if mode is not None else None
    flt = build_filter(date_from, date_to, before, assembly, session, None, None, None)
    with open_service(index, load_model=chosen != "sparse" and text is not None) as service:
        found = service.route(text, question_id, limit, flt=flt, mode=chosen)
    print_routing(found, as_json)
