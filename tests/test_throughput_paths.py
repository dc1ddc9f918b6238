"""The speed mechanisms keep behaviour: the query-embedding cache, indexing batches sized in
passages, cold payload indexes, question-level vectors on disk, the models loaded while the store
opens (fake embedder; the speed itself is measured by `make bench`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from indexer.pipeline import run_index
from semsearch.embedding.fake import FakeEmbedder
from semsearch.errors import StoreUnavailableError
from semsearch.models import Question
from semsearch.service import SearchService
from semsearch.settings import Settings
from tests.support.settings import fake_settings

MakeQ = Callable[..., Question]


class CountingEmbedder(FakeEmbedder):
    def __init__(self) -> None:
        super().__init__()
        self.queries: list[str] = []
        self.document_calls: list[int] = []

    def embed_query(self, text: str) -> np.ndarray:
        self.queries.append(text)
        return super().embed_query(text)

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        self.document_calls.append(len(texts))
        return super().embed_documents(texts)


def _settings(tmp_path: Path, **fields: Any) -> Settings:
    return fake_settings(tmp_path / "index", **fields)


@pytest.mark.parametrize(("size", "forward_passes"), [(1024, 1), (0, 3)])
def test_repeated_queries_reuse_their_embedding(
    tmp_path: Path, make_question: MakeQ, size: int, forward_passes: int
) -> None:
    embedder = CountingEmbedder()
    with SearchService.open(_settings(tmp_path, query_cache_size=size), embedder=embedder) as service:
        service.upsert([make_question(i) for i in range(30)])
        first = service.search("premier paragraphe", limit=5)
        again = service.search("premier   paragraphe", limit=5)  # the same query, spaced differently
        page_two = service.search("premier paragraphe", limit=5, offset=5)
    assert [h.id for h in first] == [h.id for h in again]
    assert not {h.id for h in first} & {h.id for h in page_two}
    assert embedder.queries == ["premier paragraphe"] * forward_passes


def test_the_cached_vector_cannot_be_changed_by_a_caller(tmp_path: Path) -> None:
    with SearchService.open(_settings(tmp_path)) as service:
        vector = service.embed_query("énergie")
        with pytest.raises(ValueError):
            vector[0] = 1.0
        assert service.embed_query("énergie") is vector


def test_indexing_batches_are_sized_in_passages(
    tmp_path: Path, make_question: MakeQ, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "pages"
    folder.mkdir()
    lines = [make_question(i).model_dump_json() for i in range(10)]  # 3 passages each
    (folder / "questions.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    embedder = CountingEmbedder()
    with SearchService.open(_settings(tmp_path, batch_size=8), embedder=embedder) as service:
        batches: list[int] = []
        upsert = service.upsert
        monkeypatch.setattr(service, "upsert", lambda qs: (batches.append(len(qs)), upsert(qs))[1])
        summary = run_index(service, [folder])
        assert service.stats().passages == summary.passages == 30
    assert batches == [3, 3, 3, 1]  # a batch closes once it holds 8 passages or more
    assert embedder.document_calls == [9, 9, 9, 3]


def test_a_failed_write_in_a_batch_loses_nothing_and_the_rerun_completes(
    tmp_path: Path, make_question: MakeQ
) -> None:
    questions = [make_question(i) for i in range(40)]
    with SearchService.open(_settings(tmp_path)) as service:
        service.upsert(questions[:5])
        store_upsert = service.store.upsert
        calls: list[int] = []

        def failing(points: Any) -> None:
            calls.append(len(points))
            if len(calls) == 1:
                raise StoreUnavailableError("the disk is full")
            store_upsert(points)

        service.store.upsert = failing  # type: ignore[method-assign]
        with pytest.raises(StoreUnavailableError, match="disk is full"):
            service.upsert(questions)
        # No head was written for the new questions: they are not "indexed", and the old ones stay.
        assert service.stats().questions == 5
        service.store.upsert = store_upsert  # type: ignore[method-assign]
        again = service.upsert(questions)
        assert len(again.added) == len(questions) - 5 and len(again.unchanged) == 5
        assert service.stats().passages == 3 * len(questions)
        assert service.stats().questions == len(questions)


def test_an_index_with_in_memory_field_indexes_is_made_cold_by_the_next_optimise(
    tmp_path: Path, make_question: MakeQ
) -> None:
    import qdrant_edge as qe

    from semsearch.filters import SearchFilter
    from semsearch.payload import DATETIME_FIELDS, INTEGER_FIELDS, KEYWORD_FIELDS
    from semsearch.store.edge import EdgeStore
    from semsearch.store.edge_folder import is_cold

    settings = _settings(tmp_path)
    with SearchService.open(settings) as service:
        service.upsert([make_question(i, date_asked=f"202{i % 4}-03-01") for i in range(12)])
        store = service.store
        assert isinstance(store, EdgeStore)
        shard = store.shard
        old = [(f, qe.PayloadSchemaType.Keyword) for f in KEYWORD_FIELDS]
        old += [(f, qe.PayloadSchemaType.Integer) for f in INTEGER_FIELDS]
        old += [(f, qe.PayloadSchemaType.Datetime) for f in DATETIME_FIELDS]
        for field, kind in old:  # the indexes as semsearch made them before
            shard.update(qe.UpdateOperation.delete_field_index(field))
            shard.update(qe.UpdateOperation.create_field_index(field, kind))
        shard.flush()
        folder = tmp_path / "index" / "shard"
        assert not any(is_cold(folder, f) for f, _ in old)
        service.optimize()
        assert all(is_cold(folder, f) for f, _ in old)
        assert set(shard.info().payload_schema) == {f for f, _ in old}
        from datetime import date

        hits = service.search("premier paragraphe", limit=20, flt=SearchFilter(date_from=date(2022, 1, 1)))
        assert sorted(h.id for h in hits) == sorted(str(i) for i in range(12) if i % 4 >= 2)


def test_the_model_loads_while_the_store_opens_and_its_errors_stay_one_line(
    tmp_path: Path, make_question: MakeQ
) -> None:
    from semsearch.errors import ModelLoadError

    with SearchService.open(_settings(tmp_path)) as service:
        service.upsert([make_question(i) for i in range(3)])
    with SearchService.open(_settings(tmp_path), load_model=True) as service:
        assert service.passage_model.loading and service.question_model.loading
        assert [h.id for h in service.search("question numéro 2", limit=1)] == ["2"]
        assert not service.passage_model.loading and service.embedder.name == "fake:64"
        assert service.question_embedder is not None and not service.question_model.loading
    broken = Settings(  # type: ignore[call-arg]
        index_path=tmp_path / "other", model=str(tmp_path / "no-such-model"), encoder="onnx", _env_file=None
    )
    with SearchService.open(broken, load_model=True) as service:
        with pytest.raises(ModelLoadError, match="not a local folder") as caught:
            service.search("question", limit=1)
    assert "\n" not in caught.value.message


def test_the_question_level_vectors_are_on_disk_and_the_passages_in_memory(
    tmp_path: Path, make_question: MakeQ
) -> None:
    import json

    from semsearch.store.base import DENSE, QUESTION, QUESTION_MODEL, Layout
    from semsearch.store.server_models import vectors_config

    with SearchService.open(_settings(tmp_path)) as service:
        service.upsert([make_question(i) for i in range(3)])
        assert [h.id for h in service.search("question numéro 1", limit=1)] == ["1"]

    def vectors_of(shard: str) -> dict[str, Any]:
        path = tmp_path / "index" / shard / "edge_config.json"
        return dict(json.loads(path.read_text(encoding="utf-8"))["vectors"])

    vectors = {**vectors_of("shard"), **vectors_of("heads")}  # the heads' own shard: test_heads_shard
    assert set(vectors_of("shard")) == {DENSE} and set(vectors) == {DENSE, QUESTION, QUESTION_MODEL}
    assert vectors[QUESTION]["on_disk"] is True and vectors[QUESTION_MODEL]["on_disk"] is True
    assert not vectors[DENSE].get("on_disk")
    server = vectors_config(Layout(64, 32))
    assert server[QUESTION].on_disk and server[QUESTION_MODEL].on_disk and not server[DENSE].on_disk


def test_a_lazy_model_loads_once_for_concurrent_first_uses_after_its_check() -> None:
    import threading
    import time

    from semsearch.embedding.lazy import Lazy

    calls: list[str] = []

    def load() -> str:
        calls.append("load")
        time.sleep(0.05)  # long enough for the other threads to arrive while it loads
        return "model"

    lazy = Lazy(load)
    got: list[str] = []
    threads = [
        threading.Thread(target=lambda: got.append(lazy.get(before=lambda: calls.append("check"))))
        for _ in range(4)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert got == ["model"] * 4 and calls == ["check", "load"] and lazy.loaded == "model"
    started = Lazy(load)
    started.start()
    assert started.loading
    assert started.get(before=lambda: calls.append("check")) == "model" and not started.loading
    assert sorted(calls[2:]) == ["check", "load"]  # it loaded in its thread; the check ran once
    assert Lazy(load, "given").get(before=lambda: calls.append("never")) == "given"
    assert calls[-1] == "check"


def test_payloads_are_read_for_the_page_only_and_a_vanished_passage_is_left_out(
    tmp_path: Path, make_question: MakeQ, monkeypatch: pytest.MonkeyPatch
) -> None:
    with SearchService.open(_settings(tmp_path)) as service:
        service.upsert([make_question(i) for i in range(40)])
        asked: list[int] = []
        payloads = service.store.payloads

        def first_result_vanishes(ids: Sequence[str]) -> dict[str, dict[str, Any]]:
            asked.append(len(ids))
            found = payloads(ids)
            return {k: v for k, v in found.items() if v["question_id"] != "7"}

        full = [h.id for h in service.search("question numéro 7", limit=5, label=False)]
        assert full[0] == "7"
        monkeypatch.setattr(service.store, "payloads", first_result_vanishes)
        hits = service.search("question numéro 7", limit=5, label=False)
        assert [h.id for h in hits] == full[1:]  # the question deleted between the reads is left out
        assert asked and max(asked) <= 5 * 3  # the page's passages, not the 200 fetched
        assert all(p.text for h in hits for p in h.passages)
