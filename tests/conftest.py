from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from semsearch.models import Question
from semsearch.service import SearchService
from semsearch.settings import Settings
from tests.support.paths import SHARED
from tests.support.settings import fake_settings


@pytest.fixture
def shared() -> Path:
    if not (SHARED / "README.md").exists():
        pytest.skip(f"../shared is absent ({SHARED}): the tests on the real data need it")
    return SHARED


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return fake_settings(tmp_path / "index")


@pytest.fixture
def service(settings: Settings) -> Iterator[SearchService]:
    with SearchService.open(settings) as svc:
        yield svc


@pytest.fixture
def make_question() -> Callable[..., Question]:
    def make(n: int | str = 1, **fields: Any) -> Question:
        data: dict[str, Any] = {
            "id": str(n),
            "assembly": "Parlement Wallon",
            "session": "2022-2023",
            "number": f"{n} (2022-2023) 1",
            "title": f"Question numéro {n}",
            "date_asked": "2023-03-01",
            "author": "LAMBERT Sophie",
            "addressee": "DUPONT Marc",
            "question": [
                f"Premier paragraphe de la question {n}.",
                "Monsieur le Ministre peut-il répondre ?",
            ],
            "answer": [],
            "language": "fr",
        }
        data.update(fields)
        return Question.model_validate(data)

    return make


@pytest.fixture(scope="session")
def real_embedder() -> Any:
    from semsearch.embedding.loader import load_embedder

    return load_embedder(Settings(_env_file=None))  # type: ignore[call-arg]  # the default model
