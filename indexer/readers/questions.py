"""Building a :class:`Question` from a reader's fields, with one readable line when they do not fit."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from indexer.readers.text import normalize_space, shorten
from semsearch.errors import InputError
from semsearch.models import Question


def describe_validation_error(exc: ValidationError, names: Mapping[str, str] | None = None) -> str:
    """The first error of a pydantic validation as one readable line.

    ``names`` maps the model's field names back to the names the input used.
    """
    errors = exc.errors(include_url=False)
    if not errors:
        return "invalid record"
    first = errors[0]
    loc = [str(part) for part in first["loc"]]
    if loc and names:
        loc[0] = names.get(loc[0], loc[0])
    where = "".join(f"[{part}]" if part.isdigit() else f".{part}" for part in loc).lstrip(".")
    if not where:
        message = normalize_space(str(first["msg"]))
    elif first["type"] == "missing":
        message = f"field '{where}' is required"
    else:
        message = f"field '{where}': {normalize_space(str(first['msg']))}"
        value = first.get("input")
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            message += f" (got {shorten(value)})"
    if len(errors) > 1:
        more = len(errors) - 1
        message += f" (and {more} more error{'s' if more > 1 else ''})"
    return message


def build_question(data: Mapping[str, Any], names: Mapping[str, str] | None = None) -> Question:
    """A validated Question; InputError with one readable line when the data does not fit."""
    try:
        return Question.model_validate(dict(data))
    except ValidationError as exc:
        raise InputError(describe_validation_error(exc, names)) from None


# A function named without a minister ("Secrétaire d'État à la Mobilité, adjoint au premier
# ministre", as the Chamber's export writes it): its comma is the function's own.
_FUNCTION_ONLY = re.compile(r"^(?:vice-)?(?:premi(?:er|ère) )?(?:ministre|secrétaire|président)", re.I)
# Exports that write this instead of leaving the field empty.
_NO_ADDRESSEE = {"unknown", "inconnu"}


def split_addressee(value: str | None) -> tuple[str | None, str | None]:
    """'BORSUS Willy, Ministre de …' -> ('BORSUS Willy', 'Ministre de …'); no comma -> (value, None).

    A function without a name stays whole, as the addressee: split, its second half ('adjoint au
    premier ministre') would pass for the minister's portfolio.
    """
    if value is None or normalize_space(value).lower() in _NO_ADDRESSEE:
        return None, None
    text = normalize_space(value)
    if _FUNCTION_ONLY.match(text):
        return text, None
    name, _, role = text.partition(",")
    return name.strip() or None, role.strip() or None
