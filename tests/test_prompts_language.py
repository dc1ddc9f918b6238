"""Prompts applied the way sentence-transformers does (plus e5's), and a query's language."""

from __future__ import annotations

import pytest

from semsearch.embedding.prompts import E5_PROMPTS, Prompts, resolve
from semsearch.sparse import SparseEncoder, detect


@pytest.mark.parametrize(
    ("name", "saved", "override", "expected"),
    [
        ("all-MiniLM-L6-v2", Prompts(), None, Prompts()),
        ("multilingual-e5-small", Prompts("query: ", "passage: "), None, Prompts("query: ", "passage: ")),
        # A hub e5 that saves no prompts still gets the prefixes its model card asks for.
        ("intfloat/multilingual-e5-small", Prompts(), None, E5_PROMPTS),
        ("intfloat/e5-base-v2", Prompts(), None, E5_PROMPTS),
        ("/models/my-e5-large/", Prompts(), None, E5_PROMPTS),
        # A model's own prompts win over the table; the setting wins over both.
        ("intfloat/multilingual-e5-small", Prompts("q> ", ""), None, Prompts("q> ", "")),
        ("intfloat/multilingual-e5-small", Prompts(), {"query": "", "document": ""}, Prompts()),
        ("any/model", Prompts(), {"query": "search_query: "}, Prompts("search_query: ", "")),
        ("intfloat/e5-mistral-7b-instruct", Prompts(), None, Prompts()),
    ],
)
def test_prompts(name: str, saved: Prompts, override: dict[str, str] | None, expected: Prompts) -> None:
    assert resolve(name, saved, override) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("De minister van Binnenlandse Zaken heeft in zijn antwoord gezegd dat het aantal", ("nl", True)),
        ("Les primes à la rénovation sont payées avec retard pour les ménages", ("fr", True)),
        ("To ask the Secretary of State for Health what steps his Department is taking", ("en", True)),
        ("Die Regierung hat das Gesetz nicht mit den Ländern abgestimmt und wird", ("de", True)),
        # A few words prove nothing: the default, and not sure (no cross-language discount).
        ("CWaPE Impulseo", ("fr", False)),
        ("Primes rénovation retard Primes en retard.", ("fr", False)),
    ],
)
def test_detected_language(text: str, expected: tuple[str, bool]) -> None:
    assert detect(text) == expected


def test_a_declared_language_is_sure_and_a_forced_one_is_not() -> None:
    assert SparseEncoder("auto").query_language("anything", "nl") == ("nl", True)
    assert SparseEncoder("fr").query_language("De minister van de politie heeft het gezegd", None) == (
        "fr",
        False,
    )
