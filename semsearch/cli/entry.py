"""The ``semsearch`` command's entry point.

Importing the CLI takes a moment (typer, rich, numpy, the engine); a Ctrl-C during those imports
would otherwise print a traceback, since the CLI's own error handling is not in place yet.
"""

from __future__ import annotations

import atexit
import ctypes
import os
import sys
from typing import NoReturn

_M_ARENA_MAX = -8  # glibc's mallopt parameter


def few_arenas(default: int = 2) -> None:
    """Cap glibc's malloc arenas, before any thread starts. It gives each thread that contends for
    memory an arena of its own, up to eight per core, and what one frees stays in it: serving
    8 clients, the server kept 40-150 MiB more with the default (docs/performance.md). The
    environment variable carries the cap to the server's worker processes (``--workers``), which
    start afresh; a value the user set wins. A C library without ``mallopt`` is left alone."""
    chosen = os.environ.get("MALLOC_ARENA_MAX", "")
    count = int(chosen) if chosen.isdigit() else default
    os.environ["MALLOC_ARENA_MAX"] = str(count)
    try:
        ctypes.CDLL(None).mallopt(_M_ARENA_MAX, count)
    except (OSError, AttributeError):
        pass


def main() -> None:
    few_arenas()
    try:
        from semsearch.cli.app import main as run
        from semsearch.cli.common import CommandProcess
    except KeyboardInterrupt:
        print("Error: interrupted", file=sys.stderr)
        sys.exit(130)
    CommandProcess.ends_with_command = True
    try:
        run()
    except SystemExit as done:
        end(done.code)
    end(0)


def end(code: object) -> NoReturn:
    """Exit without the interpreter's teardown: after a cold ``semsearch search`` it spent
    0.16-0.18 s freeing the models and the modules object by object (docs/performance.md), work
    the system does at once as the process ends. What was registered to run at exit still runs
    (``atexit``: logging's last flush, temporary folders' removal), and the output is flushed; a
    reader that has gone (``| head``) is not an error. Threads still running (a model loading for
    a command that failed before it needed it) are not waited for."""
    status = code if isinstance(code, int) else 0 if code is None else 1
    if not isinstance(code, int | None):
        print(code, file=sys.stderr)
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(status)
