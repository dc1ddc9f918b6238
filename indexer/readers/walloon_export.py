"""The Walloon (and Chamber) export: ``{id, assembly, assembly_ref, session, number, title,
date_asked, asked_by, asked_to, question, date_answer, answered_by, answer}``; the ``id`` is kept."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from indexer.readers.json_fields import date_field, paragraphs_field, string_field
from indexer.readers.questions import build_question, split_addressee
from semsearch.models import Question

# Any of these fields says a record is of this shape.
EXPORT_KEYS = ("asked_to", "asked_by", "assembly_ref")
# The record's own key names, for error messages about the Question fields made from them.
EXPORT_NAMES = {
    "author": "asked_by",
    "addressee": "asked_to",
    "addressee_role": "asked_to",
    "date_answered": "date_answer",
    "source_ref": "assembly_ref",
}


def export_question(record: Mapping[str, Any]) -> Question:
    addressee, role = split_addressee(string_field(record, "asked_to"))
    data = {
        "id": string_field(record, "id", number=True),
        "assembly": string_field(record, "assembly", required=True),
        "session": string_field(record, "session", number=True),
        "number": string_field(record, "number", number=True),
        "title": string_field(record, "title", required=True),
        "date_asked": date_field(record, "date_asked"),
        "author": string_field(record, "asked_by"),
        "addressee": addressee,
        "addressee_role": role,
        "question": paragraphs_field(record, "question", required=True),
        "date_answered": date_field(record, "date_answer"),
        "answered_by": string_field(record, "answered_by"),
        "answer": paragraphs_field(record, "answer", required=False),
        "language": string_field(record, "language") or "fr",
        "url": string_field(record, "url"),
        "source_ref": string_field(record, "assembly_ref", number=True),
    }
    return build_question(data, EXPORT_NAMES)
