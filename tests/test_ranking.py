"""Questions ranked as wholes: signals gathered per question, fused, ties by id."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from semsearch.filters import SearchFilter
from semsearch.models import Question
from semsearch.ranking import gather
from semsearch.service import SearchService

MakeQ = Callable[..., Question]


def test_words_spread_over_a_question_rank_it_as_a_whole(
    service: SearchService, make_question: MakeQ
) -> None:
    # No passage of question 1 holds both words; question 2 has one of them, many times.
    service.upsert(
        [
            make_question(
                1, title="Le tram de Liège", question=["Le chantier avance.", "Les commerçants du centre."]
            ),
            make_question(2, title="Les commerçants", question=["Les commerçants, les commerçants."]),
            make_question(3, title="Les éoliennes", question=["Un parc éolien."]),
        ]
    )
    assert [h.id for h in service.search("tram commerçants", mode="sparse", limit=2)] == ["1", "2"]


def test_every_signal_is_one_engine_query_over_the_questions(
    service: SearchService, make_question: MakeQ
) -> None:
    service.upsert([make_question(n, title=f"Primes rénovation {n}") for n in range(5)])
    found = gather(
        service.store, service.sparse, service.settings, service.text_query("primes"), SearchFilter()
    )
    assert {s.name for s in found.signals} == {"bm25", "passages", "question", "question_model"}
    assert all(set(s.scores) == {str(n) for n in range(5)} for s in found.signals)
    sparse = gather(
        service.store,
        service.sparse,
        service.settings,
        service.text_query("primes", "sparse"),
        SearchFilter(),
    )
    assert [s.name for s in sparse.signals] == ["bm25"]


def test_related_ranks_by_the_question_not_its_answer(service: SearchService, make_question: MakeQ) -> None:
    service.upsert(
        [
            make_question(
                1,
                title="Les pistes cyclables",
                question=["Entretien des pistes cyclables."],
                answer=["Les budgets des routes régionales sont fixés."],
            ),
            make_question(2, title="Routes régionales", question=["Les budgets des routes régionales."]),
            make_question(
                3, title="Pistes cyclables en Hainaut", question=["Les pistes cyclables du Hainaut."]
            ),
        ]
    )
    query = service.question_query("1")
    assert "budgets" not in query.text and "pistes cyclables" in query.text
    assert service.related("1", limit=1)[0].id == "3"


def test_a_sure_query_language_discounts_bm25_matches_in_another(
    service: SearchService, make_question: MakeQ, monkeypatch: pytest.MonkeyPatch
) -> None:
    service.upsert(
        [
            make_question(
                1,
                title="Politiezone Jemeppe",
                question=["Het aantal agenten van de politiezone."],
                language="nl",
            ),
            make_question(2, title="Zone de police de Jemeppe", question=["Le nombre d'agents de la zone."]),
        ]
    )
    dutch = service.text_query(
        "Hoe wordt het aantal agenten van de politiezone Jemeppe geteld in dat jaar?", "sparse"
    )
    scores: Any = (
        gather(service.store, service.sparse, service.settings, dutch, SearchFilter()).signals[0].scores
    )
    raw = service.settings.model_copy(update={"cross_language_weight": 1.0})
    plain: Any = gather(service.store, service.sparse, raw, dutch, SearchFilter()).signals[0].scores
    assert scores["1"] == plain["1"] and scores["2"] == pytest.approx(0.25 * plain["2"])


def test_one_text_sent_to_several_ministers_comes_in_id_order(
    service: SearchService, make_question: MakeQ
) -> None:
    same = {"title": "Le même texte", "question": ["Un paragraphe identique pour tous."]}
    service.upsert([make_question(n, addressee=f"MINISTRE {n}", **same) for n in ("b", "a", "c")])
    assert [h.id for h in service.search("le même texte identique")] == ["a", "b", "c"]
