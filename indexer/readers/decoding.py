"""Bytes to text: byte-order marks, UTF-8, a declared HTML charset or cp1252; binary refused.

Helpers here raise :class:`InputError` with a message that does not name the file: the
reader that calls them knows the file and puts it in front.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from pathlib import Path

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


def decode_bytes(data: bytes, *, html: bool = False) -> str:
    """Text of a file: a BOM wins, then strict UTF-8, then (HTML) the declared charset, then cp1252.

    Raises InputError for binary data (NUL bytes outside UTF-16/32, or many control characters).
    """
    announced = bom_encoding(data)
    if announced:
        encoding, skip = announced
        try:
            text = data[skip:].decode(encoding)
        except UnicodeDecodeError:
            raise InputError(f"not valid {encoding.upper()} text despite its byte-order mark") from None
    elif b"\x00" in data:
        raise InputError("binary file, not text")
    else:
        text = _decode_without_bom(data, html=html)
    if looks_binary(text):
        raise InputError("binary file, not text")
    return text


def _decode_without_bom(data: bytes, *, html: bool) -> str:
    candidates = ["utf-8"]
    if html:
        declared = _declared_charset(data)
        if declared and declared not in candidates:
            candidates.append(declared)
    candidates.append("cp1252")
    for encoding in candidates:
        try:
            return data.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
    # cp1252 leaves five bytes undefined; Latin-1 maps every byte, so this cannot fail.
    return data.decode("latin-1")


def describe_os_error(exc: OSError) -> str:
    if isinstance(exc, FileNotFoundError):
        return "file not found"
    if isinstance(exc, PermissionError):
        return "permission denied"
    if isinstance(exc, IsADirectoryError):
        return "is a directory, not a file"
    return f"cannot read: {exc.strerror or exc.__class__.__name__}"


def read_bytes(path: Path, *, limit: int) -> bytes:
    """The file's bytes; InputError when it cannot be read or is larger than ``limit``."""
    try:
        with path.open("rb") as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        raise InputError(describe_os_error(exc)) from None
    if len(data) > limit:
        raise InputError(f"too large (over {limit // 1_000_000} MB) for one question page")
    return data
