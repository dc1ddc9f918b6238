"""Export a local sentence-transformers model to ONNX, once, into a cache folder.

``${XDG_CACHE_HOME:-~/.cache}/semsearch/onnx/<model-id>-<weights sha256, 16 hex>/``: ``model.onnx``
(fp32, ONNX Runtime's BERT fusions), ``model.int8.onnx`` (dynamic int8, per channel), each with its
large weights in a file beside it (``model.onnx.data``: ``semsearch.embedding.onnx_weights``),
``tokenizer.json`` (sentence-transformers' own), the configuration files, and ``export.json``
(versions, agreement with torch). Only this step imports torch. It writes a temporary folder
renamed into place under a lock: two processes starting at once export once, and nobody loads
half a folder.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import re
import shutil
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path
from typing import Any

from semsearch.embedding.onnx_check import check_texts, compare_with_torch
from semsearch.embedding.onnx_encoder import FP32_FILE, INT8_FILE, read_pipeline
from semsearch.embedding.onnx_weights import weights_apart
from semsearch.embedding.sentence_transformer import offline_hub
from semsearch.errors import ExportError
from semsearch.whole_files import write_text_whole

logger = logging.getLogger("semsearch.embedder")
REPORT = "export.json"  # written last: a folder without it is not an export
APART = "weights_apart"  # the report's mark of an export whose weights are in files apart
_WEIGHTS = ("model.safetensors", "pytorch_model.bin")
_CONFIGS = ("modules.json", "config_sentence_transformers.json", "config.json")
# Exports must reproduce sentence-transformers; below this the optimised graph is refused.
MIN_FP32_COSINE = 0.99999


def cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "semsearch" / "onnx"


def weights_file(source: Path) -> Path:
    for name in _WEIGHTS:
        if (source / name).is_file():
            return source / name
    raise ExportError(f"no local weights ({' or '.join(_WEIGHTS)}) in {source}")


def weights_digest(path: Path, root: Path) -> str:
    """The sha256 of the weights, remembered by (path, size, mtime): hashing 90 MB on every cold
    start would cost a noticeable part of the start-up time."""
    stat = path.stat()
    key = f"{path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}"
    memo = root / "digests.json"
    try:
        known: dict[str, str] = json.loads(memo.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        known = {}
    if key in known:
        return known[key]
    with path.open("rb") as handle:
        known[key] = hashlib.file_digest(handle, "sha256").hexdigest()
    try:
        root.mkdir(parents=True, exist_ok=True)
        write_text_whole(memo, json.dumps(known, indent=1))
    except OSError:
        pass  # a read-only cache only costs the hash next time
    return known[key]


def export_folder(name: str, source: Path, root: Path | None = None) -> Path:
    root = root or cache_root()
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", Path(name).name or name).strip("-") or "model"
    return root / f"{slug}-{weights_digest(weights_file(source), root)[:16]}"


def is_ready(folder: Path) -> bool:
    return (folder / REPORT).is_file() and (folder / FP32_FILE).is_file()


@contextmanager
def locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)  # blocks: the second process waits, then finds it done
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def is_apart(folder: Path) -> bool:
    try:
        return bool(json.loads((folder / REPORT).read_text(encoding="utf-8")).get(APART))
    except (OSError, ValueError, AttributeError):
        return False


def ensure_export(name: str, source: Path, root: Path | None = None) -> Path:
    """The export folder of ``source``, made now if it is not in the cache yet (an export made
    before the weights were kept apart gets them apart now, once: a few seconds)."""
    folder = export_folder(name, source, root)
    if is_ready(folder) and is_apart(folder):
        return folder
    with locked(folder.with_name(folder.name + ".lock")):
        if is_ready(folder) and is_apart(folder):
            return folder
        if is_ready(folder):
            try:
                report = json.loads((folder / REPORT).read_text(encoding="utf-8"))
                for file in (FP32_FILE, INT8_FILE):
                    if (folder / file).is_file():
                        weights_apart(folder / file)
                write_text_whole(folder / REPORT, json.dumps({**report, APART: True}, indent=2))
            except Exception as exc:  # onnx's reader raises anything on a damaged file
                raise ExportError(f"cannot rewrite the ONNX model in {folder}: {exc}") from exc
            return folder
        logger.warning("exporting model '%s' to ONNX, once (about a minute) ...", name)
        tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
        tmp.chmod(0o755)  # mkdtemp makes it private; the cache is as readable as any other
        try:
            export_model(source, tmp)
            shutil.rmtree(folder, ignore_errors=True)  # a partial folder left by an older version
            os.rename(tmp, folder)
        except ExportError:
            raise
        except Exception as exc:  # torch's exporter and the optimiser raise anything
            raise ExportError(f"the ONNX export of {source} failed: {exc}") from exc
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return folder


def export_model(source: Path, out: Path) -> dict[str, Any]:
    """Export ``source`` into ``out`` and check it against sentence-transformers."""
    read_pipeline(source)  # refuse an unsupported model before the slow part
    offline_hub()
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError as exc:
        raise ExportError(f"exporting to ONNX needs torch and sentence-transformers: {exc}") from exc
    # Eager attention traces to plain MatMul/Softmax, which ONNX Runtime's optimiser fuses into its
    # Attention kernel; the SDPA trace is left unfused (measured: 1.5x slower).
    model = SentenceTransformer(
        str(source), device="cpu", local_files_only=True, model_kwargs={"attn_implementation": "eager"}
    )
    transformer: Any = model[0]
    raw = out / "raw.onnx"
    names = _trace(transformer, raw)
    _write_configs(source, out, model)
    transformer.tokenizer.backend_tokenizer.save(str(out / "tokenizer.json"))
    fused = _optimise(raw, out / FP32_FILE, transformer.auto_model.config)
    texts = check_texts()
    reference = model.encode_document(texts, normalize_embeddings=True, convert_to_numpy=True)
    fp32 = compare_with_torch(out, FP32_FILE, texts, reference)
    if fused and fp32["min_cosine"] < MIN_FP32_COSINE:
        fused = {}  # the fused graph disagrees: keep the plain export, which is exact
        shutil.copyfile(raw, out / FP32_FILE)
        fp32 = compare_with_torch(out, FP32_FILE, texts, reference)
    if fp32["min_cosine"] < MIN_FP32_COSINE:
        raise ExportError(f"the ONNX export of {source} disagrees with torch: {fp32}")
    _quantise(out / FP32_FILE, out / INT8_FILE)
    for file in (FP32_FILE, INT8_FILE):
        weights_apart(out / file)
    fp32 = compare_with_torch(out, FP32_FILE, texts, reference)
    int8 = compare_with_torch(out, INT8_FILE, texts, reference)
    raw.unlink()
    libraries = ("torch", "transformers", "sentence-transformers", "onnxruntime", "onnx")
    report = {
        "source": str(source),
        "inputs": names,
        "fused_operators": fused,
        "check": {"texts": len(texts), "fp32": fp32, "int8": int8},
        "versions": {name: metadata.version(name) for name in libraries},
        APART: True,
    }
    write_text_whole(out / REPORT, json.dumps(report, indent=2))
    return report


def _trace(transformer: Any, raw: Path) -> list[str]:
    """The transformer traced to ONNX into ``raw``; returns the names of its inputs."""
    import torch

    tokenizer = transformer.tokenizer
    names = [n for n in ("input_ids", "attention_mask", "token_type_ids") if n in tokenizer.model_input_names]
    # A padded batch, so the traced graph is the one that masks padding.
    sample = tokenizer(
        ["a short text", "a longer text, to pad the first " * 3], padding=True, return_tensors="pt"
    )
    # The tracer warns about shape-dependent Python branches; they are constant for these models,
    # and the check after the export runs the graph on batches of other lengths against torch.
    with torch.inference_mode(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            _TokenEmbeddings(transformer.auto_model, names),
            tuple(sample[n] for n in names),
            str(raw),
            input_names=names,
            output_names=["token_embeddings"],
            dynamic_axes={n: {0: "batch", 1: "sequence"} for n in [*names, "token_embeddings"]},
            opset_version=17,
            do_constant_folding=True,
            dynamo=False,  # the TorchScript exporter needs no onnxscript and handles BERT-like models
        )
    return names


class _TokenEmbeddings:
    """The transformer with positional inputs, returning the token embeddings (pooling is numpy)."""

    def __new__(cls, model: Any, names: list[str]) -> Any:
        import torch

        class Wrapper(torch.nn.Module):
            def __init__(self) -> None:
                super().__init__()
                self.model = model

            def forward(self, *inputs: Any) -> Any:
                return self.model(**dict(zip(names, inputs, strict=True))).last_hidden_state

        return Wrapper().eval()


def _write_configs(source: Path, out: Path, model: Any) -> None:
    for name in _CONFIGS:
        if (source / name).is_file():
            shutil.copyfile(source / name, out / name)
    pooling = read_pipeline(source).pooling_folder
    (out / pooling).mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source / pooling / "config.json", out / pooling / "config.json")
    # The length sentence-transformers actually uses (it caps a missing or larger value).
    bert_config: dict[str, Any] = {}
    if (source / "sentence_bert_config.json").is_file():
        bert_config = json.loads((source / "sentence_bert_config.json").read_text(encoding="utf-8"))
    bert_config["max_seq_length"] = int(model.max_seq_length)
    (out / "sentence_bert_config.json").write_text(json.dumps(bert_config, indent=2), encoding="utf-8")


def _optimise(raw: Path, target: Path, config: Any) -> dict[str, int]:
    """ONNX Runtime's transformer fusions (attention, layer norm, GELU) for BERT-like models;
    otherwise the plain export. Returns the fused operators (empty: none)."""
    if getattr(config, "model_type", "") in {"bert", "roberta", "xlm-roberta", "mpnet"}:
        from onnxruntime.transformers import optimizer

        try:
            optimised = optimizer.optimize_model(
                str(raw),
                model_type="bert",
                num_heads=int(config.num_attention_heads),
                hidden_size=int(config.hidden_size),
                opt_level=1,  # portable: no hardware-specific layout is baked into the file
            )
            optimised.save_model_to_file(str(target))
            return {k: int(v) for k, v in optimised.get_fused_operator_statistics().items() if v}
        except Exception:  # an optimiser failure only costs speed: keep the plain graph
            pass
    shutil.copyfile(raw, target)
    return {}


def _quantise(source: Path, target: Path) -> None:
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    # Per-channel weights: per-tensor int8 loses far more (measured mean cosine to fp32 0.959
    # against 0.993 on UK passages). Fused nodes have no inferred type: declare float.
    logging.disable(logging.WARNING)  # it logs advice (pre-processing) on the root logger
    try:
        quantize_dynamic(
            str(source),
            str(target),
            weight_type=QuantType.QInt8,
            per_channel=True,
            extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
        )
    finally:
        logging.disable(logging.NOTSET)
