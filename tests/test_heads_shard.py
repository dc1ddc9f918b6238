"""The embedded index keeps the questions' heads, with their question-level vectors, in a shard of
their own (``semsearch.store.edge_folder.HEADS``); an index made before, in one shard, is read and
written as it was. Both answer alike."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import qdrant_edge as qe

from semsearch.service import SearchService
from semsearch.store.base import DENSE, QUESTION, QUESTION_BM25, QUESTION_MODEL
from semsearch.store.edge import EdgeStore
from semsearch.store.edge_folder import vector_names
from tests.support.congruence import FUSED_TOLERANCE, QUERIES, MakeQ, assert_same, corpus, observe
from tests.support.settings import fake_settings
from tests.support.shard_spy import ShardSpy


def _store(service: SearchService) -> EdgeStore:
    assert isinstance(service.store, EdgeStore)
    return service.store


def test_a_new_index_keeps_the_heads_vectors_apart(tmp_path: Path, make_question: MakeQ) -> None:
    index = tmp_path / "index"
    questions = corpus(make_question, 12)
    with SearchService.open(fake_settings(index)) as service:
        service.upsert(questions)
        service.optimize()
        passages = service.store.count()
        store = _store(service)
        heads = store.heads_shard.count(qe.CountRequest(exact=True))
    assert vector_names(index / "shard") == [DENSE]
    assert sorted(vector_names(index / "heads")) == sorted([QUESTION, QUESTION_MODEL, QUESTION_BM25])
    assert heads == len(questions) < passages  # one point a question, not one a passage


def _answers(service: SearchService) -> list[Any]:
    seen: list[Any] = [observe(service.search(q, limit=8)) for q in QUERIES]
    seen += [observe(service.search(q, limit=8, mode="sparse")) for q in QUERIES[:2]]
    seen.append([(h.id, h.score) for h in service.related("3", limit=5)])
    seen.append(sorted(tuple(sorted(h.id for h in g)) for g in service.duplicates(threshold=0.5)))
    stats = service.stats()
    seen.append((stats.questions, stats.passages, stats.answered, service.index_state()))
    return seen


def test_an_index_in_one_shard_answers_as_one_in_two(
    tmp_path: Path, make_question: MakeQ, monkeypatch: pytest.MonkeyPatch
) -> None:
    questions = corpus(make_question)
    answers = {}
    for layout in ("two", "one"):
        if layout == "one":
            monkeypatch.setattr(EdgeStore, "split_heads", False)
        index = tmp_path / layout
        with SearchService.open(fake_settings(index)) as service:
            service.upsert(questions)
            service.delete(questions[4].id)
            service.upsert([questions[5].model_copy(update={"title": "Un autre titre sur les éoliennes"})])
        with SearchService.open(fake_settings(index), create=False) as service:
            answers[layout] = _answers(service)
            assert service.check().exact
            point = _store(service).question_points(questions[5].id, with_vectors=True)[0]
            assert set(point.vectors) == {QUESTION, QUESTION_MODEL}
        assert (index / "heads").is_dir() == (layout == "two")
    assert_same(answers["two"], answers["one"], tolerance=FUSED_TOLERANCE)


def test_check_finds_a_head_whose_question_vectors_are_missing_and_repairs_it(
    tmp_path: Path, make_question: MakeQ
) -> None:
    """What a crash between the two shards' deletions leaves (the heads' one goes first)."""
    index = tmp_path / "index"
    questions = corpus(make_question, 10)
    with SearchService.open(fake_settings(index)) as service:
        service.upsert(questions)
        before = observe(service.search(QUERIES[0], limit=5))
        store = _store(service)
        (head,) = [p for p in store.question_points(questions[0].id) if p.payload.get("position") == 0]
        store.heads_shard.update(qe.UpdateOperation.delete_points([head.id]))
        report = service.check()
        assert [f.question_id for f in report.findings] == [questions[0].id]
        assert "question vector" in report.findings[0].problem
        assert service.check(repair=True).repaired == [
            f"{questions[0].id}: embedded again from its stored text"
        ]
        assert service.check().exact
        assert_same(observe(service.search(QUERIES[0], limit=5)), before, tolerance=FUSED_TOLERANCE)


def _breadth(request: qe.QueryRequest) -> tuple[int, int | None]:
    """A query's limit and its graph search's breadth."""
    return request.limit, request.params.hnsw_ef if request.params else None


def test_the_question_level_graph_searches_keep_twice_their_limit(
    tmp_path: Path, make_question: MakeQ
) -> None:
    with SearchService.open(fake_settings(tmp_path / "index")) as service:
        service.upsert(corpus(make_question, 10))
        store = _store(service)
        heads, passages = ShardSpy(store.heads_shard, _breadth), ShardSpy(store.shard, _breadth)
        store._heads, store._shard = heads, passages  # type: ignore[assignment]
        try:
            assert service.search(QUERIES[0], limit=5)
        finally:
            store._heads, store._shard = heads.shard, passages.shard
    # The heads' shard: `question` and `question_model` (a graph each), BM25 (scored exactly).
    efs = sorted(heads.seen, key=lambda sent: sent[1] or 0)
    assert [ef for _, ef in efs] == [None, 2 * efs[1][0], 2 * efs[2][0]]
    assert passages.seen and all(ef is None for _, ef in passages.seen)
