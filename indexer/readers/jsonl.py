"""JSON Lines files: one question a line, in one of three shapes recognised by their fields.

- UK House of Commons export: ``{id, month, question_text, answer_text}`` (answer in HTML);
- Walloon / Chamber export: ``{id, assembly, assembly_ref, session, number, title, date_asked,
  asked_by, asked_to, question, date_answer, answered_by, answer}``;
- otherwise the canonical schema, the fields of :class:`Question`.

The file is read line by line (exports run to tens of MB); a bad line is reported and skipped.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator, Mapping
from datetime import date
from pathlib import Path
from typing import Any, BinaryIO

from indexer.readers.common import (
    bom_encoding,
    build_question,
    describe_os_error,
    html_to_paragraphs,
    looks_binary,
    normalize_space,
    parse_date,
    split_addressee,
)
from semsearch.errors import InputError
from semsearch.models import Question

MAX_LINE_BYTES = 16 * 1024 * 1024
UK_ASSEMBLY = "House of Commons"
TITLE_LIMIT = 120

_EXPORT_KEYS = ("asked_to", "asked_by", "assembly_ref")
_EXPORT_NAMES = {
    "author": "asked_by",
    "addressee": "asked_to",
    "addressee_role": "asked_to",
    "date_answered": "date_answer",
    "source_ref": "assembly_ref",
}
_UK_NAMES = {"question": "question_text", "answer": "answer_text", "date_asked": "month", "source_ref": "id"}

_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_UK_OPENING = re.compile(r"^to\s+ask\s+(?:the\s+)?", re.IGNORECASE)
# The question proper starts with one of these; lowercase only, as department names are capitalised.
_QUESTION_START = re.compile(
    r"\s(?:what|whether|if|how|when|which|why|who|where|pursuant|with reference|further to)\b"
)
_NOT_A_NAME_PART = frozenset(
    "what whether if how when which why who where pursuant with further following for in on to by as "
    "given and notwithstanding".split()
)
_MAX_ADDRESSEE = 150


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


# --- fields ------------------------------------------------------------------------------


def _string(
    record: Mapping[str, Any], key: str, *, required: bool = False, number: bool = False
) -> str | None:
    """A whitespace-normalised string field (ids and numbers may also be JSON numbers)."""
    value = record.get(key)
    if value is None:
        if required:
            raise InputError(f"field '{key}' is required")
        return None
    is_number = isinstance(value, int) and not isinstance(value, bool)
    if not isinstance(value, str) and not (number and is_number):
        raise InputError(f"field '{key}' must be a string, got {_json_type(value)}")
    text = normalize_space(str(value))
    if required and not text:
        raise InputError(f"field '{key}' is empty")
    return text or None


def _date(record: Mapping[str, Any], key: str) -> date | None:
    value = record.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str):
        raise InputError(f"field '{key}' must be a date string, got {_json_type(value)}")
    try:
        return parse_date(value)
    except InputError as exc:
        raise InputError(f"field '{key}': {exc.message}") from None


def _paragraphs(record: Mapping[str, Any], key: str, *, required: bool) -> str | list[str]:
    """A text field given as one string (paragraphs split on blank lines) or a list of strings."""
    value = record.get(key)
    if isinstance(value, str):
        if value.strip():
            return value
    elif isinstance(value, list) and all(isinstance(item, str) for item in value):
        if any(item.strip() for item in value):
            return [str(item) for item in value]
    elif value is not None:
        raise InputError(f"field '{key}' must be a string or a list of strings, got {_json_type(value)}")
    if required:
        raise InputError(f"field '{key}' is required" if value is None else f"field '{key}' is empty")
    return []


# --- UK ----------------------------------------------------------------------------------


def split_uk_opening(text: str) -> tuple[str | None, str | None, str]:
    """("Secretary of State for X", role, rest) from "To ask the Secretary of State for X, rest".

    The addressee runs to the first comma, except that department names hold commas of their own
    ("… for Environment, Food and Rural Affairs"): a segment that starts with a capitalised word
    continues the name. "…, representing the House of Commons Commission, …" becomes the role.
    """
    opening = _UK_OPENING.match(text)
    if not opening:
        return None, None, text
    body = text[opening.end() :]
    parts = body.split(",")
    name_parts: list[str] = []
    rest, role = "", None
    for index, part in enumerate(parts):
        if index and (index > 3 or not _continues_name(part)):
            if part.strip().lower().startswith("representing "):
                role, index = normalize_space(part), index + 1
            rest = ",".join(parts[index:])
            break
        glued = _QUESTION_START.search(part)
        if glued:  # "… the Home Department what …": no comma after the name
            name_parts.append(part[: glued.start()])
            rest = ",".join([part[glued.start() :], *parts[index + 1 :]])
            break
        name_parts.append(part)
    name = ",".join(name_parts)
    name = normalize_space(name)
    if not name or len(name) > _MAX_ADDRESSEE:
        return None, None, text
    return name, role, rest.strip()


def _continues_name(segment: str) -> bool:
    words = segment.split()
    return bool(words) and words[0][0].isupper() and words[0].lower() not in _NOT_A_NAME_PART


def make_title(text: str, limit: int = TITLE_LIMIT) -> str:
    """A title from a question's words: capitalised, at most ``limit`` characters, cut at a word."""
    text = normalize_space(text)
    if text:
        text = text[0].upper() + text[1:]
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:-–(") + "…"


def _month(record: Mapping[str, Any]) -> date | None:
    value = record.get("month")
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str):
        raise InputError(f"field 'month' must be a string like '2023-09', got {_json_type(value)}")
    match = _MONTH.match(value.strip())
    try:
        if match:
            return date(int(match.group(1)), int(match.group(2)), 1)
        return parse_date(value)  # a full date is fine too
    except (ValueError, InputError):
        raise InputError(f"field 'month': invalid month {value.strip()[:40]!r}") from None


