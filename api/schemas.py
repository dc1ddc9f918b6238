"""Response models of the API, with the examples shown at ``/docs``.

Results and questions are the core's own models (``SearchHit``, ``Question``): the API
wraps them in envelopes and adds nothing to them.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field

from semsearch.answer_times import AnswerTimes, Grouping
from semsearch.models import SearchHit
from semsearch.results import Page
from semsearch.routing import Routing

QUESTION_EXAMPLE: dict[str, Any] = {
    "id": "pw-2022-2023-574-1-dupont-marc",
    "assembly": "Parlement Wallon",
    "session": "2022-2023",
    "number": "574 (2022-2023) 1",
    "title": "Les retards de paiement des primes à la rénovation",
    "date_asked": "2023-03-01",
    "author": "LAMBERT Sophie",
    "addressee": "DUPONT Marc",
    "addressee_role": "Ministre du Logement",
    "question": [
        "Monsieur le Ministre, de nombreux ménages attendent le paiement de leur prime à la rénovation "
        "depuis plus de six mois.",
        "Quel est le délai moyen de traitement d'un dossier ?",
    ],
    "date_answered": "2023-04-12",
    "answered_by": "DUPONT Marc",
    "answer": ["Le délai moyen est aujourd'hui de quatre mois ; un renfort de l'administration est prévu."],
    "language": "fr",
    "url": "https://www.parlement-wallonie.be/pwpages?p=doc-recherche-det&type=28&id_doc=112233",
    "source_ref": "112233",
}

_HIT_EXAMPLE: dict[str, Any] = {
    **{k: v for k, v in QUESTION_EXAMPLE.items() if k not in {"question", "answer"}},
    "answered": True,
    "score": 0.83,
    "passages": [
        {"kind": "title", "paragraph": 0, "text": QUESTION_EXAMPLE["title"], "score": 0.83},
        {"kind": "question", "paragraph": 1, "text": QUESTION_EXAMPLE["question"][0], "score": 0.71},
    ],
}


def _examples(*examples: dict[str, Any]) -> ConfigDict:
    return ConfigDict(json_schema_extra={"examples": list(examples)})


class ErrorResponse(BaseModel):
    model_config = _examples({"detail": "no question with id 'pw-123' in the index"})

    detail: str = Field(description="What went wrong, in one line.")


class FieldError(BaseModel):
    loc: list[str | int]
    msg: str
    type: str


class ValidationErrorResponse(BaseModel):
    model_config = _examples(
        {
            "detail": "limit: Input should be less than or equal to 100",
            "errors": [
                {
                    "loc": ["query", "limit"],
                    "msg": "Input should be less than or equal to 100",
                    "type": "less_than_equal",
                }
            ],
        }
    )

    detail: str = Field(description="Every problem, in one line.")
    errors: list[FieldError] = Field(default_factory=list, description="The same, one item per problem.")


class ResultPage(BaseModel):
    """A page of results: one item per question, best first, and where the next page starts."""

    offset: int
    limit: int
    next_offset: int | None = Field(description="Offset of the next page; null on the last page.")
    results: list[SearchHit] = Field(description="One item per question, best first.")

    @classmethod
    def of(cls, found: Page, offset: int, limit: int, **asked: str) -> Self:
        return cls(**asked, offset=offset, limit=limit, next_offset=found.next_offset, results=found.hits)


class _Query(BaseModel):
    query: str


class _QuestionId(BaseModel):
    question_id: str = Field(description="The question asked about; the results exclude it.")


# The page's fields after what was asked, so the JSON keeps its order: pydantic puts the fields of
# the last base class first.
class SearchResponse(ResultPage, _Query):
    model_config = _examples(
        {
            "query": "retards des primes à la rénovation",
            "offset": 0,
            "limit": 10,
            "next_offset": 10,
            "results": [_HIT_EXAMPLE],
        }
    )


class RelatedResponse(ResultPage, _QuestionId):
    model_config = _examples(
        {
            "question_id": "pw-2021-2022-88-1-dupont-marc",
            "offset": 0,
            "limit": 5,
            "next_offset": None,
            "results": [_HIT_EXAMPLE],
        }
    )


class RouteResponse(Routing):
    model_config = _examples(
        {
            "query": "délais de paiement des primes à la rénovation",
            "question_id": None,
            "evidence": 20,
            "candidates": [
                {
                    "addressee": "Ministre du Logement",
                    "portfolio": "Ministre du Logement",
                    "names": ["DUPONT Marc"],
                    "share": 0.62,
                    "questions": 11,
                    "precedents": [
                        {
                            "id": "pw-2022-2023-574-1-dupont-marc",
                            "title": QUESTION_EXAMPLE["title"],
                            "date_asked": "2023-03-01",
                            "addressee": "DUPONT Marc",
                            "addressee_role": "Ministre du Logement",
                            "similarity": 0.71,
                            "closeness": "closely related",
                        }
                    ],
                }
            ],
        }
    )

    query: str | None = Field(description="The text routed, or null for a question id.")
    question_id: str | None = Field(description="The indexed question routed, or null for a text.")


class AnswerTimesResponse(BaseModel):
    model_config = _examples(
        {
            "by": "addressee",
            "as_of": "2024-06-30",
            "rows": [
                {
                    "addressee": "DUPONT Marc",
                    "also": ["Ministre du Logement"],
                    "asked": 42,
                    "answered": 35,
                    "dated_answers": 35,
                    "median_days": 27.0,
                    "unanswered_after_30": 0.45,
                    "unanswered_after_60": 0.12,
                }
            ],
        }
    )

    by: Grouping
    as_of: date = Field(description="The day the 30- and 60-day shares are counted at.")
    rows: list[AnswerTimes] = Field(description="One per addressee (or portfolio), the most asked first.")


class Duplicate(BaseModel):
    record: str = Field(description="The identity of the record that was sent.")
    kept: str = Field(description="The id of the indexed question it duplicates, which was kept.")


class Skipped(BaseModel):
    record: str = Field(description="Where the skipped record is in the body, e.g. 'body[3]'.")
    id: str
    reason: str


class UpsertResponse(BaseModel):
    model_config = _examples(
        {
            "added": ["pw-2022-2023-574-1-dupont-marc"],
            "updated": [],
            "unchanged": ["pw-2022-2023-12-1-martin-luc"],
            "duplicates": [],
            "skipped": [],
            "passages": 4,
        }
    )

    added: list[str]
    updated: list[str]
    unchanged: list[str]
    duplicates: list[Duplicate]
    skipped: list[Skipped] = Field(
        default_factory=list,
        description="Records not indexed: a later record with the id of an earlier one in the same "
        "request (the first is kept, as `semsearch index` keeps the first across files).",
    )
    passages: int = Field(description="Passages embedded by this request.")


class DeleteResponse(BaseModel):
    model_config = _examples({"deleted": "pw-2022-2023-574-1-dupont-marc"})

    deleted: str


class HealthResponse(BaseModel):
    model_config = _examples({"status": "ok", "store": "ok", "model": "ok", "index": "ok"})

    status: Literal["ok", "error"]
    store: str = Field(description="'ok', or why the store cannot be used.")
    model: str = Field(description="'ok', or why the model cannot be used.")
    index: str = Field(
        description="'ok', or that there is no index or that it is empty, and how to build it "
        "(the server still answers, and accepts questions through POST /questions)."
    )


class StatsResponse(BaseModel):
    model_config = _examples(
        {
            "questions": 15230,
            "passages": 81544,
            "answered": 13877,
            "model": "multilingual-e5-small",
            "dimension": 384,
            "store": "edge",
        }
    )

    questions: int
    passages: int
    answered: int
    model: str | None = Field(description="The model the index was built with (null while it is empty).")
    dimension: int | None
    store: str = Field(description="The kind of store: 'edge' (embedded) or a Qdrant server.")


def error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """The error answers of a route, for the OpenAPI document."""
    described = {
        401: "No API key, or a wrong one.",
        403: "Writes are disabled: the server has no API key set.",
        404: "No question with this id.",
        409: "The index cannot be used with this server's model.",
        413: "The request body is too large.",
        503: "The store or the model is unavailable.",
    }
    responses: dict[int | str, dict[str, Any]] = {
        code: {"model": ErrorResponse, "description": described[code]} for code in codes
    }
    responses[422] = {"model": ValidationErrorResponse, "description": "A parameter or the body is invalid."}
    return responses
