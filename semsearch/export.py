"""Results as files: CSV for a spreadsheet, JSON Lines for programs; one question a row or line.

The CSV is UTF-8 with a byte-order mark (without one, spreadsheet programs read it in the
system's legacy encoding and mangle every accent), comma-separated, quoted where needed, with
CRLF line ends (RFC 4180). A question's matched passages share one cell, one to a paragraph,
each marked with where it comes from.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from typing import Literal, get_args

from semsearch.models import MatchedPassage, SearchHit

ExportFormat = Literal["csv", "jsonl"]
EXPORT_FORMATS: tuple[ExportFormat, ...] = get_args(ExportFormat)
MEDIA_TYPES = {"csv": "text/csv; charset=utf-8", "jsonl": "application/x-ndjson; charset=utf-8"}
BOM = "\ufeff"
CSV_COLUMNS = (
    "id",
    "title",
    "closeness",
    "similarity",
    "score",
    "assembly",
    "session",
    "number",
    "date_asked",
    "author",
    "addressee",
    "addressee_role",
    "answered",
    "date_answered",
    "answered_by",
    "url",
    "passages",
)


def passage_label(p: MatchedPassage) -> str:
    """'title', 'question ¶2', 'answer ¶1': where a matched passage comes from."""
    return p.kind.value if p.kind.value == "title" else f"{p.kind.value} ¶{p.paragraph}"


def _cell(hit: SearchHit, column: str) -> str:
    if column == "passages":
        return "\n\n".join(f"[{passage_label(p)}] {p.text}" for p in hit.passages)
    value = getattr(hit, column)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.4f}"
    return str(value)


def to_csv(hits: Sequence[SearchHit]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for hit in hits:
        writer.writerow([_cell(hit, c) for c in CSV_COLUMNS])
    return BOM + buffer.getvalue()


def to_jsonl(hits: Sequence[SearchHit]) -> str:
    return "".join(json.dumps(h.model_dump(mode="json"), ensure_ascii=False) + "\n" for h in hits)


def export(hits: Sequence[SearchHit], fmt: ExportFormat) -> str:
    return to_csv(hits) if fmt == "csv" else to_jsonl(hits)
