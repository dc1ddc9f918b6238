"""Fields of a decoded JSON record, checked one by one: a wrong type or an empty required field is
one line naming the field (never the file: the JSON Lines reader puts the file and line in front)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from indexer.readers.dates import parse_date
from indexer.readers.text import normalize_space
from semsearch.errors import InputError


def json_type(value: object) -> str:
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


def string_field(
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
        raise InputError(f"field '{key}' must be a string, got {json_type(value)}")
    text = normalize_space(str(value))
    if required and not text:
        raise InputError(f"field '{key}' is empty")
    return text or None


def date_field(record: Mapping[str, Any], key: str) -> date | None:
    value = record.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str):
        raise InputError(f"field '{key}' must be a date string, got {json_type(value)}")
    try:
        return parse_date(value)
    except InputError as exc:
        raise InputError(f"field '{key}': {exc.message}") from None


def paragraphs_field(record: Mapping[str, Any], key: str, *, required: bool) -> str | list[str]:
    """A text field given as one string (paragraphs split on blank lines) or a list of strings."""
    value = record.get(key)
    if isinstance(value, str):
        if value.strip():
            return value
    elif isinstance(value, list) and all(isinstance(item, str) for item in value):
        if any(item.strip() for item in value):
            return [str(item) for item in value]
    elif value is not None:
        raise InputError(f"field '{key}' must be a string or a list of strings, got {json_type(value)}")
    if required:
        raise InputError(f"field '{key}' is required" if value is None else f"field '{key}' is empty")
    return []
