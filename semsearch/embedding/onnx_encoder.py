"""The query-path encoder: a sentence-transformers model exported to ONNX, run by ONNX Runtime.

Only ``onnxruntime``, a tokenizer (``semsearch.embedding.pieces``) and numpy are imported: importing torch and
sentence-transformers costs seconds, the encoding of a short query milliseconds. The model's own
configuration files (``modules.json``, the pooling ``config.json``, ``sentence_bert_config.json``,
``config_sentence_transformers.json``) say how tokens become a vector; this module reproduces that
exactly (tested: cosine > 0.9999 with sentence-transformers) and refuses models whose modules it
does not implement, rather than returning vectors that silently differ.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from semsearch.embedding.pieces import load_tokens
from semsearch.embedding.prompts import Prompts, resolve
from semsearch.errors import ModelLoadError

FP32_FILE = "model.onnx"
INT8_FILE = "model.int8.onnx"
POOLING_MODES = ("mean", "cls", "max")
_LEGACY_POOLING = {
    "pooling_mode_cls_token": "cls",
    "pooling_mode_max_tokens": "max",
    "pooling_mode_mean_tokens": "mean",
    "pooling_mode_mean_sqrt_len_tokens": "mean_sqrt_len_tokens",
    "pooling_mode_weightedmean_tokens": "weightedmean",
    "pooling_mode_lasttoken": "lasttoken",
}
# Texts per forward pass, sorted by length first so that a batch pads little. Measured on UK
# passages (mean 51 tokens): 32 is as fast as 16 or 64 within noise; more texts per call pad less.
BATCH_SIZE = 32


@dataclass(frozen=True)
class Pipeline:
    """What a sentence-transformers model does after its transformer, read from its files."""

    pooling: str
    normalize: bool
    max_seq_length: int
    dimension: int
    query_prompt: str = ""
    document_prompt: str = ""
    pooling_folder: str = "1_Pooling"


def _read_json(path: Path) -> dict[str, Any] | list[Any]:
    try:
        data: dict[str, Any] | list[Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelLoadError(f"cannot read {path}: {exc}") from exc
    return data


def _pooling_mode(config: dict[str, Any]) -> str:
    mode = config.get("pooling_mode")
    if mode is None:  # the files of sentence-transformers < 6 spell it as one flag per mode
        mode = [name for key, name in _LEGACY_POOLING.items() if config.get(key)]
    if isinstance(mode, list):
        mode = mode[0] if len(mode) == 1 else "+".join(mode)
    return str(mode)


def read_pipeline(folder: Path) -> Pipeline:
    """The model's pooling, normalisation, length and prompts; a clear error for what we don't run."""
    modules = _read_json(folder / "modules.json")
    if not isinstance(modules, list) or not modules:
        raise ModelLoadError(f"{folder}/modules.json lists no modules")
    kinds = [str(m.get("type", "")).rsplit(".", 1)[-1] for m in modules]
    unsupported = [k for k in kinds if k not in {"Transformer", "Pooling", "Normalize"}]
    if unsupported or kinds[0] != "Transformer" or kinds.count("Pooling") != 1:
        raise ModelLoadError(
            f"the ONNX encoder runs Transformer -> Pooling -> Normalize models; {folder.name} has "
            f"{' -> '.join(kinds)}: use SEMSEARCH_ENCODER=torch"
        )
    pooling_path = str(modules[kinds.index("Pooling")].get("path", "1_Pooling"))
    pooling_config = _read_json(folder / pooling_path / "config.json")
    assert isinstance(pooling_config, dict)
    mode = _pooling_mode(pooling_config)
    if mode not in POOLING_MODES:
        raise ModelLoadError(
            f"pooling '{mode}' of {folder.name} is not implemented by the ONNX encoder "
            f"(it runs {', '.join(POOLING_MODES)}): use SEMSEARCH_ENCODER=torch"
        )
    bert_config = _read_json(folder / "sentence_bert_config.json")
    assert isinstance(bert_config, dict)
    prompts: dict[str, Any] = {}
    st_config = folder / "config_sentence_transformers.json"
    if st_config.exists():
        loaded = _read_json(st_config)
        prompts = dict(loaded.get("prompts") or {}) if isinstance(loaded, dict) else {}
    # encode_query uses the "query" prompt; encode_document the first of document/passage/corpus,
    # and sentence-transformers always has a "document" key (empty unless the model sets it).
    query_prompt = str(prompts.get("query") or "")
    document_prompt = str(prompts.get("document") or "")
    if (query_prompt or document_prompt) and pooling_config.get("include_prompt") is False:
        raise ModelLoadError(
            f"{folder.name} excludes its prompts from pooling, which the ONNX encoder does not do: "
            "use SEMSEARCH_ENCODER=torch"
        )
    dimension = pooling_config.get("embedding_dimension") or pooling_config.get("word_embedding_dimension")
    return Pipeline(
        pooling=mode,
        normalize="Normalize" in kinds,
        max_seq_length=int(bert_config.get("max_seq_length") or 512),
        dimension=int(dimension or 0),
        query_prompt=query_prompt,
        document_prompt=document_prompt,
        pooling_folder=pooling_path,
    )


def pool(tokens: np.ndarray, mask: np.ndarray, mode: str) -> np.ndarray:
    """Token vectors (batch, seq, dim) -> one vector per text, as sentence-transformers' Pooling."""
    if mode == "cls":
        return tokens[:, 0]  # right padding: the first position is always [CLS]
    weights = mask[..., None].astype(np.float32)
    if mode == "max":
        return np.where(weights > 0, tokens, -np.inf).max(axis=1)
    summed = (tokens * weights).sum(axis=1)
    return summed / np.clip(weights.sum(axis=1), 1e-9, None)


