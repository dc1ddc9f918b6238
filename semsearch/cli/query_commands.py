"""The commands that read an index: ``search``, ``related``, ``show``, ``stats``, ``duplicates``, ``eval``."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any
from urllib.parse import quote

import typer

from semsearch.cli.common import (
    AnsweredOpt,
    IndexOpt,
    JsonOpt,
    LimitOpt,
    ModeOpt,
    OffsetOpt,
    TextOpt,
    build_filter,
    handle_errors,
    make_settings,
    open_service,
    summary,
)
from semsearch.cli.output import print_duplicates, print_evaluation, print_page, print_question
from semsearch.cli.progress import progress_bar
from semsearch.closeness import SLUGS, check_closeness
from semsearch.errors import InputError
from semsearch.export import EXPORT_FORMATS
from semsearch.filters import SearchFilter
from semsearch.query import SEARCH_MODES, SearchMode, check_mode, query_text

if TYPE_CHECKING:
    from semsearch.results import Page

FormatOpt = Annotated[
    str | None,
    typer.Option(
        "--format",
        help=f"table (the default), or {' or '.join(EXPORT_FORMATS)} to export (CSV: UTF-8 with a BOM).",
    ),
]
ClosenessOpt = Annotated[
    str | None,
    typer.Option(
        "--closeness", help=f"Only results with this precedent label or a closer one: {', '.join(SLUGS)}."
    ),
]


def _served(index: Path | None, route: str, flt: SearchFilter, asked: dict[str, Any]) -> Page | None:
    """The page from the `semsearch serve` holding the index, or None (then the index is opened)."""
    from semsearch.cli.remote import remote_page, server_of  # not for `semsearch --help`

    url = server_of(make_settings(index))
    return remote_page(url, route, flt, **asked) if url else None


def _mode(mode: str | None) -> SearchMode | None:
    return check_mode(mode, "--mode") if mode is not None else None


def _format(fmt: str | None, as_json: bool) -> str:
    """table, csv or jsonl; ``--json`` is ``--format jsonl``."""
    if fmt is None:
        return "jsonl" if as_json else "table"
    if fmt not in ("table", *EXPORT_FORMATS):
        raise InputError(f"--format '{fmt}': choose among table, {', '.join(EXPORT_FORMATS)}")
    return fmt


@handle_errors
def search(
    query: Annotated[str, typer.Argument(help="The query, or - to read it from standard input.")],
    limit: LimitOpt = 10,
    offset: OffsetOpt = 0,
    as_json: JsonOpt = False,
    index: IndexOpt = None,
    date_from: Annotated[str | None, typer.Option("--from", help="Asked on or after (YYYY-MM-DD).")] = None,
    date_to: Annotated[str | None, typer.Option("--to", help="Asked on or before.")] = None,
    before: Annotated[str | None, typer.Option("--before", help="Asked strictly before this date.")] = None,
    assembly: TextOpt = None,
    session: TextOpt = None,
    author: Annotated[str | None, typer.Option(help="Words of the author's name.")] = None,
    addressee: Annotated[str | None, typer.Option(help="Words of the minister's name or function.")] = None,
    answered: AnsweredOpt = None,
    mode: ModeOpt = None,
    closeness: ClosenessOpt = None,
    fmt: FormatOpt = None,
) -> None:
    """Find the questions closest to a text: one result per question, with the passages that matched.

    When a `semsearch serve` holds the index, it is asked (over HTTP): the answer comes at once.
    """
    text = sys.stdin.read() if query == "-" else query
    query_text(text)  # the core's rule, checked before the index is opened and the model loaded
    chosen, shown, label = _mode(mode), _format(fmt, as_json), check_closeness(closeness, "--closeness")
    flt = build_filter(date_from, date_to, before, assembly, session, author, addressee, answered)
    asked = {"q": text, "limit": limit, "offset": offset, "mode": chosen, "closeness": closeness}
    found = _served(index, "/search", flt, asked)
    if found is None:
        with open_service(index, load_model=chosen != "sparse") as service:
            found = service.search_page(text, limit, offset, label, flt=flt, mode=chosen)
    print_page(found, shown, offset)


@handle_errors
def related(
    question_id: Annotated[str, typer.Argument(help="Id of an indexed question.")],
    limit: LimitOpt = 10,
    offset: OffsetOpt = 0,
    as_json: JsonOpt = False,
    index: IndexOpt = None,
    before: Annotated[
        str | None, typer.Option("--before", help="Only questions asked before this date.")
    ] = None,
    answered: AnsweredOpt = None,
    mode: ModeOpt = None,
    closeness: ClosenessOpt = None,
    fmt: FormatOpt = None,
) -> None:
    """The precedents of an indexed question: the questions closest to it, itself excluded.

    When a `semsearch serve` holds the index, it is asked (over HTTP).
    """
    chosen, shown, label = _mode(mode), _format(fmt, as_json), check_closeness(closeness, "--closeness")
    flt = build_filter(None, None, before, None, None, None, None, answered)
    asked = {"limit": limit, "offset": offset, "mode": chosen, "closeness": closeness}
    found = _served(index, f"/questions/{quote(question_id, safe='')}/related", flt, asked)
    if found is None:
        with open_service(index) as service:
            found = service.related_page(question_id, limit, offset, label, flt=flt, mode=chosen)
    print_page(found, shown, offset)


@handle_errors
def show(
    question_id: Annotated[str, typer.Argument(help="Id of an indexed question.")],
    as_json: JsonOpt = False,
    index: IndexOpt = None,
) -> None:
    """Print a question and its answer."""
    with open_service(index) as service:
        question = service.get(question_id)
    print_question(question, as_json)


@handle_errors
def duplicates(
    threshold: Annotated[
        float | None,
        typer.Option(help="Similarity from which two questions are duplicates (default: calibrated)."),
    ] = None,
    as_json: JsonOpt = False,
    index: IndexOpt = None,
) -> None:
    """List groups of near-duplicate questions (the same question asked again or to several ministers)."""
    started = time.perf_counter()
    with open_service(index) as service, progress_bar("Comparing questions", quiet=as_json) as bar:
        groups = service.duplicates(threshold, on_progress=bar.duplicates)
        checked = service.stats().questions
    print_duplicates(groups, as_json)
    in_groups = sum(len(g) for g in groups)
    summary(
        f"{len(groups)} groups of near-duplicates ({in_groups} questions) among {checked} questions, "
        f"in {_seconds(time.perf_counter() - started)}",
        as_json,
    )


@handle_errors
def evaluate_labels(
    labels_file: Annotated[
        Path, typer.Argument(help="Label file (JSON Lines), e.g. eval/labels/wallonia_fr.jsonl.")
    ],
    modes: Annotated[
        list[str] | None, typer.Option("--mode", help="dense, sparse or hybrid (repeat; default: all three).")
    ] = None,
    as_json: JsonOpt = False,
    index: IndexOpt = None,
) -> None:
    """Run labelled queries against an index: hit@1/3/10, MRR@10, nDCG@10 and recall@10 per mode."""
    from semsearch.evaluation import evaluate, load_labels, ranked_ids

    chosen = [check_mode(m, "--mode") for m in modes] if modes else list(SEARCH_MODES)
    labels = load_labels(labels_file)
    started = time.perf_counter()
    runs = len(labels) * len(chosen)
    with open_service(index) as service, progress_bar("Evaluating", runs, quiet=as_json) as bar:
        reports = evaluate(labels, chosen, lambda label, mode: ranked_ids(service, label, mode), bar.advance)
    print_evaluation(reports, chosen, f"{labels_file.name}: {len(labels)} labelled queries", as_json)
    summary(
        f"{len(labels)} queries in {len(chosen)} modes ({runs} searches) in "
        f"{_seconds(time.perf_counter() - started)}",
        as_json,
    )


def _seconds(seconds: float) -> str:
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest} s" if minutes else f"{seconds:.1f} s"
