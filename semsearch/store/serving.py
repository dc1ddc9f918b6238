"""Which ``semsearch serve`` holds an embedded index, and where it answers.

Qdrant Edge lets one process hold an index. While ``semsearch serve`` holds it, it writes
``serving.json`` in the index folder (its process and URL), and removes it when it stops; a
one-off ``semsearch search`` then asks that server instead of failing on the lock, and answers in
the time of an HTTP request instead of a model load (docs/performance.md).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from semsearch.whole_files import write_text_whole

FILE = "serving.json"


def announce(folder: Path, url: str) -> None:
    """Say where this process answers (nothing when the index folder does not exist yet)."""
    if not folder.is_dir():
        return
    write_text_whole(folder / FILE, json.dumps({"pid": os.getpid(), "url": url}))


def withdraw(folder: Path) -> None:
    """Remove the announcement, if it is this process's own."""
    path = folder / FILE
    try:
        if json.loads(path.read_text(encoding="utf-8")).get("pid") == os.getpid():
            path.unlink()
    except (OSError, ValueError, AttributeError):
        pass


def served_at(folder: Path) -> str | None:
    """The URL of the server holding this index, if one announced itself and is still running."""
    try:
        data = json.loads((folder / FILE).read_text(encoding="utf-8"))
        pid, url = int(data["pid"]), str(data["url"])
        os.kill(pid, 0)  # raises when the process is gone (a server killed without cleaning up)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    return url
