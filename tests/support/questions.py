"""Invented questions for the tests, and what every search result carries."""

from __future__ import annotations

from typing import Any

from semsearch.models import Question
from semsearch.service import SearchService
from semsearch.settings import Settings

# What every search result carries, whichever face (CLI --json, API) shows it.
RESULT_FIELDS = frozenset(
    {
        "id",
        "title",
        "assembly",
        "session",
        "number",
        "date_asked",
        "author",
        "addressee",
        "answered",
        "score",
        "passages",
    }
)

_TOPICS = [
    ("Les retards de paiement des primes à la rénovation", "primes rénovation retards paiement logement"),
    ("Le délai de traitement des primes à la rénovation énergétique", "primes rénovation délai énergie"),
    ("Les primes à la rénovation pour les propriétaires bailleurs", "primes rénovation bailleurs loyers"),
    ("Le contrôle des chantiers de rénovation subsidiés", "rénovation chantiers contrôle primes"),
    ("Les parcs éoliens en Ardenne", "éoliennes Ardenne paysage riverains"),
    ("Le raccordement des éoliennes au réseau", "éoliennes réseau raccordement électricité"),
    ("Les pistes cyclables le long des routes régionales", "pistes cyclables routes sécurité vélo"),
    ("La sécurité des cyclistes aux carrefours", "cyclistes carrefours sécurité vélo"),
    ("Les inondations de juillet et les indemnisations", "inondations indemnisations sinistrés"),
    ("Le relogement des sinistrés des inondations", "inondations relogement sinistrés logement"),
    ("Les cantines scolaires et les repas bio", "cantines écoles repas bio"),
    ("La pénurie d'enseignants en mathématiques", "enseignants pénurie mathématiques écoles"),
    ("Le bien-être animal dans les élevages", "animaux élevages bien-être contrôle"),
    ("Les refuges pour animaux abandonnés", "animaux refuges abandon adoption"),
    ("La qualité de l'air près des écoles", "air pollution écoles enfants"),
]
_AUTHORS = ["LAMBERT Sophie", "PETIT Jean", "MARTIN Claire"]
_MINISTERS = [("DUPONT Marc", "Ministre du Logement"), ("MARTIN Luc", "Ministre de l'Énergie")]


def french_questions() -> list[Question]:
    """Fifteen invented written questions; the even ones are answered."""
    questions = []
    for n, (title, words) in enumerate(_TOPICS, start=1):
        minister, role = _MINISTERS[n % 2]
        data: dict[str, Any] = {
            "id": f"pw-{n}",
            "assembly": "Parlement Wallon",
            "session": "2022-2023" if n <= 8 else "2023-2024",
            "number": f"{100 + n} (2022-2023) 1",
            "title": title,
            "date_asked": f"2023-{1 + n % 12:02d}-{1 + n:02d}",
            "author": _AUTHORS[n % 3],
            "addressee": minister,
            "addressee_role": role,
            "question": [
                f"Monsieur le Ministre, je souhaite vous interroger sur {title.lower()}.",
                f"Les citoyens s'inquiètent : {words}. Quelles mesures comptez-vous prendre ?",
            ],
            "language": "fr",
            "url": f"https://www.parlement-wallonie.be/question/{n}",
        }
        if n % 2 == 0:
            data.update(
                answer=[f"Madame la Députée, mes services suivent de près la question : {words}."],
                date_answered=f"2023-{1 + n % 12:02d}-{20 + n % 8:02d}",
                answered_by=minister,
            )
        questions.append(Question.model_validate(data))
    return questions


def index_questions(settings: Settings) -> None:
    with SearchService.open(settings) as service:
        service.upsert(french_questions())
