"""The precision of an index's vectors: chosen by the encoder setting, recorded, and checked."""

from __future__ import annotations

import pytest

from semsearch.embedding.loader import vector_precision
from semsearch.errors import ModelMismatchError
from semsearch.index_meta import check_precision, new_meta
from semsearch.settings import Settings


@pytest.mark.parametrize(
    ("model", "encoder", "device", "expected"),
    [
        ("multilingual-e5-small", "auto", "cpu", "fp32"),  # the default keeps fp32 (quality first)
        ("multilingual-e5-small", "onnx-int8", "cpu", "int8"),
        ("multilingual-e5-small", "onnx", "cpu", "fp32"),
        ("multilingual-e5-small", "torch", "cpu", "fp32"),
        ("multilingual-e5-small", "auto", "cuda", "fp32"),  # auto is torch on a GPU
        ("some-org/hub-only-model", "auto", "cpu", "fp32"),  # not local: torch
        ("fake", "onnx-int8", "cpu", "fp32"),
    ],
)
def test_the_settings_say_the_precision(model: str, encoder: str, device: str, expected: str) -> None:
    settings = Settings(model=model, encoder=encoder, device=device, _env_file=None)  # type: ignore[arg-type, call-arg]
    assert vector_precision(settings) == expected


def test_an_index_refuses_vectors_of_the_other_precision() -> None:
    meta = new_meta("multilingual-e5-small", 384, "use-multilingual-v3", 512, "int8")
    check_precision(meta, "multilingual-e5-small", "int8", "/idx")
    with pytest.raises(ModelMismatchError) as caught:
        check_precision(meta, "multilingual-e5-small", "fp32", "/idx")
    assert caught.value.message == (
        "the index /idx holds int8 vectors of 'multilingual-e5-small' but the encoder makes fp32 ones: "
        "set SEMSEARCH_ENCODER=onnx-int8, or re-index with 'semsearch index --rebuild'"
    )
    # An index that records no precision was made by fp32 encoders.
    check_precision({"model": "m"}, "m", "fp32", "/idx")
