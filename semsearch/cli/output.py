"""Rendering for people (rich tables) and for scripts (JSON lines): results, questions, summaries."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel
from rich.console import Group
from rich.table import Table
from rich.text import Text

from semsearch.cli.common import out, print_error, print_warning
from semsearch.cli.safe_text import json_safe, shown
from semsearch.closeness import LABELS
from semsearch.export import passage_label, to_csv
from semsearch.models import IndexStats, Question, QuestionSummary, SearchHit

if TYPE_CHECKING:
    from indexer.pipeline import IndexSummary
    from semsearch.evaluation import Report
    from semsearch.integrity import CheckReport
    from semsearch.results import Page


SAME_QUESTION = LABELS[0]


def json_lines(items: Sequence[BaseModel]) -> str:
    return "\n".join(json.dumps(i.model_dump(mode="json"), ensure_ascii=False) for i in items)


# Every text from the index or from a file goes through shown() before a person's terminal sees
# it, and every JSON line through json_safe() (semsearch/cli/safe_text.py).


def _date(value: object) -> str:
    return value.strftime("%d/%m/%Y") if hasattr(value, "strftime") else "—"


def meta_line(q: QuestionSummary) -> str:
    ref = " · ".join(x for x in (q.assembly, q.session, f"n° {q.number}" if q.number else None) if x)
    who = f"{q.author or '?'} → {q.addressee or '?'}"
    state = f"answered {_date(q.date_answered)}" if q.answered else "not answered"
    return shown(f"{ref} · asked {_date(q.date_asked)} · {who} · {state}")


def hits_table(hits: Sequence[SearchHit], offset: int = 0) -> Table:
    table = Table(show_lines=True, expand=True)
    table.add_column("#", justify="right", no_wrap=True)
    table.add_column("Score", justify="right", no_wrap=True)
    table.add_column("Question")
    for rank, hit in enumerate(hits, start=offset + 1):
        parts: list[Text] = [
            Text(shown(hit.title), style="bold"),
            Text(shown(hit.id), style="cyan"),
            Text(meta_line(hit), style="dim"),
        ]
        for p in hit.passages:
            label = passage_label(p)
            text = shown(p.text)
            snippet = text if len(text) <= 300 else text[:297] + "…"
            parts.append(Text.assemble((f"[{label}] ", "green"), snippet))
        closeness = _closeness(hit.closeness)
        similarity = f"\nsim {hit.similarity:.2f}" if hit.similarity is not None else ""
        table.add_row(str(rank), Text.assemble(f"{hit.score:.3f}{similarity}", closeness), Group(*parts))
    return table


def _closeness(label: str | None) -> Text:
    # "Same question" is why a cabinet looks ("this was already asked"): it stands out.
    if label == SAME_QUESTION:
        return Text.assemble("\n", (f" {label.upper()} ", "bold white on magenta"))
    return Text(f"\n{label}", style="magenta") if label else Text("")


def print_line(text: str) -> None:
    """One line for a script: no markup, no highlighting, no wrapping, no control character
    but as a JSON escape."""
    out.print(json_safe(text), markup=False, highlight=False, soft_wrap=True)


def print_page(found: Page, shown: str, offset: int = 0) -> None:
    """A page of results as a table (``shown``: 'table'; for people, with where the next page
    starts), or exported ('csv', 'jsonl'; scripts read the next offset from the count)."""
    if shown == "csv":
        sys.stdout.write(to_csv(found.hits))
    elif shown == "jsonl":
        if found.hits:
            print_line(json_lines(found.hits))
    elif found.hits:
        out.print(hits_table(found.hits, offset))
        if found.next_offset is not None:
            out.print(f"More results: --offset {found.next_offset}", style="dim", highlight=False)
    else:
        out.print("No matching question.")


def print_question(q: Question, as_json: bool) -> None:
    if as_json:
        data = q.model_dump(mode="json")
        data["answered"] = q.answered
        print_line(json.dumps(data, ensure_ascii=False))
        return
    summary = QuestionSummary(
        **{k: getattr(q, k) for k in QuestionSummary.model_fields if k not in {"id", "answered"}},
        id=q.qid,
        answered=q.answered,
    )
    out.print(Text(shown(q.title), style="bold"))
    out.print(Text(shown(q.qid), style="cyan"))
    out.print(Text(meta_line(summary), style="dim"))
    if q.addressee_role:
        out.print(Text(shown(f"{q.addressee}, {q.addressee_role}"), style="dim"))
    out.rule("Question")
    for i, paragraph in enumerate(q.question, start=1):
        out.print(Text.assemble((f"¶{i} ", "green"), shown(paragraph)))
    out.rule(Text(shown(f"Answer{f' from {q.answered_by}' if q.answered_by else ''}")))
    if not q.answer:
        out.print("No answer yet.")
    for i, paragraph in enumerate(q.answer, start=1):
        out.print(Text.assemble((f"¶{i} ", "green"), shown(paragraph)))


def print_stats(info: IndexStats, as_json: bool) -> None:
    if as_json:
        print_line(info.model_dump_json())
        return
    for key, value in info.model_dump().items():
        out.print(f"{key:>10}: {shown(str(value))}", markup=False, highlight=False, soft_wrap=True)


def print_duplicates(groups: list[list[SearchHit]], as_json: bool) -> None:
    if as_json:
        for group in groups:
            row = [
                {"id": h.id, "title": h.title, "date_asked": str(h.date_asked), "addressee": h.addressee}
                for h in group
            ]
            print_line(json.dumps(row, ensure_ascii=False))
        return
    if not groups:
        out.print("No near-duplicate questions.")
    for n, group in enumerate(groups, start=1):
        out.print(f"[bold]Group {n}[/bold] ({len(group)} questions)", highlight=False)
        for h in group:
            out.print(
                shown(f"  {h.id}  {h.date_asked or '—'}  → {h.addressee or '?'}  {h.title}"),
                highlight=False,
                soft_wrap=True,
                markup=False,
            )


def print_index_summary(summary: IndexSummary, as_json: bool) -> None:
    """Each error and warning on stderr, then the summary line (or object) on stdout."""
    for message in summary.errors:
        print_error(message)
    for message in summary.warnings:
        print_warning(message)
    if as_json:
        data: dict[str, Any] = dict(summary.__dict__)
        data["passages_per_second"] = round(summary.passages_per_second, 1)
        print_line(json.dumps(data, ensure_ascii=False))
        return
    out.print(
        f"{summary.files} files, {summary.questions} questions: {summary.added} added, "
        f"{summary.updated} updated, {summary.unchanged} unchanged, {summary.duplicates} duplicates; "
        f"{summary.passages} passages embedded in {summary.seconds:.1f} s "
        f"({summary.passages_per_second:.0f}/s); {len(summary.errors)} errors",
        highlight=False,
        soft_wrap=True,
    )


def print_check_report(report: CheckReport, as_json: bool) -> None:
    """What was repaired, each problem left (one line each), then the verdict."""
    if as_json:
        data = {
            "questions": report.questions,
            "passages": report.passages,
            "exact": report.exact,
            "problems": [
                {"question_id": f.question_id, "problem": f.problem, "repair": f.repair}
                for f in report.findings
            ],
            "repaired": report.repaired,
        }
        print_line(json.dumps(data, ensure_ascii=False))
        return
    for line in report.repaired:
        print_line(shown(f"Repaired: {line}"))
    for f in report.findings:
        print_line(shown(f"{f.question_id or '(no question)'}: {f.problem} (--repair: {f.repair})"))
    verdict = (
        "the index is exact."
        if report.exact
        else f"{len(report.findings)} problems; 'semsearch check --repair' repairs what it can."
    )
    print_line(f"Checked {report.questions} questions, {report.passages} passages: {verdict}")


def print_evaluation(reports: list[Report], modes: Sequence[str], title: str, as_json: bool) -> None:
    """The metrics per mode and subset: the whole set first, then each subset."""
    from semsearch.evaluation import METRICS

    if as_json:
        for r in reports:
            row: dict[str, Any] = {"mode": r.mode, "subset": r.subset, "queries": r.queries}
            row.update({k: round(v, 4) for k, v in r.means().items()})
            print_line(json.dumps(row))
        return
    table = Table(title=Text(shown(title)))
    for column in ("subset", "mode", "queries", *METRICS):
        table.add_column(column, justify="left" if column in {"subset", "mode"} else "right")
    for r in sorted(reports, key=lambda r: (r.subset != "all", r.subset, list(modes).index(r.mode))):
        table.add_row(r.subset, r.mode, str(r.queries), *(f"{v:.3f}" for v in r.means().values()))
    out.print(table)
