"""The speed mechanisms keep behaviour: the query-embedding cache, indexing batches sized in
passages, and passages written while the next chunk is embedded (fake embedder; the speed itself
is measured by `make bench`)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from indexer.pipeline import run_index
from semsearch.errors import StoreUnavailableError
from semsearch.fake_embedder import FakeEmbedder
from semsearch.models import Question
from semsearch.service import _EMBED_CHUNK, SearchService
from semsearch.settings import Settings

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
    return Settings(index_path=tmp_path / "index", model="fake", qdrant_url=None, _env_file=None, **fields)  # type: ignore[call-arg]


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


def test_passages_are_written_while_the_next_chunk_is_embedded(tmp_path: Path, make_question: MakeQ) -> None:
    """The first chunk's write waits until the model is asked for the second chunk: without the
    overlap, that never happens and the write gives up."""
    second_chunk_asked = threading.Event()

    class Embedder(FakeEmbedder):
        calls = 0

        def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
            Embedder.calls += 1
            if Embedder.calls == 2:
                second_chunk_asked.set()
            return super().embed_documents(texts)

    questions = [make_question(i) for i in range(_EMBED_CHUNK // 3 + 10)]  # two chunks
    overlapped: list[bool] = []
    with SearchService.open(_settings(tmp_path), embedder=Embedder()) as service:
        service.upsert([questions[0]])  # creates the collection; not a chunked write to watch
        Embedder.calls = 0
        store_upsert = service.store.upsert

        def slow_first_write(points: Any) -> None:
            if not overlapped:
                overlapped.append(second_chunk_asked.wait(timeout=30))
            store_upsert(points)

        service.store.upsert = slow_first_write  # type: ignore[method-assign]
        result = service.upsert(questions[1:])
        assert overlapped == [True] and Embedder.calls == 2
        assert len(result.added) == len(questions) - 1
        assert service.stats().passages == 3 * len(questions)


def test_a_failed_overlapped_write_loses_nothing_and_the_rerun_completes(
    tmp_path: Path, make_question: MakeQ
) -> None:
    questions = [make_question(i) for i in range(_EMBED_CHUNK // 3 + 10)]
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
