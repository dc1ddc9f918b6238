"""Files written whole or not at all: into a temporary file beside the target, then renamed over
it, so that a crash, a full disk or two processes writing at once never leave half a file (the
index's meta, the caches of the models and of the point keys, the serving announcement)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import IO


def write_whole(path: Path, write: Callable[[IO[bytes]], object]) -> None:
    """``write`` the file's content into a temporary file named by this process, then rename it
    to ``path``. An ``OSError`` leaves no temporary file behind and is raised."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with tmp.open("wb") as handle:
            write(handle)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_text_whole(path: Path, text: str) -> None:
    write_whole(path, lambda handle: handle.write(text.encode("utf-8")))