def session_options(spinning: bool, threads: int | None = None) -> Any:
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    if threads:
        options.intra_op_num_threads = threads
    # Spinning intra-op threads wait for the next piece of work without sleeping: 5-15 % faster on
    # a stream of document batches (measured), but on a server they take the cores that the
    # store and the other requests' threads need between two short query runs.
    options.add_session_config_entry("session.intra_op.allow_spinning", "1" if spinning else "0")
    return options


class OnnxEmbedder:
    """The ``Embedder`` protocol over an exported folder (see ``semsearch.embedding.onnx_export``)."""

    def __init__(
        self,
        folder: Path,
        name: str,
        quantized: bool = False,
        threads: int | None = None,
        prompts: Mapping[str, str] | None = None,
    ) -> None:
        import onnxruntime as ort

        self.name = name
        self.folder = folder
        self.quantized = quantized
        self.precision = "int8" if quantized else "fp32"
        pipeline = read_pipeline(folder)
        chosen = resolve(name, Prompts(pipeline.query_prompt, pipeline.document_prompt), prompts)
        self.pipeline = replace(pipeline, query_prompt=chosen.query, document_prompt=chosen.document)
        self.max_tokens = self.pipeline.max_seq_length
        self._model_file = str(folder / (INT8_FILE if quantized else FP32_FILE))
        self._threads = threads
        try:
            # The tokenizer first: sentencepiece reads its pieces without holding the interpreter,
            # so they load while the index opens (which holds it); the session then waits for it.
            self._tokens = load_tokens(folder, self.max_tokens)  # padding is done per batch
            self._session = ort.InferenceSession(
                self._model_file, session_options(False, threads), providers=["CPUExecutionProvider"]
            )
        except Exception as exc:
            raise ModelLoadError(f"cannot load the ONNX model in {folder}: {exc}") from exc
        self._inputs = {i.name for i in self._session.get_inputs()}
        self.dimension = int(self._session.get_outputs()[0].shape[-1] or self.pipeline.dimension)
        self._batch_session: Any = None  # made on the first embed_documents (indexing only)
        self._batch_lock = threading.Lock()

    def _documents_session(self) -> Any:
        with self._batch_lock:
            if self._batch_session is None:
                import onnxruntime as ort

                self._batch_session = ort.InferenceSession(
                    self._model_file, session_options(True, self._threads), providers=["CPUExecutionProvider"]
                )
            return self._batch_session

    def _forward(self, session: Any, encodings: Sequence[list[int]]) -> np.ndarray:
        """One padded batch through the model, pooled and normalised (one text each: every token
        attended, all of segment 0)."""
        width = max(map(len, encodings))
        ids = np.zeros((len(encodings), width), dtype=np.int64)
        mask = np.zeros_like(ids)
        for row, e in enumerate(encodings):
            ids[row, : len(e)] = e
            mask[row, : len(e)] = 1
        feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        tokens = session.run(None, {k: v for k, v in feed.items() if k in self._inputs})[0]
        vectors = pool(tokens, mask, self.pipeline.pooling)
        # Always normalised, as SentenceTransformerEmbedder asks of sentence-transformers: the
        # store compares by cosine and the service averages unit vectors.
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return np.asarray(vectors / np.clip(norms, 1e-12, None), dtype=np.float32)

    def _embed(self, session: Any, texts: Sequence[str], prompt: str) -> np.ndarray:
        encodings = self._tokens.encode([prompt + t for t in texts])
        order = sorted(range(len(encodings)), key=lambda i: len(encodings[i]))
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        for start in range(0, len(order), BATCH_SIZE):
            chosen = order[start : start + BATCH_SIZE]
            out[chosen] = self._forward(session, [encodings[i] for i in chosen])
        return out

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return self._embed(self._documents_session(), texts, self.pipeline.document_prompt)

    def embed_query(self, text: str) -> np.ndarray:
        return self._embed(self._session, [text], self.pipeline.query_prompt)[0]

    def count_tokens(self, text: str) -> int:
        """Tokens of ``text`` untruncated, special tokens ([CLS], [SEP]) included: they count
        against the model's maximum too."""
        return self._tokens.count(text)
