"""The default model's tokenizer read by sentencepiece (semsearch/embedding/pieces.py): the same
token ids as sentence-transformers' own tokenizer, on our texts, on the edge cases and, but for
about one text in 14,000, on the shared corpora; any other tokenizer keeps ``tokenizers``."""

from __future__ import annotations

import copy
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from semsearch.embedding import pieces as pieces_module
from semsearch.embedding.bundled import E5_TOKENIZER, minilm_folder
from semsearch.embedding.pieces import (
    PIECES_FILE,
    SAMPLE,
    UNUSABLE_FILE,
    HubTokens,
    PieceTokens,
    compile_pieces,
    load_tokens,
)
from tests.support.paths import ROOT

pytestmark = pytest.mark.model
LIMIT = 512
EDGES = [
    *SAMPLE,
    "trailing space ",
    "trailing newline\n",
    "\u00a0",
    "a\u00a0\u00a0b  c\n\nd",
    "<s>",
    "</s></s>",
    "x<mask>y <mask> z",
    "unknown \u0378\u0379 characters",
    "mot" * 700,  # cut at the model's limit
    "Quelle est la position du Gouvernement ? " * 80,
]


def _exported_form(described: dict) -> dict:
    """``tokenizer.json`` as transformers saves it (the export's): words split on whitespace
    first, the Precompiled normalizer alone."""
    saved = copy.deepcopy(described)
    saved["normalizer"] = described["normalizer"]["normalizers"][0]
    saved["pre_tokenizer"] = {
        "type": "Sequence",
        "pretokenizers": [
            {"type": "WhitespaceSplit"},
            {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "always", "split": True},
        ],
    }
    return saved


