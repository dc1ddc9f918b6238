"""How a question and its passages are laid out in the store's payload, and read back.

Every passage carries its question's metadata (so a hit needs no second lookup and the
engine can filter on it) but only its own text (so the full text is stored once). This is the
one module that knows the payload's keys: the service, the ranking and the stores go through it.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from semsearch.errors import IndexDamagedError
from semsearch.filters import name_tokens
from semsearch.ids import natural_key
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
# The write protocol (semsearch/generations.py). Every write of a question is a new generation:
# its passages are written "pending" (no reader sees them), then the question's other
# generations are deleted and this one "committed". Points written before generations existed
# have neither field: generation 0, committed.
GENERATION = "generation"
WRITE_STATE = "write_state"
PENDING = "pending"
COMMITTED = "committed"
PASSAGE_COUNT = "passages"  # passages of the generation: a pending one is complete when all are there
REPLACES = "replaces"  # a question indexed under another id, deleted when this generation commits
TEXT_HASH = "text_hash"  # of the passage's text: a payload garbled on disk is caught, not shown

# Payload fields the engine filters on, and the index type each needs.
KEYWORD_FIELDS = (
    QUESTION_ID,
    WRITE_STATE,
    NATURAL_KEY,
    ASSEMBLY,
    SESSION,
    LANGUAGE,
    AUTHOR_TOKENS,
    ADDRESSEE_TOKENS,
    STATE,
)
INTEGER_FIELDS = (POSITION, GENERATION)
DATETIME_FIELDS = (DATE_ASKED,)
# What ranking needs of each fetched passage; the rest is read for the page's passages alone.
RANKING_FIELDS = (QUESTION_ID, POSITION)
QUESTION_FIELDS = (QUESTION_ID,)
# What recovery and verification read of a point.
WRITE_FIELDS = (QUESTION_ID, POSITION, GENERATION, WRITE_STATE, PASSAGE_COUNT, REPLACES, CONTENT_HASH)

_SUMMARY_FIELDS = tuple(QuestionSummary.model_fields)


def state(answered: bool) -> str:
    return "answered" if answered else "unanswered"


@dataclass(frozen=True)
class Stamp:
    """What every passage of one write of a question carries besides its text."""

    qid: str
    content_hash: str
    source_hashes: list[str]
    generation: int
    passages: int
    replaces: str | None = None


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def passage_payload(question: Question, passage: Passage, stamp: Stamp) -> Payload:
    data = question.model_dump(mode="json", exclude={"question", "answer", "id"})
    data.update(
        question_id=stamp.qid,
        answered=question.answered,
        state=state(question.answered),
        natural_key=question.natural_key,
        id_derived=question.id is None,
        author_tokens=name_tokens(question.author),
        addressee_tokens=sorted(set(name_tokens(question.addressee) + name_tokens(question.addressee_role))),
        content_hash=stamp.content_hash,
        source_hashes=stamp.source_hashes,
        kind=passage.kind.value,
        paragraph=passage.paragraph,
        chunk=passage.chunk,
        position=passage.position,
        text=passage.text,
        text_hash=text_hash(passage.text),
        answer_chars=sum(map(len, question.answer)),
        generation=stamp.generation,
        write_state=PENDING,
        passages=stamp.passages,
        replaces=stamp.replaces,
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


def checked_text(payload: Payload) -> str:
    """The passage's text, refused when it no longer matches the hash written with it (a payload
    page garbled on disk decodes to other text: it must not be shown as the record's)."""
    text = payload.get("text")
    recorded = payload.get(TEXT_HASH)
    if not isinstance(text, str) or recorded is not None and text_hash(text) != recorded:
        raise IndexDamagedError(
            f"the stored text of passage {payload.get(POSITION)} of question "
            f"'{payload.get(QUESTION_ID)}' is damaged"
        )
    return text


def generation_of(payload: Payload) -> int:
    return int(payload.get(GENERATION) or 0)


def is_pending(payload: Payload) -> bool:
    return payload.get(WRITE_STATE) == PENDING


def passage_count_of(payload: Payload) -> int | None:
    """Passages of the point's generation, when recorded (not by writes before generations)."""
    count = payload.get(PASSAGE_COUNT)
    return int(count) if isinstance(count, int) else None


def replaces_of(payload: Payload) -> str | None:
    return payload.get(REPLACES)


def content_hash_of(payload: Payload) -> str | None:
    return payload.get(CONTENT_HASH)


def language_of(payload: Payload) -> str | None:
    return payload.get(LANGUAGE)


def natural_key_of(payload: Payload) -> str | None:
    return payload.get(NATURAL_KEY)


def matched_passage(payload: Payload, score: float) -> MatchedPassage:
    return MatchedPassage(
        kind=payload["kind"], paragraph=payload["paragraph"], text=checked_text(payload), score=score
    )


# -- a question's head: what says it is indexed, and from which sources --------------------------
def source_hashes(head: Payload) -> list[str]:
    """The content hashes of every record this question was written from (unchanged ones are skipped)."""
    return list(head.get("source_hashes", []))


def is_id_derived(head: Payload) -> bool:
    """Indexed under an id derived from its natural key (a page without an id of its own)."""
    return bool(head.get("id_derived"))


def key_fields(payload: Payload) -> Payload:
    """The fields derived from a question's names by the id rule (``semsearch.ids``), computed
    again from the payload's own fields: its natural key and its name tokens."""
    author, addressee, role = payload.get("author"), payload.get("addressee"), payload.get("addressee_role")
    return {
        NATURAL_KEY: natural_key(
            str(payload.get(ASSEMBLY) or ""), payload.get(SESSION), payload.get("number"), addressee
        ),
        AUTHOR_TOKENS: name_tokens(author),
        ADDRESSEE_TOKENS: sorted(set(name_tokens(addressee) + name_tokens(role))),
    }


def stored_answer(head: Payload) -> tuple[bool, int]:
    """(answered, characters of the answer), as indexed."""
    return bool(head.get("answered")), int(head.get("answer_chars", 0))


def untrusted(head: Payload) -> Payload:
    """The head without the hashes that say "already indexed": its question is rewritten by the
    next write of any of its sources (its passages were found not to be those of its hash)."""
    return {**head, CONTENT_HASH: None, "source_hashes": []}


# -- verification (semsearch check) ------------------------------------------------------------
_QUESTION_KEYS = (*(k for k in _SUMMARY_FIELDS if k != "id"), QUESTION_ID, CONTENT_HASH, GENERATION)
_KINDS = frozenset(k.value for k in PassageKind)


def question_digest(payload: Payload) -> str:
    """A digest of what every passage of a question carries alike (its metadata and version)."""
    values = json.dumps([payload.get(k) for k in _QUESTION_KEYS], sort_keys=True, default=str)
    return hashlib.sha256(values.encode("utf-8")).hexdigest()[:16]


def passage_problem(payload: Payload) -> str | None:
    """What is wrong with one passage's payload, or None: the fields every passage has, of their
    type, and its text as written (its hash)."""
    if not isinstance(payload.get(QUESTION_ID), str) or not payload.get(QUESTION_ID):
        return "no question id"
    if not isinstance(payload.get(POSITION), int) or payload[POSITION] < 0:
        return "no position"
    if payload.get("kind") not in _KINDS or not isinstance(payload.get("paragraph"), int):
        return "no passage kind"
    if not isinstance(payload.get(CONTENT_HASH), str):
        return "no content hash"
    try:
        checked_text(payload)
    except IndexDamagedError:
        return "its text differs from what was written"
    return None


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
        parts[(p["kind"], int(p["paragraph"]))].append(checked_text(p))

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
