"""``python -m semsearch.cli``: the same as the ``semsearch`` command."""

from semsearch.cli.entry import main

main()
