"""The commands that read an index: ``search``, ``related``, ``show``, ``stats``, ``duplicates``, ``eval``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

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
    open_service,
)
from semsearch.cli.output import print_duplicates, print_evaluation, print_page, print_question, print_stats
from semsearch.query import SEARCH_MODES, SearchMode, check_mode, query_text


def _mode(mode: str | None) -> SearchMode | None:
    return check_mode(mode, "--mode") if mode is not None else None


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
) -> None:
    """Find the questions closest to a text: one result per question, with the passages that matched."""
    text = sys.stdin.read() if query == "-" else query
    query_text(text)  # the core's rule, checked before the index is opened and the model loaded
    chosen = _mode(mode)
    flt = build_filter(date_from, date_to, before, assembly, session, author, addressee, answered)
    with open_service(index, load_model=chosen != "sparse") as service:
        found = service.search_page(text, limit=limit, offset=offset, flt=flt, mode=chosen)
    print_page(found, as_json, offset)


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
) -> None:
    """The precedents of an indexed question: the questions closest to it, itself excluded."""
    chosen = _mode(mode)
    flt = build_filter(None, None, before, None, None, None, None, answered)
    with open_service(index) as service:
        found = service.related_page(question_id, limit=limit, offset=offset, flt=flt, mode=chosen)
    print_page(found, as_json, offset)


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
def stats(as_json: JsonOpt = False, index: IndexOpt = None) -> None:
    """What the index holds: questions, passages, the model and the store."""
    with open_service(index) as service:
        info = service.stats()
    print_stats(info, as_json)


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
    with open_service(index) as service:
        groups = service.duplicates(threshold)
    print_duplicates(groups, as_json)


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
    with open_service(index) as service:
        reports = evaluate(labels, chosen, lambda label, mode: ranked_ids(service, label, mode))
    print_evaluation(reports, chosen, f"{labels_file.name}: {len(labels)} labelled queries", as_json)
