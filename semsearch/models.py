"""The domain objects: a question as indexed, its passages, and search results.

``Question`` is also the project's canonical JSON schema (one object a line in a
``.jsonl`` file, or the body of ``POST /questions``): its field names are the schema.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from semsearch.ids import derive_question_id, id_problem, natural_key


def split_paragraphs(text: str) -> list[str]:
    """Paragraphs of a text separated by blank lines, stripped, empty ones dropped."""
    parts = [" ".join(p.split()) for p in text.replace("\r\n", "\n").split("\n\n")]
    return [p for p in parts if p]


class Question(BaseModel):
    """A written question and, when there is one, its answer."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    id: str | None = Field(
        default=None,
        max_length=200,
        description="Stable id. When absent it is derived from assembly, session, number and addressee.",
    )
    assembly: str = Field(min_length=1, max_length=200, examples=["Parlement Wallon"])
    session: str | None = Field(default=None, max_length=50, examples=["2022-2023"])
    number: str | None = Field(default=None, max_length=100, examples=["574 (2022-2023) 1"])
    title: str = Field(min_length=1, max_length=2000)
    date_asked: date | None = None
    author: str | None = Field(default=None, max_length=300)
    addressee: str | None = Field(default=None, max_length=300, description="The minister asked.")
    addressee_role: str | None = Field(default=None, max_length=1000)
    question: list[str] = Field(min_length=1, description="Paragraphs (or one string, split on blank lines).")
    date_answered: date | None = None
    answered_by: str | None = Field(default=None, max_length=300)
    answer: list[str] = Field(default_factory=list)
    language: str | None = Field(default=None, max_length=10, examples=["fr", "en"])
    url: str | None = Field(default=None, max_length=2000)
    source_ref: str | None = Field(default=None, max_length=200, description="The source's own document id.")

    @field_validator("question", "answer", mode="before")
    @classmethod
    def _paragraphs(cls, value: Any) -> Any:
        if value is None:
            return []
        if isinstance(value, str):
            return split_paragraphs(value)
        if isinstance(value, list):
            return [" ".join(str(p).split()) for p in value if isinstance(p, str) and p.strip()] + [
                p for p in value if not isinstance(p, str)
            ]
        return value

    @field_validator("id", "session", "number", "author", "addressee", "answered_by", mode="before")
    @classmethod
    def _blank_is_none(cls, value: Any) -> Any:
        if isinstance(value, str) and not value.strip():
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        return value

    @field_validator("id")
    @classmethod
    def _routable(cls, value: str | None) -> str | None:
        problem = id_problem(value) if value is not None else None
        if problem:
            raise ValueError(f"{value!r}: {problem}")  # repr: a control character stays escaped
        return value

    @property
    def answered(self) -> bool:
        return bool(self.answer)

    @property
    def qid(self) -> str:
        """The question's identity: its own id, else derived from its natural key."""
        if self.id:
            return self.id
        return derive_question_id(self.assembly, self.session, self.number, self.addressee)

    @property
    def natural_key(self) -> str | None:
        return natural_key(self.assembly, self.session, self.number, self.addressee)

    def content_hash(self) -> str:
        """Hash of everything that is indexed, so an unchanged question is never re-embedded."""
        data = self.model_dump(mode="json")
        data["id"] = self.qid
        blob = json.dumps(data, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:32]


class PassageKind(StrEnum):
    title = "title"  # type: ignore[assignment]  # str.title is shadowed on purpose
    question = "question"
    answer = "answer"


class Passage(BaseModel):
    """One embedded unit of a question: its title, or (part of) one paragraph."""

    kind: PassageKind
    paragraph: int = Field(description="1-based paragraph number within its kind (0 for the title).")
    chunk: int = Field(default=0, description="Part of a paragraph split because it was too long.")
    position: int = Field(description="Index of the passage within its question.")
    text: str


class QuestionSummary(BaseModel):
    """A question's metadata, without its full text."""

    id: str
    title: str
    assembly: str
    session: str | None = None
    number: str | None = None
    date_asked: date | None = None
    author: str | None = None
    addressee: str | None = None
    addressee_role: str | None = None
    date_answered: date | None = None
    answered_by: str | None = None
    answered: bool = False
    language: str | None = None
    url: str | None = None
    source_ref: str | None = None


class MatchedPassage(BaseModel):
    kind: PassageKind
    paragraph: int
    text: str
    score: float


class SearchHit(QuestionSummary):
    """One result: a question, its score and the passages of it that matched."""

    score: float = Field(description="The ranking score (in hybrid mode a fused rank score).")
    similarity: float | None = Field(
        default=None, description="Cosine similarity of the query and the question's closest passage."
    )
    closeness: str | None = Field(
        default=None,
        description="How close a precedent it is, from calibrated similarity thresholds: "
        "'same question', 'closely related', 'same topic', or none.",
        examples=["closely related"],
    )
    passages: list[MatchedPassage] = Field(default_factory=list)


class IndexStats(BaseModel):
    questions: int
    passages: int
    answered: int
    model: str | None
    dimension: int | None
    store: str
    location: str
