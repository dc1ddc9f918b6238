"""The same scenarios on the embedded engine and on a real Qdrant server give the same answers.

Each scenario runs once per backend and returns what it observed (ids, order, scores, counts);
the two observations must be equal, scores within 1e-4. Scenarios also assert what they expect,
so that both backends being wrong the same way still fails.

Both sides search exactly at these sizes: Qdrant builds no HNSW graph below its indexing
threshold (10,000 KB of vectors), on the server as in Edge; test_server_searches_exactly checks it.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import closing
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from qdrant_client import QdrantClient

from semsearch.errors import ModelMismatchError, NotFoundError
from semsearch.filters import SearchFilter
from semsearch.models import Question
from semsearch.service import SearchService
from semsearch.settings import Settings
from semsearch.store import open_store, remove_store
from semsearch.store.base import DENSE, QUESTION, QUESTION_BM25, QUESTION_MODEL, Probe
from tests.support.congruence import (
    FUSED_TOLERANCE,
    QUERIES,
    TOLERANCE,
    MakeQ,
    assert_same,
    corpus,
    observe,
)
from tests.support.qdrant import shared_server
from tests.support.settings import fake_settings

pytestmark = pytest.mark.server

SettingsFor = Callable[..., Settings]


@pytest.fixture
def qdrant_url() -> str:
    return shared_server().url


@pytest.fixture
def settings_for(tmp_path: Path, qdrant_url: str) -> Iterator[SettingsFor]:
    collection = f"congruence_{uuid.uuid4().hex[:12]}"

    def make(backend: str, model: str = "fake") -> Settings:
        url = qdrant_url if backend == "server" else None
        return fake_settings(tmp_path / "edge", qdrant_url=url, collection=collection, model=model)

    yield make
    with closing(QdrantClient(url=qdrant_url, check_compatibility=False)) as client:
        client.delete_collection(collection)


# -- scenarios: each takes the settings of one backend and returns what it saw -----------------
def indexing_is_idempotent(settings: Settings, make_question: MakeQ) -> Any:
    with SearchService.open(settings) as svc:
        first, second = svc.upsert(corpus(make_question)), svc.upsert(corpus(make_question))
        stats = svc.stats()
    assert len(first.added) == 30 and second.passages == 0 and len(second.unchanged) == 30
    return [sorted(first.added), first.passages, stats.questions, stats.passages, stats.answered, stats.model]


def search_order(settings: Settings, make_question: MakeQ, mode: str = "dense") -> Any:
    with SearchService.open(settings) as svc:
        svc.upsert(corpus(make_question))
        pages = [
            observe(svc.search(q, limit=20, mode=mode))
            + observe(svc.search(q, limit=10, offset=20, mode=mode))
            for q in QUERIES
        ]
    # No question twice across pages; BM25 alone finds only the questions that share a word.
    assert all(len({hit[0] for hit in page}) == len(page) for page in pages)
    assert mode == "sparse" or all(len(page) == 30 for page in pages)
    assert [page[0][0] for page in pages] != [pages[0][0][0]] * len(
        pages
    )  # the queries find different things
    return pages


FILTERS: list[tuple[SearchFilter, Callable[[Question], bool]]] = [
    (SearchFilter(date_from=date(2022, 1, 1)), lambda q: str(q.date_asked) >= "2022-01-01"),
    (SearchFilter(date_to=date(2021, 6, 15)), lambda q: str(q.date_asked) <= "2021-06-15"),
    (SearchFilter(before=date(2021, 6, 15)), lambda q: str(q.date_asked) < "2021-06-15"),
    (SearchFilter(author="lambert"), lambda q: q.author == "LAMBERT Sophie"),
    (SearchFilter(author="Petit Jean"), lambda q: q.author == "PETIT Jean"),
    (SearchFilter(answered=True), lambda q: q.answered),
    (SearchFilter(answered=False), lambda q: not q.answered),
    (SearchFilter(session="2021-2022"), lambda q: q.session == "2021-2022"),
    (SearchFilter(assembly="Chambre"), lambda q: False),
    (SearchFilter(author="dubois", answered=False), lambda q: q.author == "DUBOIS Anne" and not q.answered),
]


def sparse_order(settings: Settings, make_question: MakeQ) -> Any:
    return search_order(settings, make_question, "sparse")


def hybrid_order(settings: Settings, make_question: MakeQ) -> Any:
    return search_order(settings, make_question, "hybrid")


def filters(settings: Settings, make_question: MakeQ) -> Any:
    questions = corpus(make_question)
    with SearchService.open(settings) as svc:
        svc.upsert(questions)
        found = [observe(svc.search("primes rénovation éoliennes", limit=50, flt=flt)) for flt, _ in FILTERS]
    for hits, (flt, keep) in zip(found, FILTERS, strict=True):
        assert {hit[0] for hit in hits} == {q.qid for q in questions if keep(q)}, flt
    return found


def related_and_get(settings: Settings, make_question: MakeQ) -> Any:
    questions = corpus(make_question)
    with SearchService.open(settings) as svc:
        svc.upsert(questions)
        related = [
            observe(svc.related(qid, limit=20, flt=SearchFilter(answered=False))) for qid in ("0", "7", "13")
        ]
        gotten = [svc.get(q.qid) for q in questions]
    assert gotten == questions and all(
        qid not in {h[0] for h in r} for qid, r in zip(("0", "7", "13"), related, strict=True)
    )
    return related


def replace_and_delete(settings: Settings, make_question: MakeQ) -> Any:
    with SearchService.open(settings) as svc:
        svc.upsert(corpus(make_question, 10))
        svc.upsert([make_question(1, title="Éoliennes nouvelles", question=["Un seul paragraphe nouveau."])])
        svc.delete("2")
        with pytest.raises(NotFoundError):
            svc.get("2")
        seen: list[Any] = [
            svc.stats().passages,
            svc.get("1").question,
            observe(svc.search("un seul paragraphe nouveau", limit=10)),
        ]
    assert seen[1] == ["Un seul paragraphe nouveau."] and seen[2][0][0] == "1"
    return seen


def page_without_id_merges(settings: Settings, make_question: MakeQ) -> Any:
    exported = make_question("352", number="51 (2013-2014) 1", session="2013-2014", addressee="NOLLET Jean")
    page = exported.model_copy(update={"id": None, "answer": ["La réponse arrive."]})
    with SearchService.open(settings) as svc:
        results = [svc.upsert([exported]), svc.upsert([page]), svc.upsert([exported]), svc.upsert([page])]
        seen: list[Any] = [(r.added, r.updated, r.unchanged, r.passages) for r in results]
        seen.append(svc.stats().questions)
    assert seen[1][1] == ["352"] and seen[-1] == 1
    return seen


def store_level(settings: Settings, make_question: MakeQ) -> Any:
    with SearchService.open(settings) as svc:
        svc.upsert(corpus(make_question, 12))
        vector = svc.embed_query(QUERIES[0]).tolist()
    store = open_store(settings)
    try:
        dense = Probe(DENSE, vector)

        # A point's id holds its write's generation (a time): passages are named by their place.
        def place(p: Any) -> tuple[str, int]:
            return p.payload["question_id"], p.payload["position"]

        hits = sorted(store.search(dense, 1000, SearchFilter()), key=lambda p: (-round(p.score, 5), place(p)))
        points = store.question_points("3", with_vectors=True)
        assert len(hits) == store.count() and hits[0].score > hits[-1].score
        heads = store.head_vectors(QUESTION)
        # The question-level vectors are on the heads alone: each probe of one finds questions.
        sparse = svc.sparse.query(QUERIES[0], "fr")
        by_question = [
            [(p.payload["question_id"], p.score) for p in store.search(probe, 100, SearchFilter())]
            for probe in (
                Probe(QUESTION, vector),
                Probe(QUESTION_MODEL, heads["0"][:32]),
                Probe(QUESTION_BM25, sparse=sparse),
            )
        ]
        seen: list[Any] = [
            [(place(p), p.score) for p in hits],
            sorted(store.heads(["1", "5", "nope"])),
            store.find_natural_key(points[0].payload["natural_key"]),
            [(place(p), p.vector, p.vectors) for p in points],
            [store.count(flt, heads_only) for flt, _ in FILTERS for heads_only in (False, True)],
            sorted(heads.items()),
            by_question,
        ]
    finally:
        store.close()
    assert seen[2] == "3" and seen[1] == ["1", "5"]
    assert len(heads) == 12 and all(len(found) == 12 for found in by_question[:2])
    assert {qid for qid, _ in by_question[2]} < set(heads) and by_question[2]  # BM25: the ones with a word
    assert set(points[0].vectors) == {QUESTION, QUESTION_MODEL} and not points[1].vectors
    return seen


def ties_by_id(settings: Settings, make_question: MakeQ) -> Any:
    """One text sent to several ministers ties on every signal: the page orders it by question id,
    the same on both engines (ranks 3-5 of French searches once differed between them)."""
    same = {"title": "Le même texte envoyé à plusieurs ministres", "question": ["Un paragraphe identique."]}
    # Ids the corpus does not use (a batch that repeats an id keeps its first record).
    copies = [make_question(n, addressee=f"MINISTRE {n}", **same) for n in (12, 30, 400, 70)]
    with SearchService.open(settings) as svc:
        svc.upsert([*corpus(make_question, 10), *copies])
        found = [
            observe(svc.search("même texte envoyé à plusieurs ministres", limit=10, mode=m))
            for m in ("hybrid", "dense", "sparse")
        ]
    for hits in found:
        assert [h[0] for h in hits[:4]] == ["12", "30", "400", "70"], hits  # ids sort as text
    return found


def model_mismatch(settings: Settings, make_question: MakeQ) -> Any:
    with SearchService.open(settings) as svc:
        svc.upsert([make_question(1)])
    other = settings.model_copy(update={"model": "fake:32"})
    with SearchService.open(other) as svc, pytest.raises(ModelMismatchError) as search_error:
        svc.search("question")
    with SearchService.open(other) as svc, pytest.raises(ModelMismatchError):
        svc.upsert([make_question(2)])
    message = str(search_error.value)
    assert "built with model 'fake:64'" in message and "SEMSEARCH_MODEL is 'fake:32'" in message, message
    return [message.count("fake:64"), message.count("fake:32")]


def rebuild_starts_empty(settings: Settings, make_question: MakeQ) -> Any:
    with SearchService.open(settings) as svc:
        svc.upsert([make_question(1), make_question(2)])
    remove_store(settings)
    with SearchService.open(
        settings.model_copy(update={"model": "fake:32"})
    ) as svc:  # a new model is allowed
        seen: list[Any] = [svc.stats().questions, svc.store.read_meta(), svc.upsert([make_question(3)]).added]
        seen.append(svc.stats().model)
    assert seen == [0, None, ["3"], "fake:32"]
    return seen


def views(settings: Settings, make_question: MakeQ) -> Any:
    """Routing, answer times (heads read through a filter), the label filter, the newest labelled
    results, and a missing index that reading leaves missing."""
    roles = ["Ministre du Logement", "Ministre de l'Énergie", "Ministre de la Mobilité"]
    questions = [
        q.model_copy(
            update={
                "addressee": f"MINISTRE {n % 3}",
                "addressee_role": roles[n % 3],
                "date_answered": date(2020 + n % 4, 2 + n % 9, 1) if q.answered else None,
            }
        )
        for n, q in enumerate(corpus(make_question))
    ]
    with SearchService.open(settings, create=False) as svc:
        seen: list[Any] = [svc.index_state(), svc.stats().questions]
        svc.upsert(questions)
        routed = svc.route(QUERIES[0], flt=SearchFilter(before=date(2023, 1, 1)))
        seen.append(
            [(c.addressee, c.share, c.names, [p.id for p in c.precedents]) for c in routed.candidates]
        )
        times = svc.answer_times("portfolio", date(2024, 6, 1), SearchFilter(session="2021-2022"))
        seen.append([r.model_dump() for r in times])
        labelled = svc.search_page(questions[3].title, 10, 0, "closely related")
        seen.append([(h.id, h.closeness) for h in labelled.hits])
        seen.append([h.id for h in svc.newest(QUERIES[1], "same topic", 5)])
        seen.append(svc.index_state())
        for q in questions:
            svc.delete(q.qid)
        seen.append(svc.index_state())
    assert seen[:2] == ["missing", 0] and seen[-2:] == ["ready", "empty"] and seen[2] and seen[3]
    assert labelled.hits[0].id == questions[3].qid and labelled.hits[0].closeness == "same question"
    return seen


SCENARIOS = [
    indexing_is_idempotent,
    search_order,
    sparse_order,
    hybrid_order,
    filters,
    related_and_get,
    replace_and_delete,
    page_without_id_merges,
    store_level,
    ties_by_id,
    model_mismatch,
    rebuild_starts_empty,
    views,
]
FUSED = {hybrid_order, filters, related_and_get, replace_and_delete, views}


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.__name__ for s in SCENARIOS])
def test_backends_agree(
    scenario: Callable[[Settings, MakeQ], Any], settings_for: SettingsFor, make_question: MakeQ
) -> None:
    edge = scenario(settings_for("edge"), make_question)
    server = scenario(settings_for("server"), make_question)
    assert_same(edge, server, tolerance=FUSED_TOLERANCE if scenario in FUSED else TOLERANCE)


def test_server_searches_exactly(settings_for: SettingsFor, make_question: MakeQ, qdrant_url: str) -> None:
    settings = settings_for("server")
    with SearchService.open(settings) as svc:
        svc.upsert(corpus(make_question))
        passages = svc.stats().passages
    with closing(QdrantClient(url=qdrant_url, check_compatibility=False)) as client:
        info = client.get_collection(settings.collection)
    # Sparse vectors are indexed as they are written; the dense ones get no HNSW graph at this
    # size, so the count is the heads' question-level BM25 vectors alone.
    assert info.points_count == passages and info.indexed_vectors_count == 30
    assert set(info.payload_schema) >= {"question_id", "state", "position", "date_asked"}
    assert info.config.metadata == {
        "model": "fake:64",
        "dimension": 64,
        "question_model": "fake:32",
        "precision": "fp32",
        "question_dimension": 32,
        "schema": 3,
        "ids": 2,
    }


def test_reading_a_missing_collection_creates_nothing(settings_for: SettingsFor, qdrant_url: str) -> None:
    from typer.testing import CliRunner

    from semsearch.cli.app import app

    settings = settings_for("server")
    env = {
        "SEMSEARCH_MODEL": "fake",
        "SEMSEARCH_QDRANT_URL": qdrant_url,
        "SEMSEARCH_COLLECTION": settings.collection,
    }
    result = CliRunner().invoke(app, ["search", "primes"], env=env)
    assert result.exit_code == 1
    assert f"no index in {qdrant_url} (collection '{settings.collection}'): build one with" in result.stderr
    with closing(QdrantClient(url=qdrant_url, check_compatibility=False)) as client:
        assert not client.collection_exists(settings.collection)
