"""The ONNX encoder: export, agreement with sentence-transformers, no torch on the query path;
the encoder factory; the query-embedding cache. Tests marked ``model`` export the real model."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from semsearch.embedding import loader as loader_module
from semsearch.embedding.bundled import minilm_folder
from semsearch.embedding.cache import QueryCache
from semsearch.embedding.loader import load_embedder
from semsearch.embedding.onnx_check import check_texts
from semsearch.embedding.onnx_encoder import OnnxEmbedder, read_pipeline
from semsearch.embedding.onnx_export import APART, REPORT, ensure_export, export_folder, is_apart, is_ready
from semsearch.embedding.sentence_transformer import SentenceTransformerEmbedder
from semsearch.errors import ConfigError, ModelLoadError
from tests.support.paths import ROOT

MODEL = "all-MiniLM-L6-v2"
QUERIES = [
    "aides au numérique pour les PME wallonnes",
    "retard de paiement des primes rénovation",
    "NHS waiting times",
    "flood defences in Yorkshire",
    "énergie",
    "Quelle aide pour les agriculteurs touchés par la sécheresse de 2022 ?",
]
# Measured on these texts: int8 mean cosine 0.9928, min 0.9879 (0.993 / 0.986 on 1,479 UK passages).
INT8_MEAN, INT8_MIN = 0.985, 0.97


@pytest.fixture(scope="module")
def cache_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cache")


@pytest.fixture(scope="module")
def exported(cache_home: Path) -> Path:
    os.environ["HF_HUB_OFFLINE"] = "1"  # the export must never need the hub
    return ensure_export(MODEL, minilm_folder(), cache_home / "semsearch" / "onnx")


@pytest.fixture(scope="module")
def torch_embedder() -> SentenceTransformerEmbedder:
    return SentenceTransformerEmbedder(MODEL)


def _cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.sum(np.atleast_2d(a) * np.atleast_2d(b), axis=1)


@pytest.mark.model
def test_the_export_is_complete_and_records_its_check(exported: Path) -> None:
    assert is_ready(exported)
    names = {p.name for p in exported.iterdir()}
    assert {"model.onnx", "model.int8.onnx", "tokenizer.json", "modules.json", "1_Pooling"} <= names
    report = json.loads((exported / REPORT).read_text(encoding="utf-8"))
    assert report["check"]["fp32"]["min_cosine"] > 0.99999
    assert report["fused_operators"].get("Attention") == 6  # ONNX Runtime's fused kernel is used
    assert not list(exported.parent.glob(".*"))  # no temporary folder left behind


@pytest.mark.model
def test_onnx_vectors_are_sentence_transformers_vectors(exported: Path, torch_embedder: Any) -> None:
    onnx = OnnxEmbedder(exported, MODEL)
    texts = check_texts()
    assert any(torch_embedder.count_tokens(t) > 256 for t in texts)  # truncation is exercised
    documents = _cosines(onnx.embed_documents(texts), torch_embedder.embed_documents(texts))
    queries = [_cosines(onnx.embed_query(q), torch_embedder.embed_query(q))[0] for q in QUERIES + texts[:6]]
    assert documents.min() > 0.9999 and min(queries) > 0.9999, (documents.min(), min(queries))
    assert (onnx.dimension, onnx.max_tokens, onnx.name) == (384, 256, MODEL)
    assert [onnx.count_tokens(t) for t in texts] == [torch_embedder.count_tokens(t) for t in texts]
    assert onnx.embed_documents([]).shape == (0, 384)


@pytest.mark.model
def test_int8_vectors_stay_close_to_torch(exported: Path, torch_embedder: Any) -> None:
    int8 = OnnxEmbedder(exported, MODEL, quantized=True)
    texts = check_texts()
    cosines = _cosines(int8.embed_documents(texts), torch_embedder.embed_documents(texts))
    print(f"int8 cosine with torch: mean {cosines.mean():.4f}, min {cosines.min():.4f}")
    assert cosines.mean() > INT8_MEAN and cosines.min() > INT8_MIN


_NO_TORCH = """
import sys
from pathlib import Path
from semsearch.service import SearchService
from semsearch.settings import Settings
settings = Settings(index_path=Path(sys.argv[1]), qdrant_url=None, _env_file=None)
with SearchService.open(settings) as service:
    hits = service.search("primes à la rénovation des logements", limit=3)
    assert hits and type(service.embedder).__name__ == "OnnxEmbedder", service.embedder
