"""Readers: turn a file into Questions, and every problem into an InputError (yielded, not raised).

An error's message is one line naming the file (and the line, for JSON Lines) and the problem.
"""

from __future__ import annotations

import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from indexer.readers.decoding import decode_bytes, describe_os_error, line_list, read_bytes
from indexer.readers.jsonl import read_jsonl
from indexer.readers.walloon_html import parse_walloon_html
from indexer.readers.walloon_text import parse_walloon_text
from semsearch.errors import InputError
from semsearch.models import Question

__all__ = ["SUPPORTED_SUFFIXES", "ReadNotice", "read_file"]


@dataclass(frozen=True)
class ReadNotice:
    """Something the user should know about a file that was read all the same (one line)."""

    message: str


SUPPORTED_SUFFIXES: frozenset[str] = frozenset({".txt", ".html", ".htm", ".jsonl", ".ndjson"})

_JSONL_SUFFIXES = frozenset({".jsonl", ".ndjson"})
_HTML_SUFFIXES = frozenset({".html", ".htm"})
# One question page is a few kB; anything this big is not one.
_MAX_PAGE_BYTES = 20_000_000


def _file_problem(path: Path) -> str | None:
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        return describe_os_error(exc)
    if stat.S_ISDIR(mode):
        return "is a directory, not a file"
    if not stat.S_ISREG(mode):
        return "is not a regular file"
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        shown = f"'{suffix}'" if suffix else "without a suffix"
        return f"unsupported file type {shown} (expected one of {', '.join(sorted(SUPPORTED_SUFFIXES))})"
    return None


def _read_page(
    path: Path, parse: Callable[[str, str], Question], *, html: bool
) -> Iterator[Question | ReadNotice]:
    source = str(path)
    try:
        data = read_bytes(path, limit=_MAX_PAGE_BYTES)
        if not data.strip():
            raise InputError("is empty")
        decoded = decode_bytes(data, html=html)
    except InputError as exc:
        raise InputError(f"{source}: {exc.message}") from None
    if not decoded.text.strip():
        raise InputError(f"{source}: is empty")
    yield parse(decoded.text, source)
    if decoded.repaired:
        lines = line_list(decoded.repaired)
        word = "line" if len(decoded.repaired) == 1 else "lines"
        yield ReadNotice(f"{source}: {word} {lines} not UTF-8 like the rest, read as Windows-1252")


def read_file(path: Path) -> Iterator[Question | InputError | ReadNotice]:
    """The questions of a ``.txt`` / ``.html`` / ``.htm`` page or a ``.jsonl`` / ``.ndjson`` file.

    Problems are yielded as InputError: one for a file-level problem (then nothing else), one per
    bad line of a JSON Lines file (the good lines are still read).
    """
    problem = _file_problem(path)
    if problem:
        yield InputError(f"{path}: {problem}")
        return
    suffix = path.suffix.lower()
    if suffix in _JSONL_SUFFIXES:
        yield from read_jsonl(path)
        return
    html = suffix in _HTML_SUFFIXES
    try:
        yield from _read_page(path, parse_walloon_html if html else parse_walloon_text, html=html)
    except InputError as exc:
        yield exc
