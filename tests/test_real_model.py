"""The few tests that load the real models (the default: multilingual-e5-small and USE, bundled)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from indexer.pipeline import run_index
from indexer.readers import read_file
from semsearch.models import Question
from semsearch.service import SearchService
from semsearch.settings import Settings
from tests.support.paths import SAMPLES

pytestmark = pytest.mark.model
SAMPLE_DIR = SAMPLES / "wallonia"


def test_the_bundled_model_loads_offline_and_ranks_sensibly(real_embedder: Any) -> None:
    assert real_embedder.dimension == 384 and real_embedder.max_tokens == 512
    docs = real_embedder.embed_documents(
        [
            "Les primes à la rénovation des logements sont payées avec retard.",
            "Le parc éolien de la vallée suscite l'opposition des riverains.",
        ]
    )
    query = real_embedder.embed_query("retard de paiement des primes rénovation")
    assert np.allclose(np.linalg.norm(docs, axis=1), 1.0, atol=1e-5)
    assert float(docs[0] @ query) > float(docs[1] @ query) + 0.1


def test_a_paragraph_longer_than_the_model_limit_is_split_not_truncated(real_embedder: Any) -> None:
    from semsearch.passages import build_passages

    long_question = next(q for q in _sample_questions() if max(map(len, q.question)) > 2500)
    passages = build_passages(long_question, real_embedder.count_tokens, real_embedder.max_tokens)
    longest = max(long_question.question, key=len)
    number = long_question.question.index(longest) + 1
    parts = [p.text for p in passages if p.kind.value == "question" and p.paragraph == number]
    assert len(parts) > 1
    assert all(real_embedder.count_tokens(t) <= real_embedder.max_tokens for t in parts)
    assert " ".join(parts).split() == longest.split()


def _sample_questions() -> list[Question]:
    return [
        q
        for path in sorted(SAMPLE_DIR.rglob("*.*"))
        if path.suffix in {".txt", ".html"}
        for q in read_file(path)
        if isinstance(q, Question)
    ]


def _qid(name: str) -> str:
    item = next(iter(read_file(SAMPLE_DIR / name)))
    assert isinstance(item, Question), item
    return item.qid


@pytest.fixture(scope="module")
def sample_service(tmp_path_factory: pytest.TempPathFactory, real_embedder: Any) -> Iterator[SearchService]:
    settings = Settings(index_path=tmp_path_factory.mktemp("sample") / "index", _env_file=None)  # type: ignore[call-arg]
    with SearchService.open(settings, embedder=real_embedder) as service:
        summary = run_index(service, [SAMPLES])
        assert summary.errors == [] and summary.questions >= 40
        yield service


def _rank(ids: list[str], wanted: list[str]) -> int | None:
    ranks = [ids.index(w) + 1 for w in wanted if w in ids]
    return min(ranks) if ranks else None


def test_sample_queries_find_a_relevant_question_in_the_top_three(sample_service: SearchService) -> None:
    judged = json.loads((SAMPLE_DIR / "QUERIES.json").read_text(encoding="utf-8"))
    ranks = {
        q["query"]: _rank(
            [h.id for h in sample_service.search(q["query"], limit=10)], [_qid(e) for e in q["expected"]]
        )
        for q in judged
    }
    # Measured: every one of the 8 judged queries has a relevant question in the top 3.
    assert all(r is not None and r <= 3 for r in ranks.values()), ranks


def test_related_finds_the_precedents_of_the_sample_questions(sample_service: SearchService) -> None:
    groups = json.loads((SAMPLE_DIR / "PRECEDENTS.json").read_text(encoding="utf-8"))
    ranks = {}
    for group in groups:
        hits = sample_service.related(_qid(group["question"]), limit=10)
        ranks[group["question"]] = _rank([h.id for h in hits], [_qid(p) for p in group["precedents"]])
    # Measured with the hybrid default: all 12 later questions have a precedent first (the model
    # alone: 11 of 12 in the top 3). Allow one to slip to the top 3.
    assert all(r is not None and r <= 3 for r in ranks.values()), ranks
    assert sum(1 for r in ranks.values() if r == 1) >= len(ranks) - 1, ranks


@pytest.mark.shared
def test_the_walloon_corpus_and_the_seed_index_once_and_the_seed_comes_first(
    shared: Path, tmp_path: Path, real_embedder: Any
) -> None:
    settings = Settings(index_path=tmp_path / "index", _env_file=None)  # type: ignore[call-arg]
    inputs = [shared / "corpus" / "wallonia", shared / "seed"]
    with SearchService.open(settings, embedder=real_embedder) as service:
        first = run_index(service, inputs)
        assert first.errors == [] and first.files == 5
        # 529 export records + 3 pages + the seed; PW_50370 is the export's question 352, merged.
        assert service.stats().questions == 532
        assert first.duplicates == 1
        second = run_index(service, inputs)
        assert second.passages == 0 and second.unchanged == 533
        hits = service.search(
            "stratégie numérique des entreprises wallonnes face aux multinationales", limit=5
        )
        assert hits[0].number == "574 (2022-2023) 1" and hits[0].addressee == "BORSUS Willy"
        merged = service.get("352")
        assert merged.answered and merged.source_ref == "50370"
