"""``migrate``: an embedded index copied to a real Qdrant server answers exactly as before."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing
from pathlib import Path

import numpy as np
import pytest
from qdrant_client import QdrantClient

from semsearch.embedding.fake import FakeEmbedder
from semsearch.errors import InputError, MigrationError, ModelMismatchError
from semsearch.migrate import migrate, migrate_index
from semsearch.models import Question
from semsearch.service import SearchService
from semsearch.settings import Settings
from semsearch.store.edge import EdgeStore
from semsearch.store.server import ServerStore
from tests.support.congruence import FUSED_TOLERANCE, QUERIES, assert_same, corpus, observe
from tests.support.qdrant import shared_server
from tests.support.settings import fake_settings

pytestmark = pytest.mark.server

MakeQ = Callable[..., Question]


class CountingEmbedder(FakeEmbedder):
    """The fake embedder, counting the passages it embeds."""

    documents = 0

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        self.documents += len(texts)
        return super().embed_documents(texts)


@pytest.fixture
def edge_settings(tmp_path: Path) -> Settings:
    return fake_settings(tmp_path / "index")


@pytest.fixture
def server_settings(edge_settings: Settings) -> Iterator[Settings]:
    url = shared_server().url
    collection = f"migrated_{uuid.uuid4().hex[:12]}"
    yield edge_settings.model_copy(update={"qdrant_url": url, "collection": collection})
    with closing(QdrantClient(url=url, check_compatibility=False)) as client:
        client.delete_collection(collection)


def test_a_migrated_index_answers_as_before(
    edge_settings: Settings, server_settings: Settings, make_question: MakeQ
) -> None:
    questions = corpus(make_question)
    with SearchService.open(edge_settings) as svc:
        svc.upsert(questions)
        before = [observe(svc.search(q, limit=20)) for q in QUERIES]
        related_before = observe(svc.related("4", limit=20))
        stats = svc.stats()
    pages: list[int] = []
    url = str(server_settings.qdrant_url)
    report = migrate_index(server_settings, url, batch=40, on_progress=pages.append)
    assert (report.points, report.questions) == (stats.passages, stats.questions)
    assert sum(pages) == stats.passages and max(pages) == 40 and len(pages) == -(-stats.passages // 40)

    counting = CountingEmbedder()
    with SearchService.open(server_settings, counting) as svc:
        assert_same([observe(svc.search(q, limit=20)) for q in QUERIES], before, tolerance=FUSED_TOLERANCE)
        assert_same(observe(svc.related("4", limit=20)), related_before, tolerance=FUSED_TOLERANCE)
        assert [svc.get(q.qid) for q in questions] == questions
        assert svc.stats().model_dump(exclude={"store", "location"}) == stats.model_dump(
            exclude={"store", "location"}
        )
        assert svc.upsert(questions).passages == 0 and counting.documents == 0  # the hashes came along

    again = migrate_index(server_settings, str(server_settings.qdrant_url))  # a re-run changes nothing
    assert (again.points, again.questions) == (report.points, report.questions)


def test_a_server_collection_migrates_to_another(server_settings: Settings, make_question: MakeQ) -> None:
    with SearchService.open(server_settings) as svc:
        svc.upsert(corpus(make_question, 10))
        before = [observe(svc.search(q, limit=20)) for q in QUERIES]
    copy = server_settings.model_copy(update={"collection": f"{server_settings.collection}_copy"})
    source, target = ServerStore(server_settings), ServerStore(copy)
    try:
        assert migrate(source, target, batch=7).questions == 10
        with SearchService.open(copy) as svc:
            assert_same(
                [observe(svc.search(q, limit=20)) for q in QUERIES], before, tolerance=FUSED_TOLERANCE
            )
    finally:
        target.drop()
        source.close()
        target.close()


def test_a_collection_of_another_model_is_refused(
    edge_settings: Settings, server_settings: Settings, make_question: MakeQ
) -> None:
    with SearchService.open(edge_settings) as svc:
        svc.upsert([make_question(1)])
    with SearchService.open(server_settings.model_copy(update={"model": "fake:32"})) as svc:
        svc.upsert([make_question(2)])
    with pytest.raises(ModelMismatchError, match=r"holds an index of model 'fake:32', not 'fake:64'"):
        migrate_index(server_settings, str(server_settings.qdrant_url))


def test_counts_that_differ_after_the_copy_are_an_error(
    edge_settings: Settings, server_settings: Settings, make_question: MakeQ
) -> None:
    with SearchService.open(edge_settings) as svc:
        svc.upsert([make_question(1), make_question(2)])
    with SearchService.open(server_settings) as svc:  # the collection already holds another question
        svc.upsert([make_question(3)])
    with pytest.raises(
        MigrationError, match=r"has 9 passages of 3 questions after the copy, but .* has 6 of 2"
    ):
        migrate_index(server_settings, str(server_settings.qdrant_url))


def test_an_empty_index_is_not_migrated(edge_settings: Settings, server_settings: Settings) -> None:
    with pytest.raises(InputError, match="holds no index to migrate"):
        migrate_index(server_settings, str(server_settings.qdrant_url))
    assert not edge_settings.index_path.exists()  # looking did not create it
    edge_settings.index_path.mkdir()
    source = EdgeStore(edge_settings.index_path)
    try:
        with pytest.raises(InputError, match="holds no index to migrate"):
            migrate(source, ServerStore(server_settings))
    finally:
        source.close()


def test_the_migrate_command_shows_a_bar_on_a_terminal_and_a_summary(
    edge_settings: Settings, server_settings: Settings, make_question: MakeQ, monkeypatch: pytest.MonkeyPatch
) -> None:
    import io

    from rich.console import Console
    from typer.testing import CliRunner

    from semsearch.cli.app import app

    with SearchService.open(edge_settings) as svc:
        svc.upsert(corpus(make_question, 10))
    screen = io.StringIO()
    monkeypatch.setattr("semsearch.cli.progress.err", Console(file=screen, force_terminal=True, width=100))
    env = {"SEMSEARCH_MODEL": "fake", "SEMSEARCH_COLLECTION": str(server_settings.collection)}
    args = ["migrate", "--to", str(server_settings.qdrant_url), "--index", str(edge_settings.index_path)]
    result = CliRunner().invoke(app, args, env=env)
    assert result.exit_code == 0, result.output
    assert "Copying passages" in screen.getvalue()
    assert "Copied 10 questions" in result.stdout and "counts match" in result.stdout
