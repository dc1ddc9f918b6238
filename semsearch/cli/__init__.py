"""The ``semsearch`` command line: the composition root, apart from the core it wires together.

``entry`` (the console script's entry point), ``app`` (the Typer application), ``common``
(options, settings, one-line errors), ``index_commands`` and ``query_commands`` (the commands),
``output`` (tables for people, JSON lines for scripts). Kept light: the entry point imports this
package before its Ctrl-C guard is in place.
"""
