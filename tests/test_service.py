"""The search service over the embedded store, with the fake embedder."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from semsearch.errors import EmptyQueryError, IndexLockedError, InputError, ModelMismatchError, NotFoundError
from semsearch.filters import SearchFilter
from semsearch.models import Question
from semsearch.service import SearchService
from semsearch.settings import Settings

MakeQ = Callable[..., Question]


def test_index_is_idempotent_and_embeds_nothing_the_second_time(
    service: SearchService, make_question: MakeQ
) -> None:
    questions = [make_question(i) for i in range(5)]
    first = service.upsert(questions)
    assert len(first.added) == 5 and first.passages == 15
    second = service.upsert(questions)
    assert second.passages == 0 and len(second.unchanged) == 5
    assert service.stats().questions == 5 and service.stats().passages == 15


def test_changed_question_replaces_all_its_passages(service: SearchService, make_question: MakeQ) -> None:
    service.upsert([make_question(1, question=["a un.", "b deux.", "c trois.", "d quatre."])])
    assert service.stats().passages == 5
    result = service.upsert([make_question(1, question=["Un seul paragraphe nouveau."])])
    assert result.updated == ["1"]
    assert service.stats().passages == 2  # title + 1: no stale passage left
    assert service.get("1").question == ["Un seul paragraphe nouveau."]


def test_get_rebuilds_the_question_exactly(service: SearchService, make_question: MakeQ) -> None:
    long_paragraph = " ".join(f"Phrase {i} sur les primes à la rénovation des logements." for i in range(40))
    q = make_question(
        7,
        question=[long_paragraph, "Deuxième."],
        answer=["Réponse un.", "Réponse deux."],
        date_answered="2023-04-02",
        answered_by="DUPONT Marc",
        addressee_role="Ministre du Logement",
    )
    service.upsert([q])
    assert service.stats().passages > 5  # the long paragraph was split
    assert service.get("7") == q


def test_search_returns_one_result_per_question_with_matching_passages(
    service: SearchService, make_question: MakeQ
) -> None:
    service.upsert(
        [
            make_question(
                1,
                title="Primes à la rénovation",
                question=["Les primes rénovation tardent.", "Les primes rénovation encore."],
            ),
            make_question(2, title="Éoliennes en Ardenne", question=["Les parcs éoliens ardennais."]),
        ]
    )
    hits = service.search("primes rénovation", limit=5)
    assert [h.id for h in hits][0] == "1"
    assert len({h.id for h in hits}) == len(hits)
    assert 1 <= len(hits[0].passages) <= 3
    assert hits[0].passages[0].kind.value in {"title", "question"}
    # Its passages best first; the questions by their fused score, the best passage's cosine as
    # the similarity the precedent labels read.
    scores = [p.score for p in hits[0].passages]
    assert scores == sorted(scores, reverse=True)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert hits[0].similarity == pytest.approx(scores[0])


def test_pagination_and_limit_are_counted_in_questions(service: SearchService, make_question: MakeQ) -> None:
    service.upsert([make_question(i, title=f"Primes rénovation {i}") for i in range(12)])
    page1 = service.search("primes rénovation", limit=5)
    page2 = service.search("primes rénovation", limit=5, offset=5)
    page3 = service.search("primes rénovation", limit=5, offset=10)
    ids = [h.id for h in page1 + page2 + page3]
    assert len(page1) == 5 and len(page2) == 5 and len(page3) == 2
    assert len(set(ids)) == 12


@pytest.mark.parametrize(
    ("flt", "expected"),
    [
        (SearchFilter(date_from=date(2022, 1, 1)), {"2", "3"}),
        (SearchFilter(date_to=date(2022, 6, 1)), {"1", "2"}),
        (SearchFilter(before=date(2022, 6, 1)), {"1"}),  # strictly before
        (SearchFilter(author="lambert"), {"1", "3"}),
        (SearchFilter(author="Lambert Sophie"), {"1", "3"}),
        (SearchFilter(addressee="martin"), {"2"}),
        (SearchFilter(addressee="logement"), {"3"}),  # words of the function match too
        (SearchFilter(answered=True), {"2"}),
        (SearchFilter(answered=False), {"1", "3"}),
        (SearchFilter(session="2021-2022"), {"1"}),
        (SearchFilter(assembly="Chambre"), set()),
    ],
)
def test_filters_are_exact(
    service: SearchService, make_question: MakeQ, flt: SearchFilter, expected: set[str]
) -> None:
    service.upsert(
        [
            make_question(1, date_asked="2021-05-01", session="2021-2022"),
            make_question(
                2, date_asked="2022-06-01", author="PETIT Jean", addressee="MARTIN Luc", answer=["Oui."]
            ),
            make_question(
                3, date_asked="2023-02-01", addressee="DUPONT Marc", addressee_role="Ministre du Logement"
            ),
        ]
    )
    assert {h.id for h in service.search("question paragraphe", limit=10, flt=flt)} == expected


def test_a_filter_does_not_shrink_the_page(service: SearchService, make_question: MakeQ) -> None:
    # 40 close questions not answered, 5 far ones answered: the engine must still find 5.
    service.upsert([make_question(i, title="Primes rénovation logement") for i in range(40)])
    service.upsert([make_question(100 + i, title=f"Sujet lointain {i}", answer=["Oui."]) for i in range(5)])
    hits = service.search("primes rénovation logement", limit=5, flt=SearchFilter(answered=True))
    assert sorted(h.id for h in hits) == [str(100 + i) for i in range(5)]


def test_related_excludes_the_question_itself(service: SearchService, make_question: MakeQ) -> None:
    service.upsert(
        [
            make_question(
                1, title="Retards des primes habitation", question=["Les primes habitation sont en retard."]
            ),
            make_question(
                2, title="Primes habitation payées en retard", question=["Retard des primes habitation."]
            ),
            make_question(3, title="Pistes cyclables", question=["Les pistes cyclables du Brabant."]),
        ]
    )
    hits = service.related("1", limit=5)
    assert "1" not in {h.id for h in hits}
    assert hits[0].id == "2"


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda s: s.search("   "), EmptyQueryError, "the query is empty"),
        (lambda s: s.search("x" * 20000), InputError, "limit is"),
        (lambda s: s.search("ok", limit=0), InputError, "limit must be between 1 and 100"),
        (lambda s: s.search("ok", offset=-1), InputError, "offset must be"),
        (lambda s: s.get("nope"), NotFoundError, "no question with id 'nope'"),
        (lambda s: s.related("nope"), NotFoundError, "no question with id 'nope'"),
        (lambda s: s.delete("nope"), NotFoundError, "no question with id 'nope'"),
    ],
)
def test_bad_requests_get_clear_errors(
    service: SearchService,
    make_question: MakeQ,
    call: Callable[..., object],
    error: type[Exception],
    message: str,
) -> None:
    service.upsert([make_question(1)])
    with pytest.raises(error, match=message):
        call(service)


def test_delete_removes_every_passage(service: SearchService, make_question: MakeQ) -> None:
    service.upsert([make_question(1), make_question(2)])
    service.delete("1")
    assert service.stats().questions == 1 and service.stats().passages == 3
    with pytest.raises(NotFoundError):
        service.get("1")


def test_searching_with_another_model_is_refused(settings: Settings, make_question: MakeQ) -> None:
    with SearchService.open(settings) as svc:
        svc.upsert([make_question(1)])
    other = settings.model_copy(update={"model": "fake:32"})
    with SearchService.open(other) as svc, pytest.raises(ModelMismatchError, match="re-index") as info:
        svc.search("question")
    assert "fake:64" in str(info.value) and "fake:32" in str(info.value)
    with SearchService.open(other) as svc, pytest.raises(ModelMismatchError):
        svc.upsert([make_question(2)])


@pytest.mark.slow  # a second Python process
def test_a_second_process_on_the_index_is_told_who_holds_it(settings: Settings, make_question: MakeQ) -> None:
    import subprocess
    import sys

    with SearchService.open(settings) as svc:
        svc.upsert([make_question(1)])
        code = (
            "from semsearch.service import SearchService; from semsearch.settings import Settings; "
            f"SearchService.open(Settings(index_path={str(settings.index_path)!r}, model='fake'))"
        )
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
        assert proc.returncode != 0
        assert IndexLockedError.__name__ in proc.stderr
        assert "is in use by process" in proc.stderr and "Qdrant server" in proc.stderr
    with SearchService.open(settings) as svc:  # released on close
        assert svc.stats().questions == 1


def test_a_page_without_id_merges_into_the_export_record(
    service: SearchService, make_question: MakeQ
) -> None:
    exported = make_question("352", number="51 (2013-2014) 1", session="2013-2014", addressee="NOLLET Jean")
    page = exported.model_copy(
        update={
            "id": None,
            "addressee": "NOLLET Jean",
            "addressee_role": "Ministre",
            "answer": ["La réponse arrive."],
        }
    )
    assert page.natural_key == exported.natural_key
    service.upsert([exported])
    merged = service.upsert([page])
    assert merged.updated == ["352"]  # the page has the answer: it enriches the same question
    assert service.stats().questions == 1 and service.get("352").answer == ["La réponse arrive."]
    again = service.upsert([exported])
    again_page = service.upsert([page])
    assert again.passages == 0 and again_page.passages == 0  # stable: nothing re-embedded


def test_index_survives_reopening(settings: Settings, make_question: MakeQ, tmp_path: Path) -> None:
    with SearchService.open(settings) as svc:
        svc.upsert([make_question(i) for i in range(3)])
        svc.optimize()
    with SearchService.open(settings) as svc:
        assert svc.stats().questions == 3
        assert svc.upsert([make_question(i) for i in range(3)]).passages == 0


def test_an_export_record_after_its_page_keeps_the_richer_content(
    service: SearchService, make_question: MakeQ
) -> None:
    exported = make_question("352", number="51 (2013-2014) 1", session="2013-2014", addressee="NOLLET Jean")
    page = exported.model_copy(update={"id": None, "answer": ["La réponse arrive."]})
    service.upsert([page])  # the page first: indexed under its derived id
    service.upsert([exported])  # then the export's own id takes the question over
    assert service.stats().questions == 1
    assert service.get("352").answer == ["La réponse arrive."]  # the page's answer is kept
    assert service.upsert([page]).passages == 0 and service.upsert([exported]).passages == 0


def test_results_carry_a_similarity_and_a_calibrated_label(
    service: SearchService, make_question: MakeQ
) -> None:
    text = ["Les primes habitation sont payées avec un an de retard."]
    service.upsert(
        [
            make_question(1, title="Retard des primes habitation", question=text),
            make_question(2, title="Retard des primes habitation", question=text, addressee="MARTIN Luc"),
            make_question(
                3, title="Pistes cyclables du Brabant", question=["Le réseau cyclable avance lentement."]
            ),
        ]
    )
    hits = {h.id: h for h in service.related("1", limit=5)}
    assert hits["2"].similarity == pytest.approx(1.0, abs=1e-5) and hits["2"].closeness == "same question"
    assert hits["3"].similarity is not None and hits["3"].similarity < 0.5 and hits["3"].closeness is None
    for mode in ("dense", "hybrid"):
        top = service.search("retard des primes habitation", limit=1, mode=mode)[0]
        assert top.similarity is not None and top.closeness is not None
    sparse = service.search("retard des primes habitation", limit=1, mode="sparse")[0]
    assert sparse.similarity is None  # BM25 alone embeds nothing: no cosine to label


def test_duplicates_groups_the_same_question_sent_twice(service: SearchService, make_question: MakeQ) -> None:
    same = {"title": "Fermeture de la ligne de bus 61", "question": ["Pourquoi supprimer la ligne 61 ?"]}
    service.upsert(
        [
            make_question(1, **same),
            make_question(2, **same, addressee="MARTIN Luc"),
            make_question(3, **same, addressee="PETIT Jean"),
            make_question(4, title="Éoliennes en Ardenne", question=["Les parcs éoliens ardennais."]),
        ]
    )
    groups = service.duplicates()
    assert [[h.id for h in g] for g in groups] == [["1", "2", "3"]]
    assert service.duplicates(threshold=1.01) == []
