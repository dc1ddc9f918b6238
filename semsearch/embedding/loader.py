"""From the model and encoder settings to an :class:`Embedder`.

``auto`` is fp32 ONNX where it can run: the sentence-transformers vectors at 2-3x the speed;
int8 is faster again but moves vectors by a cosine of ~0.007 (docs/performance.md).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, get_args

from semsearch.embedding.bundled import bundled_source
from semsearch.embedding.lazy import Lazy
from semsearch.embedding.protocol import Embedder
from semsearch.embedding.sentence_transformer import SentenceTransformerEmbedder
from semsearch.errors import ConfigError, ModelLoadError
from semsearch.settings import DEFAULT_QUESTION_MODEL, Encoder

if TYPE_CHECKING:
    from semsearch.settings import Settings

ENCODERS: tuple[str, ...] = get_args(Encoder)

logger = logging.getLogger("semsearch.embedder")


NO_QUESTION_MODEL = "none"


def model_id(name: str, setting: str = "SEMSEARCH_MODEL", fake_dimension: int = 64) -> str:
    """The name an index records for a model setting ('fake' and 'fake:64' are one model)."""
    if name == "fake" or name.startswith("fake:"):
        _, _, dim = name.partition(":")
        if dim and not dim.isdigit():
            raise ConfigError(f"{setting} '{name}': the fake embedder's dimension must be a number")
        return f"fake:{dim or fake_dimension}"
    return name


def question_model_id(settings: Settings) -> str:
    """The question-level model a setting names ('none': no question-level model)."""
    name = settings.question_model
    if name is None:
        return "fake:32" if model_id(settings.model).startswith("fake:") else DEFAULT_QUESTION_MODEL
    name = name.strip()
    if name.lower() == NO_QUESTION_MODEL:
        return NO_QUESTION_MODEL
    if name.startswith("fake"):
        return model_id(name, "SEMSEARCH_QUESTION_MODEL", 32)
    if name != DEFAULT_QUESTION_MODEL:
        raise ConfigError(
            f"SEMSEARCH_QUESTION_MODEL '{name}': choose {DEFAULT_QUESTION_MODEL}, "
            f"{NO_QUESTION_MODEL} or fake:DIM"
        )
    return name


def load_question_embedder(settings: Settings) -> Embedder | None:
    name = question_model_id(settings)
    if name == NO_QUESTION_MODEL:
        return None
    if name.startswith("fake:"):
        from semsearch.embedding.fake import FakeEmbedder

        return FakeEmbedder(dimension=int(name.partition(":")[2]), max_tokens=1_000_000)
    from semsearch.embedding.use import UseEncoder

    return UseEncoder()


def vector_precision(settings: Settings) -> str:
    """The precision of the vectors the settings make. ``auto`` keeps fp32: int8 indexes twice as
    fast but cost 0.008 nDCG@10 and 0.014 hit@1 on the French set with the default weights
    (docs/performance.md); it is one setting away (SEMSEARCH_ENCODER=onnx-int8)."""
    return (
        "int8"
        if settings.encoder == "onnx-int8" and not model_id(settings.model).startswith("fake:")
        else "fp32"
    )


def load_embedder(settings: Settings) -> Embedder:
    name = model_id(settings.model)
    if name.startswith("fake:"):
        from semsearch.embedding.fake import FakeEmbedder

        return FakeEmbedder(dimension=int(name.partition(":")[2]))
    encoder = settings.encoder
    if encoder not in ENCODERS:  # Settings checks it too; this guards callers that build their own
        raise ConfigError(f"SEMSEARCH_ENCODER '{encoder}': choose among {', '.join(ENCODERS)}")
    prompts = settings.prompts
    if encoder == "torch" or (encoder == "auto" and settings.device != "cpu"):
        return SentenceTransformerEmbedder(name, device=settings.device, prompts=prompts)
    try:
        return load_onnx_embedder(name, quantized=vector_precision(settings) == "int8", prompts=prompts)
    except ModelLoadError as exc:
        if encoder != "auto":
            raise
        # auto: the ONNX encoder is a speed-up, never a requirement (a hub-only model, no onnxruntime).
        logger.info("using the torch encoder: %s", exc.message)
        return SentenceTransformerEmbedder(name, device=settings.device, prompts=prompts)


def local_model_source(name: str) -> Path | None:
    """The folder of a model given by name (the bundled one) or by path; None for a hub name."""
    bundled = bundled_source(name)
    if bundled is not None:
        return bundled
    path = Path(name).expanduser()
    return path if (path / "modules.json").is_file() else None


def load_onnx_embedder(
    name: str, quantized: bool = False, cache: Path | None = None, prompts: Mapping[str, str] | None = None
) -> Embedder:
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
    from semsearch.embedding.onnx_encoder import OnnxEmbedder
    from semsearch.embedding.onnx_export import ensure_export

    return OnnxEmbedder(ensure_export(name, source, cache), name, quantized=quantized, prompts=prompts)


Models = tuple[Lazy[Embedder], Lazy[Embedder | None]]


def lazy_models(settings: Settings, embedder: Embedder | None = None) -> Models:
    """The passage model (``embedder`` when one is given) and the question-level model, each
    loaded on first use or from ``start()``."""
    return Lazy(partial(load_embedder, settings), embedder), Lazy(partial(load_question_embedder, settings))