@pytest.fixture(scope="module", params=["packaged", "exported"])
def folder(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp(request.param)
    described = json.loads(E5_TOKENIZER.locate().read_text(encoding="utf-8"))
    if request.param == "exported":
        described = _exported_form(described)
    (out / "tokenizer.json").write_text(json.dumps(described), encoding="utf-8")
    return out


@pytest.fixture(scope="module")
def both(folder: Path) -> tuple[PieceTokens, HubTokens]:
    pieces = load_tokens(folder, LIMIT)
    assert isinstance(pieces, PieceTokens)
    assert (folder / PIECES_FILE).is_file()
    return pieces, HubTokens(folder / "tokenizer.json", LIMIT)


def _our_texts() -> Iterator[str]:
    """Our own judged queries, the sample corpus's, and its texts' paragraphs."""
    for line in (ROOT / "eval" / "labels" / "wallonia_fr.jsonl").read_text(encoding="utf-8").splitlines():
        query = json.loads(line).get("query")
        if query:  # the queries by question id have none
            yield query
    for entry in json.loads((ROOT / "samples" / "wallonia" / "QUERIES.json").read_text(encoding="utf-8")):
        yield entry["query"]
    for path in sorted((ROOT / "samples" / "wallonia" / "text").glob("*.txt")):
        yield from (p for p in path.read_text(encoding="utf-8").split("\n\n") if p.strip())


def test_the_same_ids_as_tokenizers_on_our_texts_and_edge_cases(both: tuple[PieceTokens, HubTokens]) -> None:
    pieces, hub = both
    texts = [*EDGES, *_our_texts(), *("query: " + t for t in _our_texts())]
    assert len(texts) > 500
    assert pieces.encode(texts) == hub.encode(texts)
    assert [pieces.count(t) for t in texts] == [hub.count(t) for t in texts]
    assert max(map(len, pieces.encode(texts))) == LIMIT  # the long ones are cut as tokenizers cuts them


def test_the_shared_corpora_tokenize_alike_but_for_rare_near_ties(
    both: tuple[PieceTokens, HubTokens], shared: Path
) -> None:
    pieces, hub = both
    texts: list[str] = []
    for path in (
        shared / "corpus" / "belgium" / "chamber_questions_2020_fr_nl.jsonl",
        shared / "corpus" / "uk" / "commons_written_questions_2023-09_2025-06.jsonl",
    ):
        for line in path.read_text(encoding="utf-8").splitlines()[:8000]:
            texts += [v for v in json.loads(line).values() if isinstance(v, str) and v.strip()]
    assert len(texts) > 40_000
    ours, theirs = pieces.encode(texts), hub.encode(texts)
    differ = [n for n, (a, b) in enumerate(zip(ours, theirs, strict=True)) if a != b]
    # Measured: 8 of 113,564 texts of both files whole; each one word split otherwise, same length.
    assert len(differ) <= len(texts) // 5000
    assert all(len(ours[n]) == len(theirs[n]) for n in differ)


def test_a_damaged_pieces_file_falls_back_to_tokenizers(folder: Path, tmp_path: Path) -> None:
    copy_folder = tmp_path / "model"
    shutil.copytree(folder, copy_folder)
    (copy_folder / PIECES_FILE).write_bytes(b"\x0a\xff garbage")
    tokens = load_tokens(copy_folder, LIMIT)
    assert isinstance(tokens, HubTokens)
    assert tokens.encode(["Bonjour"]) == HubTokens(folder / "tokenizer.json", LIMIT).encode(["Bonjour"])
    again = load_tokens(copy_folder, LIMIT)  # the damaged file was removed: made again, whole
    assert isinstance(again, PieceTokens)
    assert again.encode(["Bonjour"]) == tokens.encode(["Bonjour"])


def test_without_sentencepiece_tokenizers_is_used_and_the_pieces_tried_again_later(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def missing(*args: object) -> None:
        raise ImportError("No module named 'sentencepiece'")

    shutil.copy(E5_TOKENIZER.locate(), tmp_path / "tokenizer.json")
    monkeypatch.setattr(pieces_module, "PieceTokens", missing)
    assert isinstance(load_tokens(tmp_path, LIMIT), HubTokens)
    assert not (tmp_path / UNUSABLE_FILE).exists() and not (tmp_path / PIECES_FILE).exists()
    assert not list(tmp_path.glob(".*trial"))
    monkeypatch.undo()
    assert isinstance(load_tokens(tmp_path, LIMIT), PieceTokens)


def test_a_tokenizer_of_another_kind_keeps_tokenizers(tmp_path: Path) -> None:
    shutil.copy(minilm_folder() / "tokenizer.json", tmp_path / "tokenizer.json")
    tokens = load_tokens(tmp_path, 256)
    assert isinstance(tokens, HubTokens)
    assert (tmp_path / UNUSABLE_FILE).exists() and not (tmp_path / PIECES_FILE).exists()
    assert tokens.count("hello world") == 4  # [CLS] hello world [SEP]


def test_pieces_that_disagree_on_the_sample_are_not_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def wrong(described: dict) -> tuple[bytes, dict] | None:
        built = compile_pieces(described)
        assert built is not None
        return built[0], {**built[1], "first": 5}  # pieces that would begin each text wrongly

    monkeypatch.setattr(pieces_module, "compile_pieces", wrong)
    shutil.copy(E5_TOKENIZER.locate(), tmp_path / "tokenizer.json")
    assert isinstance(load_tokens(tmp_path, LIMIT), HubTokens)
    assert (tmp_path / UNUSABLE_FILE).exists() and not (tmp_path / PIECES_FILE).exists()
    monkeypatch.undo()
    assert isinstance(load_tokens(tmp_path, LIMIT), HubTokens)  # not tried again


def test_other_pre_tokenizers_are_not_compiled() -> None:
    described = json.loads(E5_TOKENIZER.locate().read_text(encoding="utf-8"))
    for change in (
        {"pre_tokenizer": {"type": "ByteLevel"}},
        {"pre_tokenizer": {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "first"}},
        {"model": {**described["model"], "type": "BPE"}},
        {"added_tokens": [{**described["added_tokens"][0], "lstrip": True}]},
    ):
        assert compile_pieces({**described, **change}) is None
    assert compile_pieces(described) is not None


def test_threads_tokenize_at_once_as_one_does(both: tuple[PieceTokens, HubTokens]) -> None:
    from concurrent.futures import ThreadPoolExecutor

    pieces, _ = both
    texts = [f"{t} {n}" for n in range(20) for t in _our_texts()]
    alone = [pieces.encode([t])[0] for t in texts]
    with ThreadPoolExecutor(max_workers=6) as pool:
        together = list(pool.map(lambda t: pieces.encode([t])[0], texts))
    assert together == alone
