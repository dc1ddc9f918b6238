"""The commands that build, check, copy or serve an index: ``index``, ``check``, ``migrate``, ``serve``.

The faces they wire to the core (the indexer, the API) are imported inside each command, so that
``semsearch --help`` and the other commands never load them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from semsearch.cli.common import CommandProcess, IndexOpt, closing, err, handle_errors, make_settings, out
from semsearch.cli.output import print_check_report, print_index_summary
from semsearch.cli.safe_text import shown


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
    with closing(SearchService.open(settings)) as service:
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
    print_index_summary(summary, as_json)
    if summary.errors:
        raise typer.Exit(1)


@handle_errors
def check(
    repair: Annotated[
        bool,
        typer.Option(
            "--repair",
            help="Finish or remove unfinished writes, remove stale passages and damaged questions.",
        ),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    index: IndexOpt = None,
) -> None:
    """Verify the index passage by passage (exit status 1 when anything is wrong)."""
    from semsearch.errors import StoreUnavailableError
    from semsearch.service import SearchService

    settings = make_settings(index)
    if not settings.qdrant_url and not settings.index_path.is_dir():
        raise StoreUnavailableError(f"there is no index in {settings.index_path}")
    with closing(SearchService.open(settings, create=repair)) as service:
        report = service.check(repair)
    print_check_report(report, as_json)
    if not report.exact:
        raise typer.Exit(1)


@handle_errors
def migrate(
    to: Annotated[str, typer.Option("--to", help="URL of the Qdrant server, e.g. http://localhost:6333.")],
    api_key: Annotated[
        str | None, typer.Option("--api-key", help="The server's API key (or SEMSEARCH_QDRANT_API_KEY).")
    ] = None,
    index: IndexOpt = None,
) -> None:
    """Copy the embedded index to a Qdrant server (no re-embedding), then check the counts."""
    from semsearch.cli.progress import progress_bar
    from semsearch.migrate import migrate_index

    with progress_bar("Copying passages") as bar:
        report = migrate_index(make_settings(index), to, api_key=api_key, on_progress=bar.advance)
    out.print(
        shown(
            f"Copied {report.questions} questions ({report.points} passages) from {report.source} to "
            f"{report.target} in {report.seconds:.1f} s; counts match."
        ),
        markup=False,
        highlight=False,
        soft_wrap=True,
    )


@handle_errors
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes (more than 1 needs a Qdrant server).")] = 1,
    index: IndexOpt = None,
) -> None:
    """Serve the HTTP API, the search page (/) and the related-questions widget (/widget.js)."""
    from api.server import serve as run_server

    run_server(
        make_settings(index),
        host=host,
        port=port,
        workers=workers,
        leave_cached=CommandProcess.ends_with_command,
    )
