"""The torch encoder: any sentence-transformers model, loaded offline by name or path.

torch and sentence-transformers are imported only when a model is loaded, so
``semsearch --help`` stays instant.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from semsearch.embedding.bundled import bundled_source
from semsearch.embedding.prompts import Prompts, resolve
from semsearch.errors import ModelLoadError


def offline_hub() -> None:
    """No hub here or on users' servers: never try the network, and keep the output quiet."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")


class SentenceTransformerEmbedder:
    precision = "fp32"

    def __init__(self, name: str, device: str = "cpu", prompts: Mapping[str, str] | None = None) -> None:
        self.name = name
        bundled = bundled_source(name)
        source = str(bundled) if bundled is not None else name
        offline_hub()
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
        saved = self._model.prompts
        self.prompts = resolve(name, Prompts(saved.get("query") or "", saved.get("document") or ""), prompts)

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        vectors = self._model.encode_document(
            list(texts),
            prompt=self.prompts.document,
            batch_size=64,
            normalize_embeddings=True,
            convert_to_numpy=True,
        )
        return np.asarray(vectors, dtype=np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        vector = self._model.encode_query(
            text, prompt=self.prompts.query, normalize_embeddings=True, convert_to_numpy=True
        )
        return np.asarray(vector, dtype=np.float32)

    def count_tokens(self, text: str) -> int:
        # Special tokens ([CLS], [SEP]) count against the model's maximum too.
        ids = self._tokenizer(text, add_special_tokens=True, truncation=False, verbose=False)["input_ids"]
        return len(ids)
