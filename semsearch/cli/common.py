"""What the commands share: the consoles, the options, the settings, filters and one-line errors."""

from __future__ import annotations

import functools
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from pydantic import ValidationError
from rich.console import Console

from semsearch.cli.safe_text import markup_escaped
from semsearch.errors import EmptyIndexError, SemsearchError
from semsearch.filters import SearchFilter
from semsearch.query import parse_date
from semsearch.settings import Settings

if TYPE_CHECKING:
    from semsearch.service import SearchService

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
TextOpt = Annotated[str | None, typer.Option()]
ModeOpt = Annotated[
    str | None, typer.Option("--mode", help="dense (the model), sparse (BM25) or hybrid (both; the default).")
]
AnsweredOpt = Annotated[
    bool | None, typer.Option("--answered/--unanswered", help="Only answered, or only unanswered, questions.")
]


def print_error(message: str) -> None:
    err.print(f"[red]Error:[/red] {markup_escaped(message)}", highlight=False, soft_wrap=True)


def print_warning(message: str) -> None:
    err.print(f"[yellow]Warning:[/yellow] {markup_escaped(message)}", highlight=False, soft_wrap=True)


def summary(text: str, quiet_stdout: bool) -> None:
    """A long command's closing line: on stdout for people, on stderr beside JSON for scripts."""
    (err if quiet_stdout else out).print(text, highlight=False, soft_wrap=True, markup=False)


def fail(message: str, code: int = 1) -> typer.Exit:
    print_error(message)
    return typer.Exit(code)


class Terminated(BaseException):
    """SIGTERM (a service manager, ``kill``): stopped as Ctrl-C stops, with one line."""


def _terminate(signum: int, frame: object) -> None:
    raise Terminated


@contextmanager
def terminable() -> Iterator[None]:
    """SIGTERM raises :class:`Terminated` while the command runs (``serve``'s uvicorn replaces
    this with its own graceful shutdown)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


_RESUME = "what was indexed so far is kept: run the same command to resume"


def handle_errors(func: F) -> F:
    """Every failure a user can cause becomes one line on stderr and a non-zero exit."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            with terminable():
                return func(*args, **kwargs)
        except SemsearchError as exc:
            raise fail(exc.message) from None
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise fail(f"setting {where.upper() and 'SEMSEARCH_' + where.upper()}: {first['msg']}") from None
        except KeyboardInterrupt:
            raise fail(f"interrupted; {_RESUME}", 130) from None
        except Terminated:
            raise fail(f"terminated; {_RESUME}", 143) from None

    return wrapper  # type: ignore[return-value]


def make_settings(index: Path | None) -> Settings:
    settings = Settings()
    return settings.model_copy(update={"index_path": index}) if index is not None else settings


class CommandProcess:
    """Whether a command's process ends with it. The ``semsearch`` entry point says so; a test's
    ``CliRunner`` runs commands in a process that goes on, and may open the same index again."""

    ends_with_command = False


@contextmanager
def open_service(index: Path | None, load_model: bool = False) -> Iterator[SearchService]:
    """The service over an index to read: a missing or empty one is refused in one line saying
    how to build it, and nothing is created (not even the index folder); a read-only folder can
    be read. Closed after the command (``closing``)."""
    # Imported here: `semsearch --help` does not need the engine and the model code.
    from semsearch.service import SearchService
    from semsearch.store import surely_missing

    settings = make_settings(index)
    build = f"semsearch index{f' --index {index}' if index is not None else ''} FILES_OR_FOLDERS"
    if surely_missing(settings):  # before the model starts loading for nothing
        raise EmptyIndexError(str(settings.index_path), True, build)
    with closing(SearchService.open(settings, load_model=load_model, create=False)) as service:
        if service.store.exclusive:
            # No other process can be writing: a write a crash cut is finished (or removed) now,
            # so that even a search right after the crash sees every question whole.
            service.recover()
        service.require_index(build)
        yield service


@contextmanager
def closing(service: SearchService) -> Iterator[SearchService]:
    """The service, closed after the command: leaving the index's files in the page cache for the
    next command when the process ends with this one (``Store.close``)."""
    try:
        yield service
    finally:
        service.close(leave_cached=CommandProcess.ends_with_command)


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
