"""What is checked before the embedded engine touches an index folder: its files and the free space.

The engine trusts its files: a garbled ``mutable_id_tracker.mappings`` made it try a 100 GB
allocation and abort the process (a Rust backtrace, ``serve`` gone), a missing
``edge_config.json`` made the index look empty. It maps its files in memory: on a full disk a
write into a mapped page kills the process with SIGBUS, before Python can say anything. So the
files that can be validated are validated here, and the space the engine will need is checked
first; both fail with one line.
"""

from __future__ import annotations

import json
import os
import struct
from pathlib import Path

from semsearch.errors import DiskSpaceError, IndexDamagedError
from semsearch.store.edge_folder import SHARD, SHARDS

MIB = 1 << 20
# The engine's write-ahead log preallocates two 32 MiB segments, and opens a new one when full.
WAL_BYTES = 64 * MIB
MARGIN = 32 * MIB
# A new shard's files, as a RAM-backed file system allocates them once they are mapped.
FRESH_SHARD_BYTES = 128 * MIB
_RAM_FILE_SYSTEMS = frozenset({"tmpfs", "ramfs", "shm"})

# mutable_id_tracker.mappings: entries of a type byte then the point id (u64 or u128) and, for an
# insertion, the internal id (u32). Sizes by type byte.
_ENTRY_SIZES = {1: 1 + 8 + 4, 2: 1 + 16 + 4, 3: 1 + 8, 4: 1 + 16}
_INSERTS = {1, 2}


def damaged(folder: Path, what: str) -> IndexDamagedError:
    return IndexDamagedError(f"the index {folder} is damaged: {what}")


def check_shard_files(folder: Path, name: str = SHARD) -> None:
    """Refuse a shard whose files the engine would misread or abort on (before it loads them)."""
    shard = folder / name
    segments = [p for p in (shard / "segments").glob("*") if p.is_dir()] if shard.is_dir() else []
    if not (shard / "edge_config.json").is_file():
        if segments:
            raise damaged(folder, f"{name}/edge_config.json is missing")
        return
    _check_json(folder, shard / "edge_config.json")
    for segment in segments:
        if not (segment / "version.info").is_file():
            continue  # a segment a crash cut while it was made: the engine deletes it on load
        _check_json(folder, segment / "segment.json")
        mappings = segment / "mutable_id_tracker.mappings"
        if mappings.is_file():
            check_mappings(folder, mappings)


def _check_json(folder: Path, path: Path) -> None:
    try:
        json.loads(path.read_bytes())
    except FileNotFoundError:
        raise damaged(folder, f"{path.relative_to(folder)} is missing") from None
    except (OSError, ValueError):
        raise damaged(folder, f"{path.relative_to(folder)} is unreadable") from None


def check_mappings(folder: Path, path: Path) -> None:
    """An id tracker's entries must each have a known type, and its internal ids must stay below
    the number of points it ever inserted: the engine sizes its tables by the largest one. (A
    trailing partial entry is what a crash leaves; the engine drops it, so it passes here.)"""
    data = path.read_bytes()
    inserts, offset, largest = 0, 0, -1
    while offset < len(data):
        kind = data[offset]
        size = _ENTRY_SIZES.get(kind)
        if size is None:
            raise damaged(folder, f"{path.relative_to(folder)} holds an unknown entry at byte {offset}")
        if offset + size > len(data):
            break
        if kind in _INSERTS:
            inserts += 1
            (internal,) = struct.unpack_from("<I", data, offset + size - 4)
            largest = max(largest, internal)
        offset += size
    if largest >= inserts:
        raise damaged(
            folder,
            f"{path.relative_to(folder)} names point {largest} of a segment that received {inserts} points",
        )


# -- free space --------------------------------------------------------------------------------
def file_system(path: Path) -> str:
    """The type of the file system holding ``path`` ('' when it cannot be told)."""
    try:
        mounts = Path("/proc/self/mounts").read_text(encoding="utf-8").splitlines()
    except OSError:
        return ""
    real = str(path.resolve())
    best, kind = "", ""
    for line in mounts:
        fields = line.split()
        if len(fields) >= 3:
            point = fields[1].replace("\\040", " ")
            inside = real == point or real.startswith(point.rstrip("/") + "/")
            if inside and len(point) >= len(best):
                best, kind = point, fields[2]
    return kind


def _holes(paths: list[Path]) -> int:
    """Bytes of these files not allocated yet (sparse files: the engine maps them whole)."""
    total = 0
    for path in paths:
        try:
            st = path.stat()
        except OSError:
            continue
        total += max(0, st.st_size - st.st_blocks * 512)
    return total


def open_needs(folder: Path) -> int:
    """Free bytes the engine may take to open this index: the unallocated part of its write-ahead
    log and, on a RAM-backed file system (where reading a mapped hole allocates it), of every file."""
    ram = file_system(folder) in _RAM_FILE_SYSTEMS
    files = [
        p
        for name in SHARDS
        for p in (folder / name).rglob("*")
        if p.is_file() and (ram or p.parent.name == "wal")
    ]
    return _holes(files) + MARGIN


def create_needs(folder: Path) -> int:
    return (FRESH_SHARD_BYTES if file_system(folder) in _RAM_FILE_SYSTEMS else WAL_BYTES) + MARGIN


def ensure_free(folder: Path, needed: int, doing: str) -> None:
    """Refuse, in one line, to ``doing`` when the file system of ``folder`` has less than ``needed``."""
    try:
        st = os.statvfs(folder)
    except OSError:
        return
    free = st.f_bavail * st.f_frsize
    if free < needed:
        raise DiskSpaceError(
            f"not enough free space to {doing} in {folder}: {free / MIB:.0f} MB free, about "
            f"{needed / MIB:.0f} MB needed; free some space or move the index (--index)"
        )
