"""How a question and its passages are laid out in the store's payload, and read back.

Every passage carries its question's metadata (so a hit needs no second lookup and the
engine can filter on it) but only its own text (so the full text is stored once). This is the
one module that knows the payload's keys: the service, the ranking and the stores go through it.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from semsearch.filters import name_tokens
from semsearch.models import MatchedPassage, Passage, PassageKind, Question, QuestionSummary

Payload = dict[str, Any]

QUESTION_ID = "question_id"
POSITION = "position"  # 0: the question's first passage, its "head"
NATURAL_KEY = "natural_key"
CONTENT_HASH = "content_hash"
ASSEMBLY = "assembly"
SESSION = "session"
LANGUAGE = "language"
DATE_ASKED = "date_asked"
AUTHOR_TOKENS = "author_tokens"
ADDRESSEE_TOKENS = "addressee_tokens"
# "answered"/"unanswered": qdrant-edge 0.9 never matches a bool value, so the answered filter
# goes through a keyword.
STATE = "state"

# Payload fields the engine filters on, and the index type each needs.
KEYWORD_FIELDS = (
    QUESTION_ID,
    NATURAL_KEY,
    ASSEMBLY,
    SESSION,
    LANGUAGE,
    AUTHOR_TOKENS,
    ADDRESSEE_TOKENS,
    STATE,
)
INTEGER_FIELDS = (POSITION,)
DATETIME_FIELDS = (DATE_ASKED,)
# What ranking needs of each fetched passage; the rest is read for the page's passages alone.
RANKING_FIELDS = (QUESTION_ID, POSITION)
QUESTION_FIELDS = (QUESTION_ID,)

_SUMMARY_FIELDS = tuple(QuestionSummary.model_fields)


def state(answered: bool) -> str:
    return "answered" if answered else "unanswered"


def passage_payload(
    question: Question, passage: Passage, content_hash: str, source_hashes: list[str], qid: str
) -> Payload:
    data = question.model_dump(mode="json", exclude={"question", "answer", "id"})
    data.update(
        question_id=qid,
        answered=question.answered,
        state=state(question.answered),
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
        answer_chars=sum(map(len, question.answer)),
    )
    return data


# -- one passage ------------------------------------------------------------------------------
def question_id_of(payload: Payload) -> str:
    return str(payload[QUESTION_ID])


def position_of(payload: Payload) -> int:
    return int(payload.get(POSITION, 0))


def is_head(payload: Payload) -> bool:
    return position_of(payload) == 0


def is_answer(payload: Payload) -> bool:
    return payload.get("kind") == PassageKind.answer.value


def text_of(payload: Payload) -> str:
    return str(payload["text"])


def language_of(payload: Payload) -> str | None:
    return payload.get(LANGUAGE)


def natural_key_of(payload: Payload) -> str | None:
    return payload.get(NATURAL_KEY)


def matched_passage(payload: Payload, score: float) -> MatchedPassage:
    return MatchedPassage(
        kind=payload["kind"], paragraph=payload["paragraph"], text=payload["text"], score=score
    )


# -- a question's head: what says it is indexed, and from which sources --------------------------
def source_hashes(head: Payload) -> list[str]:
    """The content hashes of every record this question was written from (unchanged ones are skipped)."""
    return list(head.get("source_hashes", []))


def is_id_derived(head: Payload) -> bool:
    """Indexed under an id derived from its natural key (a page without an id of its own)."""
    return bool(head.get("id_derived"))


def stored_answer(head: Payload) -> tuple[bool, int]:
    """(answered, characters of the answer), as indexed."""
    return bool(head.get("answered")), int(head.get("answer_chars", 0))


# -- back to the domain ------------------------------------------------------------------------
def summary_from_payload(payload: Payload) -> dict[str, Any]:
    data = {k: payload.get(k) for k in _SUMMARY_FIELDS if k != "id"}
    data["id"] = payload[QUESTION_ID]
    data["answered"] = bool(payload.get("answered"))
    return data


def question_from_payloads(payloads: list[Payload]) -> Question:
    """Rebuild a whole question from its passages (split paragraphs are joined back)."""
    ordered = sorted(payloads, key=lambda p: int(p[POSITION]))
    head = ordered[0]
    parts: dict[tuple[str, int], list[str]] = defaultdict(list)
    for p in ordered:
        parts[(p["kind"], int(p["paragraph"]))].append(p["text"])

    def paragraphs(kind: PassageKind) -> list[str]:
        keys = sorted(n for k, n in parts if k == kind.value)
        return [" ".join(parts[(kind.value, n)]) for n in keys]

    fields: dict[str, Any] = {k: head.get(k) for k in Question.model_fields}
    fields.update(
        id=head[QUESTION_ID],
        title=" ".join(parts[(PassageKind.title.value, 0)]) or head.get("title") or "",
        question=paragraphs(PassageKind.question),
        answer=paragraphs(PassageKind.answer),
    )
    return Question.model_validate(fields)
