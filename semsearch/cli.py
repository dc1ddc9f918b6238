"""The ``semsearch`` command line: input parsing and output formatting over the search service."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from pydantic import ValidationError
from rich.console import Console

from semsearch.errors import EmptyQueryError, InputError, SemsearchError
from semsearch.filters import SearchFilter
from semsearch.settings import Settings

app = typer.Typer(
    help="Semantic search over parliamentary written questions: find the precedents of a question.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console(soft_wrap=False)
err = Console(stderr=True)

F = TypeVar("F", bound=Callable[..., Any])

IndexOpt = Annotated[
    Path | None,
    typer.Option("--index", help="Index folder (default: $SEMSEARCH_INDEX_PATH or ./.semsearch)."),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON lines, for scripts.")]
LimitOpt = Annotated[int, typer.Option("-n", "--limit", help="Number of questions to show.")]
OffsetOpt = Annotated[int, typer.Option("--offset", help="Skip this many questions (pagination).")]
DateOpt = Annotated[str | None, typer.Option(help="Date, YYYY-MM-DD or DD/MM/YYYY.")]
TextOpt = Annotated[str | None, typer.Option()]
ModeOpt = Annotated[
    str | None, typer.Option("--mode", help="dense (the model), sparse (BM25) or hybrid (both; the default).")
]
AnsweredOpt = Annotated[
    bool | None, typer.Option("--answered/--unanswered", help="Only answered, or only unanswered, questions.")
]


def fail(message: str, code: int = 1) -> typer.Exit:
    err.print(f"[red]Error:[/red] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


def handle_errors(func: F) -> F:
    """Every failure a user can cause becomes one line on stderr and a non-zero exit."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except SemsearchError as exc:
            raise fail(exc.message) from None
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise fail(f"setting {where.upper() and 'SEMSEARCH_' + where.upper()}: {first['msg']}") from None
        except KeyboardInterrupt:
            raise fail(
                "interrupted; what was indexed so far is kept: run the same command to resume", 130
            ) from None

    return wrapper  # type: ignore[return-value]


def make_settings(index: Path | None) -> Settings:
    settings = Settings()
    return settings.model_copy(update={"index_path": index}) if index is not None else settings


def open_service(index: Path | None, load_model: bool = False) -> Any:
    from semsearch.service import SearchService

    return SearchService.open(make_settings(index), load_model=load_model)


