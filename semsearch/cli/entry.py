"""The ``semsearch`` command's entry point.

Importing the CLI takes a moment (typer, rich, numpy, the engine); a Ctrl-C during those imports
would otherwise print a traceback, since the CLI's own error handling is not in place yet.
"""

from __future__ import annotations

import sys


def main() -> None:
    try:
        from semsearch.cli.app import main as run
    except KeyboardInterrupt:
        print("Error: interrupted", file=sys.stderr)
        sys.exit(130)
    run()
