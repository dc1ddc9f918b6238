"""Rendering routing and answer times: tables for people, JSON lines for scripts."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date

from rich.table import Table
from rich.text import Text

from semsearch.answer_times import AnswerTimes
from semsearch.cli.common import out
from semsearch.cli.output import print_line
from semsearch.routing import Routing


def _share(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.0f} %"


def print_routing(found: Routing, as_json: bool) -> None:
    if as_json:
        print_line(found.model_dump_json())
        return
    if not found.candidates:
        out.print("No precedent names an addressee: no suggestion.")
        return
    table = Table(title=f"Likely addressees, from {found.evidence} precedents", expand=True)
    table.add_column("#", justify="right", no_wrap=True)
    table.add_column("Share", justify="right", no_wrap=True)
    table.add_column("Addressee and precedents")
    for rank, c in enumerate(found.candidates, start=1):
        lines = [Text(c.addressee, style="bold")]
        if c.portfolio and c.names:
            lines.append(Text(", ".join(c.names), style="dim"))
        for p in c.precedents[:3]:
            when = p.date_asked.isoformat() if p.date_asked else "—"
            label = f" ({p.closeness})" if p.closeness else ""
            lines.append(Text(f"{when}  {p.id}  {p.title}{label}", style="cyan"))
        table.add_row(str(rank), _share(c.share), Text("\n").join(lines))
    out.print(table)


def print_answer_times(rows: Sequence[AnswerTimes], by: str, as_of: date, as_json: bool) -> None:
    if as_json:
        for row in rows:
            print_line(json.dumps(row.model_dump(mode="json"), ensure_ascii=False))
        return
    if not rows:
        out.print("No question with an addressee matches.")
        return
    table = Table(title=f"Answer times by {by} (late shares as of {as_of.isoformat()})")
    table.add_column(by.capitalize(), ratio=1, min_width=24)
    for column in ("Asked", "Answered", "Median days", "Unanswered 30 d", "Unanswered 60 d"):
        table.add_column(column, justify="right")
    for r in rows:
        name = Text(r.addressee)
        if r.also:  # a portfolio's whole title is long: its start tells it apart
            name.append("\n" + "; ".join(a if len(a) <= 60 else a[:59] + "…" for a in r.also), style="dim")
        median = "—" if r.median_days is None else f"{r.median_days:g}"
        table.add_row(
            name,
            str(r.asked),
            str(r.answered),
            median,
            _share(r.unanswered_after_30),
            _share(r.unanswered_after_60),
        )
    out.print(table)