heavy = {"torch", "transformers", "sentence_transformers"}
print(",".join(sorted(m for m in sys.modules if m.split(".")[0] in heavy)))
"""


@pytest.mark.model
def test_searching_with_the_onnx_encoder_never_imports_torch(
    exported: Path, cache_home: Path, tmp_path: Path
) -> None:
    from indexer.pipeline import run_index
    from semsearch.service import SearchService
    from semsearch.settings import Settings

    index = tmp_path / "index"
    settings = Settings(index_path=index, qdrant_url=None, _env_file=None)  # type: ignore[call-arg]
    with SearchService.open(settings, embedder=OnnxEmbedder(exported, MODEL)) as service:
        run_index(service, [ROOT / "samples" / "wallonia" / "text"])
    # The index records the model it was built with; the reading process must name the same one.
    env = {
        **os.environ,
        "XDG_CACHE_HOME": str(cache_home),
        "SEMSEARCH_ENCODER": "auto",
        "SEMSEARCH_MODEL": MODEL,
    }
    done = subprocess.run(
        [sys.executable, "-c", _NO_TORCH, str(index)], env=env, capture_output=True, text=True, cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "", f"imported on the query path: {done.stdout}"


# -- without the model ---------------------------------------------------------------------------


def _model_folder(tmp_path: Path, modules: list[str], pooling: dict[str, Any], prompts: Any = None) -> Path:
    folder = tmp_path / "model"
    (folder / "1_Pooling").mkdir(parents=True)
    entries = [
        {"idx": i, "name": str(i), "path": "1_Pooling" if m == "Pooling" else "", "type": m}
        for i, m in enumerate(modules)
    ]
    for entry in entries:
        entry["type"] = f"sentence_transformers.models.{entry['type']}"
    (folder / "modules.json").write_text(json.dumps(entries), encoding="utf-8")
    (folder / "1_Pooling" / "config.json").write_text(json.dumps(pooling), encoding="utf-8")
    (folder / "sentence_bert_config.json").write_text('{"max_seq_length": 128}', encoding="utf-8")
    if prompts is not None:
        config = {"prompts": prompts}
        (folder / "config_sentence_transformers.json").write_text(json.dumps(config), encoding="utf-8")
    return folder


@pytest.mark.parametrize(
    ("modules", "pooling", "message"),
    [
        (["Transformer", "Pooling", "Dense", "Normalize"], {"pooling_mode": "mean"}, "Dense"),
        (["Transformer", "Pooling"], {"pooling_mode": "weightedmean"}, "pooling 'weightedmean'"),
        (["Transformer", "Pooling"], {"pooling_mode_lasttoken": True}, "pooling 'lasttoken'"),
        (["Transformer", "Pooling"], {"pooling_mode": ["cls", "mean"]}, "pooling 'cls+mean'"),
        (["Transformer"], {}, "Transformer -> Pooling"),
    ],
)
def test_a_model_the_onnx_encoder_cannot_reproduce_is_refused_clearly(
    tmp_path: Path, modules: list[str], pooling: dict[str, Any], message: str
) -> None:
    with pytest.raises(ModelLoadError, match="SEMSEARCH_ENCODER=torch") as caught:
        read_pipeline(_model_folder(tmp_path, modules, pooling))
    assert message in caught.value.message


def test_the_pipeline_is_read_from_the_model_files(tmp_path: Path) -> None:
    legacy = {"word_embedding_dimension": 384, "pooling_mode_mean_tokens": True}
    pipeline = read_pipeline(_model_folder(tmp_path, ["Transformer", "Pooling", "Normalize"], legacy))
    assert (pipeline.pooling, pipeline.normalize, pipeline.max_seq_length, pipeline.dimension) == (
        "mean",
        True,
        128,
        384,
    )
    assert (pipeline.query_prompt, pipeline.document_prompt) == ("", "")
    shutil.rmtree(tmp_path / "model")
    prompted = _model_folder(
        tmp_path, ["Transformer", "Pooling"], {"pooling_mode": "cls"}, {"query": "query: ", "passage": "p: "}
    )
    pipeline = read_pipeline(prompted)
    # sentence-transformers' encode_document uses "document" (always present, empty by default).
    assert (pipeline.pooling, pipeline.normalize, pipeline.query_prompt, pipeline.document_prompt) == (
        "cls",
        False,
        "query: ",
        "",
    )


@pytest.mark.model
def test_the_weights_are_kept_apart_and_an_older_export_gets_them_apart(
    exported: Path, tmp_path: Path
) -> None:
    import onnx

    assert is_apart(exported)
    # The file ONNX Runtime maps holds the weights; the model file is the graph (and, in int8,
    # the matrices under a megabyte).
    assert (exported / "model.onnx").stat().st_size * 4 < (exported / "model.onnx.data").stat().st_size
    assert (exported / "model.int8.onnx.data").stat().st_size > 10_000_000  # the word embeddings
    # An export made before: weights inside the model file, no mark in its report.
    root = tmp_path / "onnx"
    old = export_folder(MODEL, minilm_folder(), root)
    shutil.copytree(exported, old)
    for name in ("model.onnx", "model.int8.onnx"):
        onnx.save_model(onnx.load(str(old / name)), str(old / name))
        (old / f"{name}.data").unlink()
    report = json.loads((old / REPORT).read_text(encoding="utf-8"))
    (old / REPORT).write_text(json.dumps({k: v for k, v in report.items() if k != APART}), encoding="utf-8")
    assert not is_apart(old)
    before = OnnxEmbedder(old, MODEL).embed_documents(check_texts())
    assert ensure_export(MODEL, minilm_folder(), root) == old
    assert is_apart(old) and (old / "model.onnx.data").is_file() and (old / "model.int8.onnx.data").is_file()
    after = OnnxEmbedder(old, MODEL)
    assert np.array_equal(after.embed_documents(check_texts()), before)
    assert np.array_equal(
        after.embed_query("cycle paths"), OnnxEmbedder(exported, MODEL).embed_query("cycle paths")
    )
    assert not [p for p in old.iterdir() if p.name.startswith(".")]  # no scratch folder left


def test_two_processes_exporting_at_once_export_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []

    def fake_export(source: Path, out: Path) -> dict[str, Any]:
        calls.append(1)
        time.sleep(0.2)  # long enough for the other thread to reach the lock
        (out / "model.onnx").write_text("{}", encoding="utf-8")
        (out / REPORT).write_text(json.dumps({APART: True}), encoding="utf-8")
        return {}

    monkeypatch.setattr("semsearch.embedding.onnx_export.export_model", fake_export)
    source, root = minilm_folder(), tmp_path / "onnx"
    folders: list[Path] = []
    threads = [
        threading.Thread(target=lambda: folders.append(ensure_export(MODEL, source, root))) for _ in range(2)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1 and folders[0] == folders[1] == export_folder(MODEL, source, root)
    assert is_ready(folders[0]) and [p.name for p in root.iterdir() if p.is_dir()] == [folders[0].name]


def test_a_failed_export_leaves_nothing_half_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(source: Path, out: Path) -> dict[str, Any]:
        (out / "model.onnx").write_text("partial", encoding="utf-8")
        raise RuntimeError("exporter crashed")

    monkeypatch.setattr("semsearch.embedding.onnx_export.export_model", broken)
    root = tmp_path / "onnx"
    with pytest.raises(ModelLoadError, match="exporter crashed"):
        ensure_export(MODEL, minilm_folder(), root)
    assert [p for p in root.iterdir() if p.is_dir()] == []


@pytest.mark.parametrize(
    ("encoder", "model", "error", "message"),
    [
        ("gpu", MODEL, ConfigError, "choose among auto, torch, onnx, onnx-int8"),
        ("onnx", "some-org/hub-only-model", ModelLoadError, "not a local folder"),
    ],
)
def test_the_encoder_setting_is_checked(
    encoder: str, model: str, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        load_embedder(SimpleNamespace(model=model, device="cpu", encoder=encoder, prompts=None))  # type: ignore[arg-type]


def test_auto_falls_back_to_torch_when_onnx_cannot_run(monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[str] = []
    monkeypatch.setattr(
        loader_module, "SentenceTransformerEmbedder", lambda name, device, prompts: made.append(name)
    )
    load_embedder(
        SimpleNamespace(model="some-org/hub-only-model", device="cpu", encoder="auto", prompts=None)
    )  # type: ignore[arg-type]
    load_embedder(SimpleNamespace(model=MODEL, device="cuda", encoder="auto", prompts=None))  # type: ignore[arg-type]
    assert made == ["some-org/hub-only-model", MODEL]


# -- the query cache -----------------------------------------------------------------------------


def test_the_query_cache_answers_repeats_and_forgets_the_least_recent() -> None:
    computed: list[str] = []

    def embed(text: str) -> np.ndarray:
        computed.append(text)
        return np.full(3, len(text), dtype=np.float32)

    cache = QueryCache(size=2)
    first = cache.get("a", embed)
    assert cache.get("a", embed) is first and computed == ["a"]
    cache.get("bb", embed)
    cache.get("a", embed)  # "a" is now the most recent
    cache.get("ccc", embed)  # evicts "bb"
    cache.get("bb", embed)
    assert computed == ["a", "bb", "ccc", "bb"] and len(cache) == 2 and (cache.hits, cache.misses) == (2, 4)
    with pytest.raises(ValueError):
        first[0] = 0  # read-only: a caller cannot change what others will get
    off = QueryCache(size=0)
    off.get("a", embed)
    off.get("a", embed)
    assert computed[-2:] == ["a", "a"] and len(off) == 0


def test_the_query_cache_is_safe_under_threads() -> None:
    cache = QueryCache(size=8)
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            for i in range(300):
                text = f"q{(n + i) % 12}"
                vector = cache.get(text, lambda t: np.full(4, int(t[1:]), dtype=np.float32))
                assert vector[0] == int(text[1:])
        except BaseException as exc:  # surfaced below, in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and len(cache) <= 8
