"""How much of a file is in the page cache (``mincore`` over a private mapping of it)."""

from __future__ import annotations

import ctypes
import mmap
import os
from pathlib import Path

_libc = ctypes.CDLL(None, use_errno=True)


def resident_bytes(path: Path) -> int:
    size = path.stat().st_size
    if size == 0:
        return 0
    page = mmap.PAGESIZE
    pages = (size + page - 1) // page
    with open(path, "rb") as handle, mmap.mmap(handle.fileno(), size, access=mmap.ACCESS_COPY) as mapped:
        # A private mapping shares the file's cached pages until written; nothing is written here.
        start = ctypes.c_char.from_buffer(mapped)
        try:
            found = (ctypes.c_ubyte * pages)()
            if _libc.mincore(ctypes.c_void_p(ctypes.addressof(start)), ctypes.c_size_t(size), found) != 0:
                raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()))
            return sum(1 for flag in found if flag & 1) * page
        finally:
            del start  # the buffer export must end before the mapping closes


def resident_in(folder: Path) -> int:
    """What the engine's segment files of an index folder have in the page cache."""
    return sum(resident_bytes(p) for p in folder.rglob("segments/**/*") if p.is_file())
