"""Retrieval evaluation: labelled queries, run against an index, scored per search mode.

A label file is JSON Lines: ``{"query": "…" | null, "question_id": "…" | null,
"relevant": {"id": grade, …}, "before"?: "YYYY-MM-DD", "kind"?: "…", "subset"?: "…"}``.
Grade 2 is "same issue" (a precedent), 1 "same topic". hit@k, MRR@10 and recall@10 count the
grade-2 questions (the precedents a user is after); nDCG@10 uses both grades (gain 2^g - 1).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from semsearch.errors import InputError
from semsearch.filters import SearchFilter

if TYPE_CHECKING:
    from semsearch.service import SearchService

K = 10
METRICS = ("hit@1", "hit@3", "hit@10", "mrr@10", "ndcg@10", "recall@10")


@dataclass(frozen=True)
class Label:
    query: str | None
    question_id: str | None
    relevant: dict[str, int]
    before: date | None = None
    kind: str | None = None
    subset: str | None = None

    @property
    def precedents(self) -> set[str]:
        return {qid for qid, grade in self.relevant.items() if grade >= 2}


def _label(record: object, where: str) -> Label:
    if not isinstance(record, dict):
        raise InputError(f"{where}: a label must be a JSON object")
    query, qid, relevant = record.get("query"), record.get("question_id"), record.get("relevant")
    if (query is None) == (qid is None):
        raise InputError(f"{where}: give exactly one of 'query' and 'question_id'")
    if not isinstance(relevant, dict) or not relevant:
        raise InputError(f"{where}: 'relevant' must be a non-empty object of id: grade")
    if not all(isinstance(g, int) and 0 <= g <= 3 for g in relevant.values()):
        raise InputError(f"{where}: grades in 'relevant' must be whole numbers from 0 to 3")
    before = record.get("before")
    try:
        day = date.fromisoformat(before) if before else None
    except (TypeError, ValueError):
        raise InputError(f"{where}: 'before' is not an ISO date: {before!r}") from None
    return Label(
        query=str(query) if query is not None else None,
        question_id=str(qid) if qid is not None else None,
        relevant={str(k): int(v) for k, v in relevant.items()},
        before=day,
        kind=record.get("kind"),
        subset=record.get("subset"),
    )


def load_labels(path: Path) -> list[Label]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read the label file: {exc}") from None
    labels = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError as exc:
            raise InputError(f"{path}:{number}: not JSON: {exc}") from None
        labels.append(_label(record, f"{path}:{number}"))
    if not labels:
        raise InputError(f"{path}: no labels")
    return labels


def score(ranked: Sequence[str], label: Label) -> dict[str, float]:
    """The metrics of one ranked list of question ids against one label."""
    top = list(ranked[:K])
    wanted = label.precedents
    first = next((i for i, qid in enumerate(top) if qid in wanted), None)
    gains = [2 ** label.relevant.get(qid, 0) - 1 for qid in top]
    ideal = sorted((2**g - 1 for g in label.relevant.values()), reverse=True)[:K]
    dcg = sum(g / math.log2(i + 2) for i, g in enumerate(gains))
    idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    return {
        "hit@1": float(first is not None and first < 1),
        "hit@3": float(first is not None and first < 3),
        "hit@10": float(first is not None),
        "mrr@10": 1.0 / (first + 1) if first is not None else 0.0,
        "ndcg@10": dcg / idcg if idcg else 0.0,
        "recall@10": len(wanted & set(top)) / len(wanted) if wanted else 0.0,
    }


@dataclass
class Report:
    mode: str
    subset: str
    queries: int = 0
    sums: dict[str, float] = field(default_factory=lambda: dict.fromkeys(METRICS, 0.0))

    def add(self, metrics: dict[str, float]) -> None:
        self.queries += 1
        for name, value in metrics.items():
            self.sums[name] += value

    def means(self) -> dict[str, float]:
        return {name: (total / self.queries if self.queries else 0.0) for name, total in self.sums.items()}


Runner = Callable[[Label, str], list[str]]


def ranked_ids(service: SearchService, label: Label, mode: str) -> list[str]:
    """The top 10 question ids for a label: ``related`` for a question id, ``search`` for a text."""
    flt = SearchFilter(before=label.before)
    if label.question_id is not None:
        hits = service.related(label.question_id, limit=K, flt=flt, mode=mode, label=False)
    else:
        hits = service.search(label.query or "", limit=K, flt=flt, mode=mode, label=False)
    return [h.id for h in hits]


def evaluate(
    labels: Iterable[Label], modes: Sequence[str], run: Runner, on_progress: Callable[[], None] | None = None
) -> list[Report]:
    """Score every label in every mode; a report per mode for all labels, and per subset.
    ``on_progress()`` is called after each query in each mode."""
    reports: dict[tuple[str, str], Report] = {}
    for label in labels:
        for mode in modes:
            metrics = score(run(label, mode), label)
            for subset in ("all", *([label.subset] if label.subset else [])):
                reports.setdefault((mode, subset), Report(mode, subset)).add(metrics)
            if on_progress is not None:
                on_progress()
    return list(reports.values())
