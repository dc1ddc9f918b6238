"""JSON Lines files: one question a line, in one of three shapes recognised by their fields.

- UK House of Commons export (``uk_export``): a ``question_text`` field;
- Walloon / Chamber export (``walloon_export``): any of ``asked_to``, ``asked_by``, ``assembly_ref``;
- otherwise the canonical schema, the fields of :class:`Question`.

The file is read line by line (exports run to tens of MB); a bad line is reported and skipped.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from indexer.readers.decoding import bom_encoding, describe_os_error, looks_binary, open_regular
from indexer.readers.json_fields import date_field, json_type
from indexer.readers.questions import build_question
from indexer.readers.text import normalize_space
from indexer.readers.uk_export import uk_question
from indexer.readers.walloon_export import EXPORT_KEYS, export_question
from semsearch.errors import InputError, InputFileError
from semsearch.models import Question

MAX_LINE_BYTES = 16 * 1024 * 1024


def record_to_question(record: object) -> Question:
    """A Question from one decoded JSON record of any of the three shapes.

    Raises InputError with a one-line message that does not name the file.
    """
    if not isinstance(record, dict):
        raise InputError(f"expected a JSON object, got {json_type(record)}")
    if "question_text" in record:
        return uk_question(record)
    if any(key in record for key in EXPORT_KEYS):
        return export_question(record)
    canonical = dict(record)
    for key in ("date_asked", "date_answered"):
        if isinstance(canonical.get(key), str) and canonical[key].strip():
            canonical[key] = date_field(canonical, key)  # DD/MM/YYYY and friends, not only ISO
    return build_question(canonical)


def parse_line(text: str) -> Question:
    """A Question from one line of JSON; InputError (without file name) when it is not one."""
    try:
        value = json.loads(text)
    except RecursionError:
        raise InputError("JSON nested too deeply") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"invalid JSON: {exc.msg} (column {exc.colno})") from None
    except ValueError as exc:  # e.g. an integer with more digits than Python converts
        raise InputError(f"invalid JSON: {normalize_space(str(exc))}") from None
    try:
        return record_to_question(value)
    except RecursionError:
        raise InputError("record nested too deeply") from None


def _utf8_lines(handle: BinaryIO) -> Iterator[str | InputError]:
    """Decoded lines; an over-long or undecodable line becomes an InputError in its place."""
    first = True
    while raw := handle.readline(MAX_LINE_BYTES + 1):
        if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
            while (rest := handle.readline(1 << 20)) and not rest.endswith(b"\n"):
                pass  # skip the rest of the line without holding it in memory
            yield InputError(f"line longer than {MAX_LINE_BYTES // (1024 * 1024)} MB")
            continue
        if first and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        first = False
        try:
            yield raw.decode("utf-8")
        except UnicodeDecodeError:
            try:
                yield raw.decode("cp1252")
            except UnicodeDecodeError:
                yield InputError("line is not UTF-8 text")


def _wide_lines(handle: BinaryIO, encoding: str) -> Iterator[str | InputError]:
    # UTF-16/32 files are rare and small; a decoding error ends the file, it cannot resync.
    text = io.TextIOWrapper(handle, encoding=encoding.replace("-le", "").replace("-be", ""))
    try:
        yield from text
    except UnicodeDecodeError:
        yield InputError(f"not valid {encoding.upper()} text from here on")
    finally:
        text.detach()


def _open_lines(path: Path) -> Iterator[str | InputError]:
    """Lines of a JSONL file; a file-level problem is a InputFileError after which nothing follows."""
    try:
        with open_regular(path) as handle:
            head = handle.read(8192)
            handle.seek(0)
            announced = bom_encoding(head)
            if announced and announced[0] != "utf-8":
                yield from _wide_lines(handle, announced[0])
            elif b"\x00" in head or looks_binary(head.decode("utf-8", errors="replace")):
                yield InputFileError("binary file, not JSON Lines")
            else:
                yield from _utf8_lines(handle)
    except OSError as exc:
        yield InputFileError(describe_os_error(exc))
    except InputError as exc:
        yield InputFileError(exc.message)


def read_jsonl(path: Path) -> Iterator[Question | InputError]:
    """Questions of a JSON Lines file, and one InputError per bad line ("file:line: problem")."""
    source = str(path)
    records = 0
    for number, line in enumerate(_open_lines(path), start=1):
        if isinstance(line, InputFileError):
            yield InputError(f"{source}: {line.message}")
            return
        if isinstance(line, InputError):
            records += 1
            yield InputError(f"{source}:{number}: {line.message}")
            continue
        if not line.strip():
            continue
        records += 1
        try:
            yield parse_line(line)
        except InputError as exc:
            yield InputError(f"{source}:{number}: {exc.message}")
    if not records:
        yield InputError(f"{source}: is empty (no records)")
