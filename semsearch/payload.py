"""How a question and its passages are laid out in the store's payload, and read back.

Every passage carries its question's metadata (so a hit needs no second lookup and the
engine can filter on it) but only its own text (so the full text is stored once).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from semsearch.filters import name_tokens
from semsearch.models import Passage, PassageKind, Question, QuestionSummary

_SUMMARY_FIELDS = tuple(QuestionSummary.model_fields)


def passage_payload(
    question: Question, passage: Passage, content_hash: str, source_hashes: list[str], qid: str
) -> dict[str, Any]:
    data = question.model_dump(mode="json", exclude={"question", "answer", "id"})
    data.update(
        question_id=qid,
        answered=question.answered,
        state="answered" if question.answered else "unanswered",
        natural_key=question.natural_key,
        id_derived=question.id is None,
        author_tokens=name_tokens(question.author),
        addressee_tokens=sorted(set(name_tokens(question.addressee) + name_tokens(question.addressee_role))),
        content_hash=content_hash,
        source_hashes=source_hashes,
        kind=passage.kind.value,
        paragraph=passage.paragraph,
        chunk=passage.chunk,
        position=passage.position,
        text=passage.text,
    )
    return data


def summary_from_payload(payload: dict[str, Any]) -> dict[str, Any]:
    data = {k: payload.get(k) for k in _SUMMARY_FIELDS if k != "id"}
    data["id"] = payload["question_id"]
    data["answered"] = bool(payload.get("answered"))
    return data


def question_from_payloads(payloads: list[dict[str, Any]]) -> Question:
    """Rebuild a whole question from its passages (split paragraphs are joined back)."""
    ordered = sorted(payloads, key=lambda p: int(p["position"]))
    head = ordered[0]
    parts: dict[tuple[str, int], list[str]] = defaultdict(list)
    for p in ordered:
        parts[(p["kind"], int(p["paragraph"]))].append(p["text"])

    def paragraphs(kind: PassageKind) -> list[str]:
        keys = sorted(n for k, n in parts if k == kind.value)
        return [" ".join(parts[(kind.value, n)]) for n in keys]

    fields: dict[str, Any] = {k: head.get(k) for k in Question.model_fields}
    fields.update(
        id=head["question_id"],
        title=" ".join(parts[(PassageKind.title.value, 0)]) or head.get("title") or "",
        question=paragraphs(PassageKind.question),
        answer=paragraphs(PassageKind.answer),
    )
    return Question.model_validate(fields)
