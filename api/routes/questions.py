"""``/questions``: read one question and its related ones; add, update and delete (with the key)."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from api.deps import ServiceDep, WriteAccess
from api.downloads import download, download_responses
from api.params import ClosenessDep, FilterDep, FormatParam, Limit, Mode, Offset
from api.schemas import (
    QUESTION_EXAMPLE,
    DeleteResponse,
    Duplicate,
    RelatedResponse,
    Skipped,
    UpsertResponse,
    error_responses,
)
from semsearch.errors import InputError
from semsearch.models import Question
from semsearch.service import SearchService

MAX_BATCH = 1000

router = APIRouter(prefix="/questions", tags=["questions"])

_QUESTION_REF = {"$ref": "#/components/schemas/Question"}
# The body is parsed by hand (one object or a list, each error located), so its schema is
# declared here for /docs.
_UPSERT_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "anyOf": [
                        _QUESTION_REF,
                        {"type": "array", "items": _QUESTION_REF, "minItems": 1, "maxItems": MAX_BATCH},
                    ]
                },
                "examples": {
                    "one": {"summary": "One question", "value": QUESTION_EXAMPLE},
                    "many": {"summary": "A list of questions", "value": [QUESTION_EXAMPLE]},
                },
            }
        },
    }
}


# Declared before the next route: an id may hold a '/', so ``{question_id:path}`` would take
# '…/related' too.
@router.get(
    "/{question_id:path}/related",
    response_model=RelatedResponse,
    responses={**error_responses(404), **download_responses()},
)
def related(
    service: ServiceDep,
    flt: FilterDep,
    closeness: ClosenessDep,
    question_id: str,
    limit: Limit = 10,
    offset: Offset = 0,
    mode: Mode = None,
    fmt: FormatParam = "json",
) -> RelatedResponse | Response:
    """The questions closest to an indexed one, itself excluded: its precedents, each with its
    similarity and precedent label. ``format=csv`` or ``jsonl`` gives the page as a file."""
    found = service.related_page(question_id, limit, offset, closeness, flt=flt, mode=mode)
    if fmt != "json":
        return download(found.hits, fmt, question_id)
    return RelatedResponse.of(found, offset, limit, question_id=question_id)


@router.get(
    "/{question_id:path}",
    response_model=Question,
    responses={**error_responses(404), 200: {"content": {"application/json": {"example": QUESTION_EXAMPLE}}}},
)
def get_question(service: ServiceDep, question_id: str) -> Question:
    """The whole question, with its answer when there is one."""
    return service.get(question_id)


@router.post(
    "",
    response_model=UpsertResponse,
    dependencies=[WriteAccess],
    openapi_extra=_UPSERT_BODY,
    responses={
        **error_responses(401, 403, 409, 413),
        201: {"model": UpsertResponse, "description": "Some questions were added."},
    },
)
async def upsert_questions(request: Request, response: Response, service: ServiceDep) -> UpsertResponse:
    """Index one question or a list of them (canonical schema): new ones are added, changed ones
    replaced, unchanged ones skipped. Answers 201 when something was added, else 200."""
    body = await request.body()
    result = await run_in_threadpool(_upsert, service, body)
    if result.added:
        response.status_code = 201
    return result


@router.delete(
    "/{question_id:path}",
    response_model=DeleteResponse,
    dependencies=[WriteAccess],
    responses=error_responses(401, 403, 404),
)
def delete_question(service: ServiceDep, question_id: str) -> DeleteResponse:
    """Remove a question and all its passages from the index."""
    service.delete(question_id)
    return DeleteResponse(deleted=question_id)


def _upsert(service: SearchService, body: bytes) -> UpsertResponse:
    questions = parse_questions(body)
    result = service.upsert(questions)
    first: dict[str, int] = {}
    for n, q in enumerate(questions):
        first.setdefault(q.qid, n)
    return UpsertResponse(
        added=result.added,
        updated=result.updated,
        unchanged=result.unchanged,
        passages=result.passages,
        duplicates=[Duplicate(record=record, kept=kept) for record, kept in result.duplicates],
        skipped=[
            Skipped(
                record=f"body[{n}]",
                id=qid,
                reason=f"repeats the id of body[{first[qid]}], which is kept (the first record of an id is)",
            )
            for n, qid in result.repeated
        ],
    )


def _invalid(msg: str, *loc: str | int) -> RequestValidationError:
    return RequestValidationError([{"loc": ("body", *loc), "msg": msg, "type": "value_error"}])


def parse_questions(body: bytes) -> list[Question]:
    """One question or a list of them, each error located (``body[3].title: Field required``)."""
    try:
        data = json.loads(body)
    except ValueError as exc:
        raise _invalid(f"the body is not valid JSON: {exc}") from None
    except RecursionError:  # a few kB of '[' are enough
        raise _invalid("the body is nested too deeply to be a question") from None
    single = isinstance(data, dict)
    records = [data] if single else data
    if not isinstance(records, list):
        raise _invalid("the body must be a question (an object) or a list of them")
    if not records:
        raise _invalid("the list is empty: send at least one question")
    if len(records) > MAX_BATCH:
        raise _invalid(f"the list has {len(records)} questions; send at most {MAX_BATCH} per request")
    questions: list[Question] = []
    errors: list[Any] = []
    for i, record in enumerate(records):
        where: tuple[str | int, ...] = () if single else (i,)
        try:
            question = Question.model_validate(record)
            question.qid  # noqa: B018 - raises when no id can be derived: say which record
            questions.append(question)
        except ValidationError as exc:
            errors.extend({**e, "loc": ("body", *where, *e["loc"])} for e in exc.errors(include_input=False))
        except InputError as exc:
            errors.append({"loc": ("body", *where), "msg": exc.message, "type": "value_error"})
        except RecursionError:
            errors.append({"loc": ("body", *where), "msg": "nested too deeply", "type": "value_error"})
    if errors:
        raise RequestValidationError(errors)
    return questions
