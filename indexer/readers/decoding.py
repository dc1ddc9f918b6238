"""Bytes to text: byte-order marks, UTF-8, a declared HTML charset or cp1252; binary refused.

Helpers here raise :class:`InputError` with a message that does not name the file: the
reader that calls them knows the file and puts it in front.
"""

from __future__ import annotations

import codecs
import os
import re
import stat
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from semsearch.errors import InputError

# Longer BOMs first: the UTF-32-LE BOM starts with the UTF-16-LE one.
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

_META_CHARSET = re.compile(rb"<meta[^>]*?charset\s*=\s*[\"']?\s*([A-Za-z0-9_.:-]+)", re.IGNORECASE)


def bom_encoding(data: bytes) -> tuple[str, int] | None:
    """The encoding announced by a byte-order mark and the mark's length, if there is one."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return encoding, len(bom)
    return None


def looks_binary(text: str) -> bool:
    """True when more than 1% of the characters are control characters no text file contains."""
    if not text:
        return False
    controls = sum(1 for ch in text if ch not in "\t\n\r\f\v" and unicodedata.category(ch) == "Cc")
    return controls * 100 > len(text)


def _declared_charset(data: bytes) -> str | None:
    match = _META_CHARSET.search(data[:4096])
    if not match:
        return None
    try:
        return codecs.lookup(match.group(1).decode("ascii")).name
    except (LookupError, UnicodeDecodeError):
        return None


@dataclass(frozen=True)
class Decoded:
    text: str
    # 1-based lines read as Windows-1252 in a file whose other lines are UTF-8 (a page pasted
    # together from two sources): said to the user, as the repair may be wrong.
    repaired: list[int] = field(default_factory=list)


def decode_bytes(data: bytes, *, html: bool = False) -> Decoded:
    """Text of a file: a BOM wins, then strict UTF-8, then (HTML) a declared charset other than
    UTF-8, then line by line: UTF-8 where a line is, Windows-1252 where it is not.

    Raises InputError for binary data (NUL bytes outside UTF-16/32, or many control characters).
    """
    announced = bom_encoding(data)
    if announced:
        encoding, skip = announced
        try:
            decoded = Decoded(data[skip:].decode(encoding))
        except UnicodeDecodeError:
            raise InputError(f"not valid {encoding.upper()} text despite its byte-order mark") from None
    elif b"\x00" in data:
        raise InputError("binary file, not text")
    else:
        decoded = _decode_without_bom(data, html=html)
    if looks_binary(decoded.text):
        raise InputError("binary file, not text")
    return decoded


def _decode_without_bom(data: bytes, *, html: bool) -> Decoded:
    try:
        return Decoded(data.decode("utf-8"))
    except UnicodeDecodeError:
        pass
    declared = _declared_charset(data) if html else None
    if declared and declared != "utf-8":
        try:
            return Decoded(data.decode(declared))
        except (UnicodeDecodeError, LookupError):
            pass
    return _decode_lines(data)


def _legacy_bytes(exc: UnicodeError) -> tuple[str, int]:
    """Codec error handler: bytes that are not UTF-8 read as Windows-1252 (Latin-1 for the five
    bytes it leaves undefined), the rest of the line staying UTF-8."""
    assert isinstance(exc, UnicodeDecodeError)
    chunk = exc.object[exc.start : exc.end]
    try:
        return chunk.decode("cp1252"), exc.end
    except UnicodeDecodeError:
        return chunk.decode("latin-1"), exc.end


codecs.register_error("semsearch-cp1252", _legacy_bytes)


def _decode_lines(data: bytes) -> Decoded:
    """Each line as UTF-8, and its bytes that are not UTF-8 as Windows-1252. One stray byte no
    longer turns a whole UTF-8 page into mojibake (where 'Question écrite' was no longer found)."""
    lines: list[str] = []
    legacy: list[int] = []
    utf8 = False  # some line has non-ASCII UTF-8: the file is UTF-8, its legacy lines repaired
    for number, raw in enumerate(data.split(b"\n"), start=1):
        try:
            line = raw.decode("utf-8")
            utf8 = utf8 or not raw.isascii()
        except UnicodeDecodeError:
            legacy.append(number)
            line = raw.decode("utf-8", errors="semsearch-cp1252")
        lines.append(line)
    return Decoded("\n".join(lines), legacy if utf8 else [])


def line_list(numbers: list[int], shown: int = 8) -> str:
    """Line numbers as ranges: '2, 4-5, 7-9' (the first ``shown`` ranges, then how many more lines)."""
    ranges: list[list[int]] = []
    for n in sorted(numbers):
        if ranges and n == ranges[-1][1] + 1:
            ranges[-1][1] = n
        else:
            ranges.append([n, n])
    parts = [str(a) if a == b else f"{a}-{b}" for a, b in ranges[:shown]]
    rest = sum(b - a + 1 for a, b in ranges[shown:])
    return ", ".join(parts) + (f" and {rest} more" if rest else "")


def describe_os_error(exc: OSError) -> str:
    if isinstance(exc, FileNotFoundError):
        return "file not found"
    if isinstance(exc, PermissionError):
        return "permission denied"
    if isinstance(exc, IsADirectoryError):
        return "is a directory, not a file"
    return f"cannot read: {exc.strerror or exc.__class__.__name__}"


def open_regular(path: Path) -> BinaryIO:
    """The file, opened for reading only if it is a regular file: a FIFO named ``x.jsonl`` would
    block the indexer for ever, a link to /dev/zero never end. Opened without blocking, then
    checked, so that a file swapped after a first check is caught too. Raises OSError, or
    InputError for a file that is not a regular one."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise InputError("is not a regular file")
    os.set_blocking(fd, True)
    return os.fdopen(fd, "rb")


def read_bytes(path: Path, *, limit: int) -> bytes:
    """The file's bytes; InputError when it cannot be read or is larger than ``limit``."""
    try:
        with open_regular(path) as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        raise InputError(describe_os_error(exc)) from None
    if len(data) > limit:
        raise InputError(f"too large (over {limit // 1_000_000} MB) for one question page")
    return data
