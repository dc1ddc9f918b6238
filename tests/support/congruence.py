"""The two backends' common ground for the tests: a corpus without ties, the queries, and how two
observations are compared (scores within a tolerance)."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import pytest

from semsearch.models import Question, SearchHit

MakeQ = Callable[..., Question]
TOLERANCE = 1e-4
# Scenarios that rank by fused scores (the service's default mode is hybrid). The fusion is done by
# the service on each signal's scores, which the engines compute alike to float precision; a z-score
# divides by a list's spread, so their last digits may move a fused score a little more.
FUSED_TOLERANCE = 1e-3
TOPICS = [
    ("Primes à la rénovation", "primes rénovation logement énergie retard paiement isolation"),
    ("Éoliennes en Ardenne", "éoliennes parc ardenne vent permis riverains"),
    ("Pistes cyclables", "pistes cyclables vélo brabant sécurité routes"),
    ("Urgences hospitalières", "hôpital urgences attente médecins garde patients"),
    ("Inondations de juillet", "inondations indemnisation sinistrés vesdre reconstruction"),
]
QUERIES = [
    "retard de paiement des primes à la rénovation",
    "parc éolien en Ardenne",
    "sécurité des cyclistes",
    "attente aux urgences de l'hôpital",
    "indemnisation des sinistrés des inondations",
]
AUTHORS = ["LAMBERT Sophie", "PETIT Jean", "MARTIN Luc", "DUBOIS Anne"]


def corpus(make_question: MakeQ, size: int = 30) -> list[Question]:
    """Questions on a few topics, with no two passages tied in either ranking.

    Engines return tied passages in different orders, and reciprocal rank fusion turns a rank into
    a score: ties would make the hybrid scores differ by the engine, not by what it computes. Made-up
    words make every dense vector distinct, and a different number of them in every paragraph makes
    every BM25 length, hence every BM25 score, distinct.
    """
    rng = random.Random(7)
    lengths = iter(range(1, 1000))

    def sentence(words: str) -> str:
        codes = ["".join(rng.choice("bcdfghjklmnpqrstvwxz") for _ in range(6)) for _ in range(next(lengths))]
        return " ".join(rng.sample(words.split(), 3)) + f" {' '.join(codes)}."

    questions = []
    for n in range(size):
        title, words = TOPICS[n % len(TOPICS)]
        questions.append(
            make_question(
                n,
                title=f"{title} {sentence(words)}",
                question=[sentence(words) for _ in range(1 + n % 3)],
                answer=[sentence(words)] if n % 3 == 0 else [],
                author=AUTHORS[n % len(AUTHORS)],
                date_asked=f"{2020 + n % 4}-0{1 + n % 9}-15",
                session=f"{2020 + n % 4}-{2021 + n % 4}",
            )
        )
    return questions


def observe(hits: list[SearchHit]) -> list[Any]:
    # Passages of equal score come back in engine order, which differs between the backends (and
    # the fake embedder makes many ties): compare their scores, not which tied passage came first.
    return [(h.id, h.score, sorted((p.score for p in h.passages), reverse=True)) for h in hits]


def assert_same(edge: Any, server: Any, where: str = "result", tolerance: float = TOLERANCE) -> None:
    if isinstance(edge, float) and isinstance(server, float):
        assert server == pytest.approx(edge, abs=tolerance), where
    elif isinstance(edge, list | tuple) and isinstance(server, list | tuple):
        assert len(edge) == len(server), f"{where}: {edge} != {server}"
        for n, (a, b) in enumerate(zip(edge, server, strict=True)):
            assert_same(a, b, f"{where}[{n}]", tolerance)
    elif isinstance(edge, dict) and isinstance(server, dict):
        assert edge.keys() == server.keys(), where
        for key in edge:
            assert_same(edge[key], server[key], f"{where}.{key}")
    else:
        assert edge == server, f"{where}: {edge!r} != {server!r}"
