"""Shared by the API and browser tests: invented questions, free ports, a real server in a thread."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import uvicorn
from fastapi import FastAPI

from semsearch.embedding.fake import FakeEmbedder
from semsearch.models import Question
from semsearch.service import SearchService
from semsearch.settings import Settings

API_KEY = "test-key-0123456789"

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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class SlowEmbedder(FakeEmbedder):
    """The fake embedder, with queries that take ``delay`` seconds: a model under load."""

    def __init__(self, delay: float) -> None:
        super().__init__()
        self.delay = delay

    def embed_query(self, text: str) -> np.ndarray:
        time.sleep(self.delay)
        return super().embed_query(text)


@contextmanager
def running(app: FastAPI) -> Iterator[str]:
    """Serve ``app`` with a real uvicorn on 127.0.0.1 in a thread; yields its base URL."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=20)
