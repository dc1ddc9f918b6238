"""The UK House of Commons export: ``{id, month, question_text, answer_text}`` (answer in HTML).

The addressee comes from the question's opening words ("To ask the Secretary of State for …,"),
the date is the first day of ``month``, the title is made from the question.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from indexer.readers.dates import parse_date
from indexer.readers.html_text import html_to_paragraphs
from indexer.readers.json_fields import json_type, paragraphs_field, string_field
from indexer.readers.questions import build_question
from indexer.readers.text import normalize_space
from semsearch.errors import InputError
from semsearch.models import Question

UK_ASSEMBLY = "House of Commons"
TITLE_LIMIT = 120
# The record's own key names, for error messages about the Question fields made from them.
UK_NAMES = {"question": "question_text", "answer": "answer_text", "date_asked": "month", "source_ref": "id"}

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
        raise InputError(f"field 'month' must be a string like '2023-09', got {json_type(value)}")
    match = _MONTH.match(value.strip())
    try:
        if match:
            return date(int(match.group(1)), int(match.group(2)), 1)
        return parse_date(value)  # a full date is fine too
    except (ValueError, InputError):
        raise InputError(f"field 'month': invalid month {value.strip()[:40]!r}") from None


def uk_question(record: Mapping[str, Any]) -> Question:
    text = paragraphs_field(record, "question_text", required=True)
    flat = normalize_space(" ".join(text) if isinstance(text, list) else text)
    addressee, role, rest = split_uk_opening(flat)
    if _UK_OPENING.match(rest):  # the opening typed twice: "To ask the X, To ask the X, what …"
        rest = split_uk_opening(rest)[2]
    answer_html = record.get("answer_text")
    if answer_html is not None and not isinstance(answer_html, str):
        raise InputError(f"field 'answer_text' must be a string, got {json_type(answer_html)}")
    try:
        answer = html_to_paragraphs(answer_html) if answer_html else []
    except InputError as exc:
        raise InputError(f"field 'answer_text': {exc.message}") from None
    qid = string_field(record, "id", number=True)
    data = {
        "id": qid,
        "assembly": UK_ASSEMBLY,
        "title": string_field(record, "title") or make_title(rest or flat),
        "date_asked": _month(record),
        "addressee": addressee,
        "addressee_role": role,
        "question": text,
        "answer": answer,
        "language": "en",
        "source_ref": qid,
    }
    return build_question(data, UK_NAMES)