def _uk_question(record: Mapping[str, Any]) -> Question:
    text = _paragraphs(record, "question_text", required=True)
    flat = normalize_space(" ".join(text) if isinstance(text, list) else text)
    addressee, role, rest = split_uk_opening(flat)
    if _UK_OPENING.match(rest):  # the opening typed twice: "To ask the X, To ask the X, what …"
        rest = split_uk_opening(rest)[2]
    answer_html = record.get("answer_text")
    if answer_html is not None and not isinstance(answer_html, str):
        raise InputError(f"field 'answer_text' must be a string, got {_json_type(answer_html)}")
    try:
        answer = html_to_paragraphs(answer_html) if answer_html else []
    except InputError as exc:
        raise InputError(f"field 'answer_text': {exc.message}") from None
    qid = _string(record, "id", number=True)
    data = {
        "id": qid,
        "assembly": UK_ASSEMBLY,
        "title": _string(record, "title") or make_title(rest or flat),
        "date_asked": _month(record),
        "addressee": addressee,
        "addressee_role": role,
        "question": text,
        "answer": answer,
        "language": "en",
        "source_ref": qid,
    }
    return build_question(data, _UK_NAMES)


# --- Walloon / Chamber export ------------------------------------------------------------


def _export_question(record: Mapping[str, Any]) -> Question:
    addressee, role = split_addressee(_string(record, "asked_to"))
    data = {
        "id": _string(record, "id", number=True),
        "assembly": _string(record, "assembly", required=True),
        "session": _string(record, "session", number=True),
        "number": _string(record, "number", number=True),
        "title": _string(record, "title", required=True),
        "date_asked": _date(record, "date_asked"),
        "author": _string(record, "asked_by"),
        "addressee": addressee,
        "addressee_role": role,
        "question": _paragraphs(record, "question", required=True),
        "date_answered": _date(record, "date_answer"),
        "answered_by": _string(record, "answered_by"),
        "answer": _paragraphs(record, "answer", required=False),
        "language": _string(record, "language") or "fr",
        "url": _string(record, "url"),
        "source_ref": _string(record, "assembly_ref", number=True),
    }
    return build_question(data, _EXPORT_NAMES)


# --- records and lines -------------------------------------------------------------------


def record_to_question(record: object) -> Question:
    """A Question from one decoded JSON record of any of the three shapes.

    Raises InputError with a one-line message that does not name the file.
    """
    if not isinstance(record, dict):
        raise InputError(f"expected a JSON object, got {_json_type(record)}")
    if "question_text" in record:
        return _uk_question(record)
    if any(key in record for key in _EXPORT_KEYS):
        return _export_question(record)
    canonical = dict(record)
    for key in ("date_asked", "date_answered"):
        if isinstance(canonical.get(key), str) and canonical[key].strip():
            canonical[key] = _date(canonical, key)  # DD/MM/YYYY and friends, not only ISO
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


class _FileError(InputError):
    """A problem with the whole file rather than one of its lines."""


def _open_lines(path: Path) -> Iterator[str | InputError]:
    """Lines of a JSONL file; a file-level problem is a _FileError after which nothing follows."""
    try:
        with path.open("rb") as handle:
            head = handle.read(8192)
            handle.seek(0)
            announced = bom_encoding(head)
            if announced and announced[0] != "utf-8":
                yield from _wide_lines(handle, announced[0])
            elif b"\x00" in head or looks_binary(head.decode("utf-8", errors="replace")):
                yield _FileError("binary file, not JSON Lines")
            else:
                yield from _utf8_lines(handle)
    except OSError as exc:
        yield _FileError(describe_os_error(exc))


def read_jsonl(path: Path) -> Iterator[Question | InputError]:
    """Questions of a JSON Lines file, and one InputError per bad line ("file:line: problem")."""
    source = str(path)
    records = 0
    for number, line in enumerate(_open_lines(path), start=1):
        if isinstance(line, _FileError):
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
