"""Rendering results for people (rich tables) and for scripts (JSON lines)."""

from __future__ import annotations

import json
from collections.abc import Sequence

from pydantic import BaseModel
from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from semsearch.models import Question, QuestionSummary, SearchHit


def json_lines(items: Sequence[BaseModel]) -> str:
    return "\n".join(json.dumps(i.model_dump(mode="json"), ensure_ascii=False) for i in items)


def _date(value: object) -> str:
    return value.strftime("%d/%m/%Y") if hasattr(value, "strftime") else "—"


def meta_line(q: QuestionSummary) -> str:
    ref = " · ".join(x for x in (q.assembly, q.session, f"n° {q.number}" if q.number else None) if x)
    who = f"{q.author or '?'} → {q.addressee or '?'}"
    state = f"answered {_date(q.date_answered)}" if q.answered else "not answered"
    return f"{ref} · asked {_date(q.date_asked)} · {who} · {state}"


def hits_table(hits: Sequence[SearchHit], offset: int = 0) -> Table:
    table = Table(show_lines=True, expand=True)
    table.add_column("#", justify="right", no_wrap=True)
    table.add_column("Score", justify="right", no_wrap=True)
    table.add_column("Question")
    for rank, hit in enumerate(hits, start=offset + 1):
        parts: list[Text] = [
            Text(hit.title, style="bold"),
            Text(hit.id, style="cyan"),
            Text(meta_line(hit), style="dim"),
        ]
        for p in hit.passages:
            label = p.kind.value if p.kind.value == "title" else f"{p.kind.value} ¶{p.paragraph}"
            snippet = p.text if len(p.text) <= 300 else p.text[:297] + "…"
            parts.append(Text.assemble((f"[{label}] ", "green"), snippet))
        closeness = Text(f"\n{hit.closeness}", style="magenta") if hit.closeness else Text("")
        similarity = f"\nsim {hit.similarity:.2f}" if hit.similarity is not None else ""
        table.add_row(str(rank), Text.assemble(f"{hit.score:.3f}{similarity}", closeness), Group(*parts))
    return table


def print_hits(console: Console, hits: Sequence[SearchHit], as_json: bool, offset: int = 0) -> None:
    if as_json:
        if hits:
            console.print(json_lines(hits), markup=False, highlight=False, soft_wrap=True)
    elif hits:
        console.print(hits_table(hits, offset))
    else:
        console.print("No matching question.")


def print_question(console: Console, q: Question, as_json: bool) -> None:
    if as_json:
        data = q.model_dump(mode="json")
        data["answered"] = q.answered
        console.print(json.dumps(data, ensure_ascii=False), markup=False, highlight=False, soft_wrap=True)
        return
    summary = QuestionSummary(
        **{k: getattr(q, k) for k in QuestionSummary.model_fields if k not in {"id", "answered"}},
        id=q.qid,
        answered=q.answered,
    )
    console.print(Text(q.title, style="bold"))
    console.print(Text(q.qid, style="cyan"))
    console.print(Text(meta_line(summary), style="dim"))
    if q.addressee_role:
        console.print(Text(f"{q.addressee}, {q.addressee_role}", style="dim"))
    console.rule("Question")
    for i, paragraph in enumerate(q.question, start=1):
        console.print(Text.assemble((f"¶{i} ", "green"), paragraph))
    console.rule(f"Answer{f' from {q.answered_by}' if q.answered_by else ''}")
    if not q.answer:
        console.print("No answer yet.")
    for i, paragraph in enumerate(q.answer, start=1):
        console.print(Text.assemble((f"¶{i} ", "green"), paragraph))
