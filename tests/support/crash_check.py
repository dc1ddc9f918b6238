"""Whether an index holds exactly what the crash tests' corpus says: every question once, each with
exactly the passages of its current record (none stale, no duplicate), the model recorded."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import qdrant_edge as qe

from semsearch.errors import NotFoundError
from semsearch.service import SearchService
from semsearch.store.edge import EdgeStore
from tests.support.crash_corpus import Corpus, Record
from tests.support.settings import fake_settings


def expected_passages(record: Record) -> list[tuple[str, int, str]]:
    """(kind, paragraph, text) of each passage the record must have, in position order."""
    return (
        [("title", 0, record.title)]
        + [("question", n, p) for n, p in enumerate(record.question, start=1)]
        + [("answer", n, p) for n, p in enumerate(record.answer, start=1)]
    )


def check_index(index: Path, corpus: Corpus, model: str, sample: int = 25) -> list[str]:
    """Everything that differs between the index and the corpus (empty when exactly right).

    Every point of the index is read once: each question must be there once, with exactly the
    passages of its current record (positions 0..n-1, one content hash, the record's text), and
    no point may belong to anything else. ``sample`` questions are also read back through
    ``SearchService.get`` (what ``semsearch show`` prints).
    """
    settings = fake_settings(index, model=model)
    expected = {r.qid: r for r in corpus.records.values()}
    problems: list[str] = []
    with SearchService.open(settings) as service:
        stats = service.stats()
        if stats.questions != len(expected):
            problems.append(f"{stats.questions} questions indexed, {len(expected)} expected")
        if stats.passages != corpus.expected_passages:
            problems.append(f"{stats.passages} passages indexed, {corpus.expected_passages} expected")
        if stats.model != service.model_name or not stats.dimension:
            problems.append(
                f"model recorded as {stats.model!r} ({stats.dimension}), not {service.model_name!r}"
            )
        stored: dict[str, list[dict[str, Any]]] = {}
        for page in service.store.points():
            for point in page:
                stored.setdefault(str(point.payload.get("question_id")), []).append(point.payload)
        for qid in sorted(set(stored) - set(expected)):
            problems.append(f"{qid}: {len(stored[qid])} passages of a question that is in no file")
        for qid, record in expected.items():
            problems += _check_passages(qid, record, stored.get(qid, []))
        problems += _check_heads(service, stored)
        rng = random.Random(len(expected))
        for record in rng.sample(list(expected.values()), min(sample, len(expected))):
            try:
                question = service.get(record.qid)
            except NotFoundError:
                continue  # already reported as missing
            if (question.title, question.question, question.answer) != (
                record.title,
                record.question,
                record.answer,
            ):
                problems.append(f"{record.qid}: 'show' differs from version {record.version} of its record")
    return problems[:20] + ([f"… and {len(problems) - 20} more"] if len(problems) > 20 else [])


def _check_passages(qid: str, record: Record, payloads: list[dict[str, Any]]) -> list[str]:
    if not payloads:
        return [f"{qid}: missing"]
    ordered = sorted(payloads, key=lambda p: int(p["position"]))
    positions = [int(p["position"]) for p in ordered]
    if positions != list(range(len(positions))):
        return [f"{qid}: passages at positions {positions}"]
    hashes = {p.get("content_hash") for p in ordered}
    if len(hashes) != 1:
        return [f"{qid}: passages of {len(hashes)} versions (stale ones left)"]
    got = [(p["kind"], int(p["paragraph"]), p["text"]) for p in ordered]
    if got != expected_passages(record):
        return [f"{qid}: {len(got)} passages differ from version {record.version} of its record"]
    return []


# What each kind of problem says.
_KINDS = (
    ("stale", "versions (stale ones left)"),
    ("show differs", "'show' differs"),
    ("text differs", "passages differ"),
    ("positions", "passages at positions"),
    ("missing", ": missing"),
    ("extra question", "in no file"),
    ("question count", "questions indexed"),
    ("passage count", "passages indexed"),
    ("model", "model recorded"),
)


def kind_of(problem: str) -> str:
    return next((kind for kind, marker in _KINDS if marker in problem), "other")


def _check_heads(service: SearchService, stored: dict[str, list[dict[str, Any]]]) -> list[str]:
    """The heads' shard of an embedded index holds each question's head, as the passages' shard
    does, and nothing else (``semsearch check`` then finds their vectors whole)."""
    store = service.store
    if not isinstance(store, EdgeStore) or store.heads_shard is store.shard:
        return []
    records, _ = store.heads_shard.scroll(qe.ScrollRequest(limit=100_000, with_payload=True))
    in_heads = {str((r.payload or {}).get("question_id")): r.payload for r in records}
    heads = {qid: p for qid, points in stored.items() for p in points if p.get("position") == 0}
    problems = [f"{qid}: not in the heads' shard" for qid in sorted(set(heads) - set(in_heads))]
    problems += [f"{qid}: in the heads' shard only" for qid in sorted(set(in_heads) - set(heads))]
    return problems + [f"{f.question_id}: {f.problem}" for f in service.check().findings]