def parse_date(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(value.strip(), fmt).date()
        except ValueError:
            continue
    raise InputError(f"{option}: '{value}' is not a date (use YYYY-MM-DD)")


def build_filter(
    date_from: str | None,
    date_to: str | None,
    before: str | None,
    assembly: str | None,
    session: str | None,
    author: str | None,
    addressee: str | None,
    answered: bool | None,
) -> SearchFilter:
    return SearchFilter(
        date_from=parse_date(date_from, "--from"),
        date_to=parse_date(date_to, "--to"),
        before=parse_date(before, "--before"),
        assembly=assembly,
        session=session,
        author=author,
        addressee=addressee,
        answered=answered,
    )


@app.command()
@handle_errors
def index(
    paths: Annotated[
        list[Path], typer.Argument(help="Files and folders: .txt and .html pages, .jsonl files.")
    ],
    index: IndexOpt = None,
    strict: Annotated[bool, typer.Option("--strict", help="Stop at the first bad file or record.")] = False,
    rebuild: Annotated[
        bool, typer.Option("--rebuild", help="Delete the index first (e.g. to change the model).")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Index written questions; unchanged questions are skipped, changed ones replaced."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from indexer.pipeline import collect_files, count_records, run_index
    from semsearch.service import SearchService
    from semsearch.store import remove_store

    settings = make_settings(index)
    if rebuild:
        remove_store(settings)
    files, missing = collect_files(paths)
    with SearchService.open(settings) as service:
        service.check_model()
        progress = Progress(
            TextColumn("Indexing"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err,
            transient=True,
            disable=as_json or not err.is_terminal,
        )
        with progress:
            task = progress.add_task("index", total=count_records(files))
            summary = run_index(
                service,
                paths,
                strict=strict,
                files=files,
                on_progress=lambda n: progress.advance(task, n),
            )
    summary.errors[:0] = missing
    for message in summary.errors:
        err.print(f"[red]Error:[/red] {message}", highlight=False, soft_wrap=True)
    if as_json:
        data = dict(summary.__dict__)
        data["passages_per_second"] = round(summary.passages_per_second, 1)
        out.print(json.dumps(data, ensure_ascii=False), markup=False, highlight=False, soft_wrap=True)
    else:
        out.print(
            f"{summary.files} files, {summary.questions} questions: {summary.added} added, "
            f"{summary.updated} updated, {summary.unchanged} unchanged, {summary.duplicates} duplicates; "
            f"{summary.passages} passages embedded in {summary.seconds:.1f} s "
            f"({summary.passages_per_second:.0f}/s); {len(summary.errors)} errors",
            highlight=False,
            soft_wrap=True,
        )
    if summary.errors:
        raise typer.Exit(1)


@app.command()
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
    if not text.strip():
        raise EmptyQueryError("the query is empty: give some words to search for")
    flt = build_filter(date_from, date_to, before, assembly, session, author, addressee, answered)
    with open_service(index, load_model=mode != "sparse") as service:
        hits = service.search(text, limit=limit, offset=offset, flt=flt, mode=mode)
    from semsearch.output import print_hits

    print_hits(out, hits, as_json, offset)


@app.command()
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
    flt = build_filter(None, None, before, None, None, None, None, answered)
    with open_service(index) as service:
        hits = service.related(question_id, limit=limit, offset=offset, flt=flt, mode=mode)
    from semsearch.output import print_hits

    print_hits(out, hits, as_json, offset)


@app.command()
@handle_errors
def show(
    question_id: Annotated[str, typer.Argument(help="Id of an indexed question.")],
    as_json: JsonOpt = False,
    index: IndexOpt = None,
) -> None:
    """Print a question and its answer."""
    with open_service(index) as service:
        question = service.get(question_id)
    from semsearch.output import print_question

    print_question(out, question, as_json)


@app.command()
@handle_errors
def stats(as_json: JsonOpt = False, index: IndexOpt = None) -> None:
    """What the index holds: questions, passages, the model and the store."""
    with open_service(index) as service:
        info = service.stats()
    if as_json:
        out.print(info.model_dump_json(), markup=False, highlight=False, soft_wrap=True)
        return
    for key, value in info.model_dump().items():
        out.print(f"{key:>10}: {value}", highlight=False, soft_wrap=True)


@app.command()
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
    if as_json:
        for group in groups:
            row = [
                {"id": h.id, "title": h.title, "date_asked": str(h.date_asked), "addressee": h.addressee}
                for h in group
            ]
            out.print(json.dumps(row, ensure_ascii=False), markup=False, highlight=False, soft_wrap=True)
        return
    if not groups:
        out.print("No near-duplicate questions.")
    for n, group in enumerate(groups, start=1):
        out.print(f"[bold]Group {n}[/bold] ({len(group)} questions)", highlight=False)
        for h in group:
            out.print(
                f"  {h.id}  {h.date_asked or '—'}  → {h.addressee or '?'}  {h.title}",
                highlight=False,
                soft_wrap=True,
                markup=False,
            )


@app.command("eval")
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
    from rich.table import Table

    from semsearch.evaluation import METRICS, evaluate, load_labels, ranked_ids
    from semsearch.service import SEARCH_MODES

    chosen = modes or list(SEARCH_MODES)
    unknown = [m for m in chosen if m not in SEARCH_MODES]
    if unknown:
        raise InputError(f"--mode {unknown[0]}: choose among {', '.join(SEARCH_MODES)}")
    labels = load_labels(labels_file)
    with open_service(index) as service:
        reports = evaluate(labels, chosen, lambda label, mode: ranked_ids(service, label, mode))
    if as_json:
        for r in reports:
            row = {"mode": r.mode, "subset": r.subset, "queries": r.queries}
            row.update({k: round(v, 4) for k, v in r.means().items()})
            out.print(json.dumps(row), markup=False, highlight=False, soft_wrap=True)
        return
    table = Table(title=f"{labels_file.name}: {len(labels)} labelled queries")
    for column in ("subset", "mode", "queries", *METRICS):
        table.add_column(column, justify="left" if column in {"subset", "mode"} else "right")
    for r in sorted(reports, key=lambda r: (r.subset != "all", r.subset, chosen.index(r.mode))):
        table.add_row(r.subset, r.mode, str(r.queries), *(f"{v:.3f}" for v in r.means().values()))
    out.print(table)


@app.command()
@handle_errors
def migrate(
    to: Annotated[str, typer.Option("--to", help="URL of the Qdrant server, e.g. http://localhost:6333.")],
    api_key: Annotated[
        str | None, typer.Option("--api-key", help="The server's API key (or SEMSEARCH_QDRANT_API_KEY).")
    ] = None,
    index: IndexOpt = None,
) -> None:
    """Copy the embedded index to a Qdrant server (no re-embedding), then check the counts."""
    from semsearch.migrate import migrate_index

    report = migrate_index(make_settings(index), to, api_key=api_key)
    out.print(
        f"Copied {report.questions} questions ({report.points} passages) from {report.source} to "
        f"{report.target} in {report.seconds:.1f} s; counts match.",
        highlight=False,
        soft_wrap=True,
    )


@app.command()
@handle_errors
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes (more than 1 needs a Qdrant server).")] = 1,
    index: IndexOpt = None,
) -> None:
    """Serve the HTTP API, the search page (/) and the related-questions widget (/widget.js)."""
    from api.server import serve as run_server

    run_server(make_settings(index), host=host, port=port, workers=workers)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
