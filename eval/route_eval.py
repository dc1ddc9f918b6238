"""Measure "which minister should this go to" (``semsearch route``) on an index of real questions.

Time-anchored: every indexed question with an addressee is a query, routed by the product
(``SearchService.route``) with only the questions of its assembly asked strictly before it as
evidence (``before`` = its date). A query needs ``--min-evidence`` earlier questions with an
addressee (the first ones of a corpus have nothing to learn from). The query is the question's
text; a UK question's "To ask the Secretary of State for …," opening is removed, or the answer
would be in the query. Right when the question's own addressee (its portfolio where the data has
one, as the product groups them) is the first suggestion (top-1) or among the first three (top-3).

The baseline answers the majority class: the addressee most often asked among the same earlier
questions (top-3: the three most often asked).

    python eval/route_eval.py --index /tmp/wal-idx --name Wallonia [--variants] [--sample N]

The model is the settings' (SEMSEARCH_MODEL, as the index was built). ``--variants`` also
compares ways of voting (uniform, by rank, by similarity) and numbers of voters on the same hits.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from indexer.readers.uk_export import split_uk_opening
from semsearch import routing
from semsearch.filters import SearchFilter
from semsearch.models import QuestionSummary, SearchHit
from semsearch.payload import summary_from_payload
from semsearch.service import SearchService
from semsearch.settings import Settings

VARIANT_DEPTH = 50


@dataclass
class Query:
    summary: QuestionSummary
    truth: str
    majority: list[str]  # the baseline's answers, most asked first


@dataclass
class Score:
    queries: int = 0
    top1: int = 0
    top3: int = 0
    base1: int = 0
    base3: int = 0
    empty: int = 0  # no suggestion at all
    groups: set[str] = field(default_factory=set)  # distinct right answers

    def add(self, predicted: Sequence[str], query: Query) -> None:
        self.queries += 1
        self.top1 += predicted[:1] == [query.truth]
        self.top3 += query.truth in predicted[:3]
        self.base1 += query.majority[:1] == [query.truth]
        self.base3 += query.truth in query.majority[:3]
        self.empty += not predicted
        self.groups.add(query.truth)

    def row(self, name: str) -> str:
        n = max(self.queries, 1)
        cells = [self.top1 / n, self.top3 / n, self.base1 / n, self.base3 / n]
        shown = " | ".join(f"{c:.3f}" for c in cells)
        return f"| {name} | {self.queries} | {len(self.groups)} | {shown} |"


HEADER = (
    "| set | queries | addressees | top-1 | top-3 | majority top-1 | majority top-3 |\n"
    "|---|---:|---:|---:|---:|---:|---:|"
)


def queries(service: SearchService, min_evidence: int) -> list[Query]:
    """Every question with an addressee and a date, in date order, with the baseline's answers
    from the questions of its assembly asked strictly before it."""
    heads = [QuestionSummary(**summary_from_payload(p)) for p in service.store.heads(None).values()]
    known = sorted(
        (q for q in heads if q.date_asked and routing.key_of(q)), key=lambda q: (q.date_asked, q.id)
    )
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    found: list[Query] = []
    pending: list[QuestionSummary] = []  # asked on the day being read: not evidence for each other
    for q in [*known, None]:
        if pending and (q is None or q.date_asked != pending[0].date_asked):
            for p in pending:
                counts[p.assembly][str(routing.key_of(p))] += 1
            pending = []
        if q is None:
            break
        earlier = counts[q.assembly]
        if sum(earlier.values()) >= min_evidence:
            majority = [key for key, _ in sorted(earlier.items(), key=lambda kv: (-kv[1], kv[0]))[:3]]
            found.append(Query(q, str(routing.key_of(q)), majority))
        pending.append(q)
    return found


def query_text(service: SearchService, q: QuestionSummary) -> str:
    """The question's paragraphs, without a UK opening, within the query length limit."""
    text = " ".join(service.get(q.id).question)
    _, _, rest = split_uk_opening(text)
    text = rest or text
    limit = service.settings.max_query_chars
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0]


def predicted(found: routing.Routing) -> list[str]:
    return [routing.fold(c.addressee) for c in found.candidates]


def uniform(voters: Sequence[SearchHit]) -> list[float]:
    return [1.0] * len(voters)


def by_similarity(voters: Sequence[SearchHit]) -> list[float]:
    return [max(h.similarity or 0.0, 0.0) for h in voters]


VARIANTS: dict[str, Callable[[Sequence[SearchHit]], list[float]]] = {
    "uniform": uniform,
    "by rank": routing.by_rank,
    "by similarity": by_similarity,
}


def run(service: SearchService, chosen: list[Query], variants: bool) -> dict[str, Score]:
    scores: dict[str, Score] = defaultdict(Score)
    for n, query in enumerate(chosen, start=1):
        q = query.summary
        text = query_text(service, q)
        flt = SearchFilter(before=q.date_asked, assembly=q.assembly)
        product = predicted(service.route(text, limit=3, flt=flt))
        for name in ("all", q.assembly):
            scores[name].add(product, query)
        if variants:
            hits = service.search(text, limit=VARIANT_DEPTH, flt=flt)
            for label, weigh in VARIANTS.items():
                for depth in (5, 10, 20, VARIANT_DEPTH):
                    found = routing.route(hits, 3, evidence=depth, weigh=weigh)
                    scores[f"{label}, {depth} voters"].add(predicted(found), query)
        if n % 100 == 0:
            print(f"  {n} / {len(chosen)} queries", file=sys.stderr)
    return scores


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Top-1/top-3 of semsearch's routing, time-anchored.")
    parser.add_argument("--index", type=Path, required=True, help="the index of the data")
    parser.add_argument("--name", default="data", help="the set's name in the table")
    parser.add_argument("--min-evidence", type=int, default=20, help="earlier questions a query needs")
    parser.add_argument("--sample", type=int, help="route N queries drawn at random (seed 0)")
    parser.add_argument("--variants", action="store_true", help="also compare ways of voting")
    args = parser.parse_args(argv)
    settings = Settings(index_path=args.index)
    started = time.perf_counter()
    with SearchService.open(settings, create=False) as service:
        service.require_index(f"semsearch index --index {args.index} FILES")
        chosen = queries(service, args.min_evidence)
        if args.sample is not None and args.sample < len(chosen):
            chosen = sorted(
                random.Random(0).sample(chosen, args.sample), key=lambda q: str(q.summary.date_asked)
            )
        scores = run(service, chosen, args.variants)
        model = service.model_name
    print(f"{args.name}: model {model}, {len(chosen)} queries in {time.perf_counter() - started:.0f} s\n")
    print(HEADER)
    print(scores.pop("all").row(args.name))
    assemblies = [name for name in scores if "voters" not in name]
    for name in assemblies if len(assemblies) > 1 else []:  # one assembly: the same row again
        print(scores[name].row(f"{args.name}, {name}"))
    for name in (n for n in scores if "voters" in n):
        print(scores[name].row(f"{args.name}, {name}"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
