"""The ``semsearch`` Typer application: the commands, in the order ``--help`` lists them."""

from __future__ import annotations

import typer

from semsearch.cli import index_commands, query_commands, view_commands

app = typer.Typer(
    help="Semantic search over parliamentary written questions: find the precedents of a question.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.command()(index_commands.index)
app.command()(query_commands.search)
app.command()(query_commands.related)
app.command()(query_commands.show)
app.command()(view_commands.route)
app.command()(view_commands.stats)
app.command()(query_commands.duplicates)
app.command("eval")(query_commands.evaluate_labels)
app.command()(index_commands.check)
app.command()(index_commands.migrate)
app.command()(index_commands.serve)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
