"""What the faces show around a search, in the core: routing, answer times, the label filter, the
newest labelled results, exports and the one rule for dates (fake embedder)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from semsearch import routing
from semsearch.answer_times import answer_times, check_grouping
from semsearch.closeness import check_closeness, labelled_page, newest
from semsearch.errors import InputError
from semsearch.export import to_csv, to_jsonl
from semsearch.filters import SearchFilter
from semsearch.models import MatchedPassage, Question, QuestionSummary, SearchHit
from semsearch.query import parse_date
from semsearch.service import SearchService

MakeQ = Callable[..., Question]


def hit(n: int, addressee: str | None = None, role: str | None = None, **fields: Any) -> SearchHit:
    return SearchHit(
        id=f"q{n}", title=f"Question {n}", assembly="Parlement Wallon", addressee=addressee,
        addressee_role=role, score=1.0 / (n + 1), **fields,
    )  # fmt: skip


# -- routing --------------------------------------------------------------------------------
def test_the_closest_precedents_vote_for_a_portfolio_by_rank() -> None:
    hits = [
        hit(0, "NOLLET Jean", "Ministre de l'Énergie", date_asked=date(2024, 5, 1)),
        hit(1, "DUPONT Marc", "Ministre du Logement"),
        hit(2, None),  # no addressee: no vote
        hit(3, "MARTIN Luc", "ministre de l'energie", date_asked=date(2022, 1, 1)),  # the same portfolio
    ]
    found = routing.route(hits, limit=3)
    weights = [1, 1 / 2, 1 / 3]  # the three voters, by rank
    assert found.evidence == 3
    assert [c.addressee for c in found.candidates] == ["Ministre de l'Énergie", "Ministre du Logement"]
    energy, housing = found.candidates
    assert energy.share == pytest.approx((1 + 1 / 3) / sum(weights))
    assert housing.share == pytest.approx((1 / 2) / sum(weights))
    assert energy.names == ["NOLLET Jean", "MARTIN Luc"]  # the latest holder first
    assert [p.id for p in energy.precedents] == ["q0", "q3"] and energy.questions == 2


def test_without_a_portfolio_the_name_votes_and_the_limit_cuts() -> None:
    hits = [
        hit(n, name)
        for n, name in enumerate(["HENRY Philippe", "ANTOINE André", "FURLAN Paul", "HENRY Philippe"])
    ]
    found = routing.route(hits, limit=2)
    assert [c.addressee for c in found.candidates] == ["HENRY Philippe", "ANTOINE André"]
    assert found.candidates[0].portfolio is None and found.candidates[0].names == ["HENRY Philippe"]
    assert sum(c.share for c in routing.route(hits, limit=10).candidates) == pytest.approx(1.0)
    assert routing.route([], limit=3).candidates == []


@pytest.mark.parametrize("limit", [0, 11])
def test_a_routing_limit_out_of_bounds_is_refused(limit: int) -> None:
    with pytest.raises(InputError, match="limit must be between 1 and 10"):
        routing.route([], limit)


def _routing_corpus(make_question: MakeQ) -> list[Question]:
    wind = "Les parcs éoliens, le vent et les riverains des éoliennes."
    homes = "Les logements sociaux, les loyers et la rénovation des logements."
    energy = [("MARTIN Luc", "2021-03-01"), ("MARTIN Luc", "2022-03-01"), ("NOLLET Jean", "2024-03-01")]
    questions = [
        make_question(f"e{n}", title=f"Éoliennes {n}", question=[wind], addressee=name, date_asked=day,
                      addressee_role="Ministre de l'Énergie")
        for n, (name, day) in enumerate(energy)
    ]  # fmt: skip
    questions += [
        make_question(f"h{n}", title=f"Logement {n}", question=[homes], addressee="DUPONT Marc",
                      date_asked=f"202{n}-06-01", addressee_role="Ministre du Logement")
        for n in range(3)
    ]  # fmt: skip
    return questions


def test_the_service_routes_a_text_or_a_question_with_only_earlier_evidence(
    service: SearchService, make_question: MakeQ
) -> None:
    service.upsert(_routing_corpus(make_question))
    found = service.route("un nouveau parc éolien et ses riverains")
    assert found.candidates[0].addressee == "Ministre de l'Énergie"
    assert found.candidates[0].names == ["NOLLET Jean", "MARTIN Luc"]
    earlier = service.route("un nouveau parc éolien", flt=SearchFilter(before=date(2022, 1, 1)))
    assert earlier.candidates[0].names == ["MARTIN Luc"]  # what could be known then
    assert {p.id for c in earlier.candidates for p in c.precedents} == {"e0", "h0", "h1"}
    by_id = service.route(None, "h2")
    assert by_id.candidates[0].addressee == "Ministre du Logement"
    assert "h2" not in {p.id for c in by_id.candidates for p in c.precedents}


# -- answer times ---------------------------------------------------------------------------
def summary(
    n: int,
    asked: str | None,
    answered: str | None = None,
    has_answer: bool | None = None,
    addressee: str = "DUPONT Marc",
    role: str | None = "Ministre du Logement",
) -> QuestionSummary:
    return QuestionSummary(
        id=str(n), title="t", assembly="Parlement Wallon", addressee=addressee, addressee_role=role,
        date_asked=date.fromisoformat(asked) if asked else None,
        date_answered=date.fromisoformat(answered) if answered else None,
        answered=bool(answered) if has_answer is None else has_answer,
    )  # fmt: skip


def test_answer_times_count_medians_and_late_shares() -> None:
    rows = answer_times(
        [
            summary(1, "2024-01-01", "2024-01-11"),  # 10 days
            summary(2, "2024-01-01", "2024-02-15"),  # 45 days: late at 30, not at 60
            summary(3, "2024-01-01", "2024-04-01"),  # 91 days: late at both
            summary(4, "2024-01-01"),  # never answered: late at both
            summary(5, "2024-05-20"),  # asked 12 days before as_of: too recent to count
            summary(6, "2024-01-01", has_answer=True),  # answered, date unknown: not in delays
            summary(7, "2024-03-01", "2024-02-01"),  # answered before asked: a wrong date, left out
            summary(8, "2024-01-01", "2024-01-03", addressee="MARTIN Luc", role="Ministre de l'Énergie"),
            summary(9, "2024-01-01", addressee="", role=None),  # no addressee: no row
        ],
        "addressee",
        date(2024, 6, 1),
    )
    assert [r.addressee for r in rows] == ["DUPONT Marc", "MARTIN Luc"]
    dupont = rows[0]
    assert (dupont.asked, dupont.answered, dupont.dated_answers) == (7, 5, 3)
    assert dupont.median_days == 45 and dupont.also == ["Ministre du Logement"]
    assert dupont.unanswered_after_30 == pytest.approx(3 / 4) and dupont.unanswered_after_60 == pytest.approx(
        2 / 4
    )
    assert rows[1].median_days == 2 and rows[1].unanswered_after_30 == 0


def test_answer_times_by_portfolio_list_the_ministers() -> None:
    rows = answer_times(
        [
            summary(1, "2024-01-01", "2024-01-05", addressee="MARTIN Luc"),
            summary(2, "2024-02-01", addressee="NOLLET Jean"),
        ],
        "portfolio",
        date(2024, 1, 10),
    )
    assert [(r.addressee, r.also, r.asked) for r in rows] == [
        ("Ministre du Logement", ["MARTIN Luc", "NOLLET Jean"], 2)
    ]
    assert rows[0].unanswered_after_30 is None  # nothing asked 30 days before as_of


def test_the_service_reads_answer_times_of_a_filtered_set(
    service: SearchService, make_question: MakeQ
) -> None:
    service.upsert(
        [
            make_question(
                1, session="2022-2023", date_asked="2023-01-10", answer=["Oui."], date_answered="2023-01-30"
            ),
            make_question(2, session="2022-2023", date_asked="2023-02-10"),
            make_question(
                3, session="2023-2024", date_asked="2023-10-10", answer=["Non."], date_answered="2023-10-12"
            ),
        ]
    )
    whole = service.answer_times("addressee", date(2024, 1, 1))
    assert [(r.asked, r.answered, r.median_days) for r in whole] == [(3, 2, 11)]
    one = service.answer_times("addressee", date(2024, 1, 1), SearchFilter(session="2022-2023"))
    assert [(r.asked, r.answered, r.median_days, r.unanswered_after_60) for r in one] == [(2, 1, 20, 0.5)]
    ranged = service.answer_times("portfolio", date(2024, 1, 1), SearchFilter(date_from=date(2023, 2, 1)))
    assert [r.asked for r in ranged] == [2]
    with pytest.raises(InputError, match="--by 'minister': choose among addressee, portfolio"):
        check_grouping("minister", "--by")


# -- the label filter and the newest labelled results ---------------------------------------
def labelled_list(labels: list[str | None]) -> Callable[[int, int], list[SearchHit]]:
    hits = [hit(n, date_asked=date(2020 + n % 5, 1, 1), closeness=label) for n, label in enumerate(labels)]
    return lambda limit, offset: hits[offset : offset + limit]


def test_a_label_filter_keeps_that_label_and_closer_ones_across_chunks() -> None:
    labels: list[str | None] = ["same question", None, "same topic", "closely related"] * 40  # 160
    fetch = labelled_list(labels)
    first = labelled_page(fetch, 10, 0, "closely related")
    assert len(first.hits) == 10 and first.next_offset == 10
    assert {h.closeness for h in first.hits} == {"same question", "closely related"}
    last = labelled_page(fetch, 10, 75, "closely related")  # 80 such results in all
    assert len(last.hits) == 5 and last.next_offset is None
    assert len(labelled_page(fetch, 100, 0, "same question").hits) == 40


def test_a_label_filter_reads_to_a_fixed_depth() -> None:
    fetch = labelled_list([None] * 250 + ["same question"])
    assert labelled_page(fetch, 10, 0, "same topic").hits == []  # the 251st result is past the depth


def test_newest_orders_labelled_results_by_date_then_id() -> None:
    fetch = labelled_list(
        ["same topic", None, "same question", "same topic", "closely related", "same topic"]
    )
    found = newest(fetch, "same topic", 3)
    assert [(h.id, str(h.date_asked)) for h in found] == [
        ("q4", "2024-01-01"),
        ("q3", "2023-01-01"),
        ("q2", "2022-01-01"),
    ]


@pytest.mark.parametrize(
    ("value", "expected"),
    [("same-question", "same question"), ("closely related", "closely related"), (None, None), ("", None)],
)
def test_labels_are_named_by_slug_or_by_name(value: str | None, expected: str | None) -> None:
    assert check_closeness(value) == expected


def test_an_unknown_label_is_refused() -> None:
    with pytest.raises(
        InputError, match="--closeness 'same': choose among same-question, closely-related, same-topic"
    ):
        check_closeness("same", "--closeness")


# -- exports ----------------------------------------------------------------------------------
def exported_hits() -> list[SearchHit]:
    passages = [
        MatchedPassage(kind="title", paragraph=0, text="Les primes", score=0.9),
        MatchedPassage(
            kind="question", paragraph=2, text='Un "délai", des virgules, et\nune ligne.', score=0.8
        ),
    ]
    return [
        hit(1, "DUPONT Marc", "Ministre du Logement, de la Ville", passages=passages, similarity=0.97,
            closeness="same question", answered=True, date_asked=date(2023, 3, 1)),
        hit(2, None),
    ]  # fmt: skip


def test_csv_opens_in_a_spreadsheet_one_row_per_question() -> None:
    text = to_csv(exported_hits())
    assert text.startswith("\ufeffid,title,closeness,similarity") and "\r\n" in text
    rows = list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"), newline="")))
    assert len(rows) == 2
    first = rows[0]
    assert first["addressee_role"] == "Ministre du Logement, de la Ville" and first["answered"] == "yes"
    assert first["closeness"] == "same question" and first["similarity"] == "0.9700"
    assert first["passages"] == '[title] Les primes\n\n[question ¶2] Un "délai", des virgules, et\nune ligne.'
    assert rows[1]["addressee"] == "" and rows[1]["passages"] == ""


def test_jsonl_is_one_result_a_line() -> None:
    lines = to_jsonl(exported_hits()).splitlines()
    assert [json.loads(line)["id"] for line in lines] == ["q1", "q2"]
    assert json.loads(lines[0])["passages"][1]["paragraph"] == 2


# -- one rule for dates -----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2023-09-01", date(2023, 9, 1)),
        ("01/09/2023", date(2023, 9, 1)),
        (" 2023-09-01 ", date(2023, 9, 1)),
        (None, None),
    ],
)
def test_dates_a_user_may_type(value: str | None, expected: date | None) -> None:
    assert parse_date(value, "from") == expected


@pytest.mark.parametrize("value", ["0", "1700000000", "2023-13-01", "2023/09/01", "hier", ""])
def test_what_is_not_a_date(value: str) -> None:
    with pytest.raises(
        InputError, match=f"^from: '{value}' is not a date \\(use YYYY-MM-DD or DD/MM/YYYY\\)$"
    ):
        parse_date(value, "from")
