"""Damage done to an embedded index's files, as a disk, a copy or a hand can do it: for the tests of
what every command says about a damaged index (issue 15, item 5) and of ``semsearch check``."""

from __future__ import annotations

import os
import struct
from pathlib import Path


def segment(index: Path) -> Path:
    """The index's (only, at the tests' sizes) segment folder."""
    (found,) = [p for p in (index / "shard" / "segments").iterdir() if p.is_dir()]
    return found


def _data_end(path: Path) -> int:
    """Where the file's written bytes end (the rest is an unallocated tail of zeros)."""
    data = path.read_bytes()
    return len(data.rstrip(b"\x00"))


def garble_payloads(index: Path) -> None:
    """Overwrite the last written third of the payload page: the latest (committed) payloads."""
    page = segment(index) / "payload_storage" / "page_0.dat"
    end = _data_end(page)
    with page.open("r+b") as handle:
        handle.seek(end * 2 // 3)
        handle.write(bytes((i * 37 + 11) % 256 for i in range(end // 3)))


def garble_vectors(index: Path, dimension: int, first: int = 0, count: int = 400) -> None:
    """Overwrite ``count`` dense vectors from the ``first``-th with huge values."""
    chunk = segment(index) / "vector_storage-dense" / "vectors" / "chunk_0.mmap"
    with chunk.open("r+b") as handle:
        handle.seek(first * dimension * 4)
        handle.write(struct.pack("<f", 3.0e38) * dimension * count)


def truncate_vectors(index: Path, dimension: int, keep: int = 40) -> None:
    chunk = segment(index) / "vector_storage-dense" / "vectors" / "chunk_0.mmap"
    os.truncate(chunk, keep * dimension * 4)


def garble_mappings(index: Path) -> None:
    """An insertion of an internal id of 2^31 in the id tracker: the engine sizes a table by it."""
    mappings = segment(index) / "mutable_id_tracker.mappings"
    with mappings.open("ab") as handle:
        handle.write(b"\x02" + bytes(range(16)) + struct.pack("<I", 2**31))


def remove_config(index: Path) -> None:
    (index / "shard" / "edge_config.json").unlink()
